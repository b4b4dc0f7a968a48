"""Warnings (预警): ours, drafted, approved by a second person and published as CAP 1.2; and those received from
elsewhere as CAP 1.1 / 1.2, kept beside ours."""

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yingji.core.models import OwnedModel, latitude_field, longitude_field
from yingji.core.scoping import everyone


class Colour(models.TextChoices):
    BLUE = "blue", _("Blue")
    YELLOW = "yellow", _("Yellow")
    ORANGE = "orange", _("Orange")
    RED = "red", _("Red")


class CapStatus(models.TextChoices):
    ACTUAL = "Actual", _("Actual")
    EXERCISE = "Exercise", _("Exercise")
    TEST = "Test", _("Test")


class MsgType(models.TextChoices):
    ALERT = "Alert", _("Alert")
    UPDATE = "Update", _("Update")
    CANCEL = "Cancel", _("Cancel")


def _number(value, name: str, low, high) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError(
            _("%(name)s must be a number, not %(value)s.") % {"name": name, "value": value}
        ) from None
    if not number.is_finite() or not low <= number <= high:
        raise ValidationError(
            _("%(name)s must lie between %(low)s and %(high)s, not %(value)s.")
            % {"name": name, "low": low, "high": high, "value": value}
        )
    return number


def clean_polygons(value) -> list:
    """[[[lat, lon], ...], ...]: each ring of at least 4 points, the first equal to the last (CAP's rule)."""
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValidationError(_("Polygons are a list of rings, each a list of [lat, lon] points."))
    for n, ring in enumerate(value, 1):
        if not isinstance(ring, list) or not all(isinstance(p, list | tuple) and len(p) == 2 for p in ring):
            raise ValidationError(_("Polygon %(n)s: each point is [lat, lon].") % {"n": n})
        if len(ring) < 4:
            raise ValidationError(
                _("Polygon %(n)s needs at least 4 points (the first repeated last).") % {"n": n}
            )
        for lat, lon in ring:
            _number(lat, _("latitude"), -90, 90)
            _number(lon, _("longitude"), -180, 180)
        if [str(Decimal(str(c))) for c in ring[0]] != [str(Decimal(str(c))) for c in ring[-1]]:
            raise ValidationError(
                _("Polygon %(n)s is not closed: its first point must equal its last.") % {"n": n}
            )
    return value


def clean_circles(value) -> list:
    """[{"lat": .., "lon": .., "radius_km": ..}, ...]"""
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(c, dict) for c in value):
        raise ValidationError(_("Circles are a list of {lat, lon, radius_km}."))
    for c in value:
        if set(c) != {"lat", "lon", "radius_km"}:
            raise ValidationError(_("A circle has exactly lat, lon and radius_km."))
        _number(c["lat"], _("latitude"), -90, 90)
        _number(c["lon"], _("longitude"), -180, 180)
        _number(c["radius_km"], _("radius (km)"), 0, 20000)
    return value


def centre(polygons, circles) -> tuple[float, float] | None:
    """A point to pin an area on the map: the mean of its polygons' points and circles' centres."""
    points = [(float(lat), float(lon)) for ring in polygons or [] for lat, lon in ring[:-1]]
    points += [(float(c["lat"]), float(c["lon"])) for c in circles or []]
    if not points:
        return None
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)


class Warning(OwnedModel):  # noqa: A001  (the domain's word; the builtin is not used here)
    """One of our warnings; the owner is the issuing body. Published warnings are never edited: an Update or a
    Cancel is a new warning referring to the one it replaces."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")
        PUBLISHED = "published", _("Published")
        UPDATED = "updated", _("Superseded by an update")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")

    event_type = models.ForeignKey(
        "incidents.EventType", verbose_name=_("event type"), on_delete=models.PROTECT, related_name="+"
    )
    level = models.CharField(_("level"), max_length=10, choices=Colour.choices)
    headline = models.CharField(
        _("headline"),
        max_length=200,
        blank=True,
        help_text=_("Left empty, it is written from the issuer, event and level."),
    )
    description = models.TextField(_("description"))
    instruction = models.TextField(_("instructions"), blank=True)
    divisions = models.ManyToManyField(
        "core.Division", verbose_name=_("divisions"), blank=True, related_name="+"
    )
    polygons = models.JSONField(
        _("polygons"),
        default=list,
        blank=True,
        validators=[clean_polygons],
        help_text=_("[[[lat, lon], ...]]"),
    )
    circles = models.JSONField(
        _("circles"),
        default=list,
        blank=True,
        validators=[clean_circles],
        help_text=_('[{"lat": .., "lon": .., "radius_km": ..}]'),
    )
    area_desc = models.CharField(
        _("area description"), max_length=300, blank=True, help_text=_("Left empty, the divisions' names.")
    )
    effective = models.DateTimeField(_("effective"), null=True, blank=True)
    onset = models.DateTimeField(_("onset"), null=True, blank=True)
    expires = models.DateTimeField(_("expires"))
    audience = models.CharField(_("audience"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=CapStatus.choices, default=CapStatus.ACTUAL)
    msg_type = models.CharField(
        _("message type"), max_length=10, choices=MsgType.choices, default=MsgType.ALERT
    )
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("updates or cancels"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="followers",
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.DRAFT, editable=False
    )
    identifier = models.CharField(
        _("CAP identifier"), max_length=100, unique=True, null=True, blank=True, editable=False
    )
    sender = models.CharField(_("CAP sender"), max_length=100, blank=True, editable=False)
    sent = models.DateTimeField(_("sent"), null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    cap_xml = models.TextField(_("CAP XML"), blank=True, editable=False)
    permission_family = "reporting"

    @staticmethod
    def visible_q(user):
        # A published warning is public; every signed-in user reads it. Drafts stay with the issuer.
        return models.Q(sent__isnull=False)

    class Meta:
        ordering = ["-sent", "-created_at", "-pk"]
        verbose_name = _("warning")
        verbose_name_plural = _("warnings")
        indexes = [models.Index(fields=["state", "status", "expires"])]

    def __str__(self):
        return self.headline or f"{self.event_type_id} {self.level}"

    def get_absolute_url(self):
        return reverse("warnings:warning_detail", args=[self.pk])

    def cap_url(self):
        return reverse("warnings:cap", args=[self.identifier]) if self.identifier else ""

    @property
    def is_actual(self) -> bool:
        return self.status == CapStatus.ACTUAL

    @property
    def in_force(self) -> bool:
        return (
            self.state == self.State.PUBLISHED
            and self.expires > timezone.now()
            and self.msg_type != MsgType.CANCEL
        )

    def clean(self):
        super().clean()
        errors = {}
        if self.effective and self.expires and self.expires <= self.effective:
            errors["expires"] = _("A warning expires after it takes effect.")
        if self.onset and self.expires and self.expires <= self.onset:
            errors["expires"] = _("A warning expires after its onset.")
        if errors:
            raise ValidationError(errors)

    def centre(self):
        return centre(self.polygons, self.circles)


class FeedSource(OwnedModel):
    """An Atom or RSS feed of CAP messages (linked or embedded) that the worker polls."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("feed URL"), max_length=500)
    active = models.BooleanField(_("active"), default=True)
    interval_minutes = models.PositiveSmallIntegerField(_("poll every (minutes)"), default=5)
    last_polled_at = models.DateTimeField(_("last polled at"), null=True, blank=True, editable=False)
    last_result = models.TextField(_("last result"), blank=True, editable=False)
    permission_family = "reporting"

    class Meta:
        ordering = ["name"]
        verbose_name = _("feed source")
        verbose_name_plural = _("feed sources")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("warnings:feedsource_detail", args=[self.pk])


class ExternalWarning(OwnedModel):
    """A CAP message received from elsewhere (a higher level, the weather service...). The owner is the organisation
    that received it; every signed-in user reads it. (sender, identifier, sent) identify it, as in CAP references."""

    class Channel(models.TextChoices):
        UPLOAD = "upload", _("File upload")
        PUSH = "push", _("HTTP push")
        FEED = "feed", _("Polled feed")

    sender = models.CharField(_("sender"), max_length=200)
    identifier = models.CharField(_("identifier"), max_length=200)
    sent = models.DateTimeField(_("sent"))
    status = models.CharField(_("status"), max_length=10)
    msg_type = models.CharField(_("message type"), max_length=10)
    references = models.TextField(_("references"), blank=True)
    cap_version = models.CharField(_("CAP version"), max_length=5)
    event = models.CharField(_("event"), max_length=200, blank=True)
    headline = models.CharField(_("headline"), max_length=300, blank=True)
    sender_name = models.CharField(_("sender name"), max_length=200, blank=True)
    severity = models.CharField(_("severity"), max_length=10, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=Colour.choices, blank=True)
    urgency = models.CharField(_("urgency"), max_length=10, blank=True)
    certainty = models.CharField(_("certainty"), max_length=10, blank=True)
    description = models.TextField(_("description"), blank=True)
    instruction = models.TextField(_("instructions"), blank=True)
    area_desc = models.TextField(_("area"), blank=True)
    polygons = models.JSONField(_("polygons"), default=list, blank=True)
    circles = models.JSONField(_("circles"), default=list, blank=True)
    effective = models.DateTimeField(_("effective"), null=True, blank=True)
    expires = models.DateTimeField(_("expires"), null=True, blank=True)
    channel = models.CharField(_("received by"), max_length=10, choices=Channel.choices)
    feed = models.ForeignKey(
        FeedSource,
        verbose_name=_("feed"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="alerts",
    )
    xml = models.TextField(_("CAP XML"), editable=False)
    replaced_by = models.ForeignKey(
        "self",
        verbose_name=_("updated or cancelled by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    permission_family = "reporting"

    @staticmethod
    def visible_q(user):
        return everyone(user)

    class Meta:
        ordering = ["-sent", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["sender", "identifier", "sent"], name="external_warning_key")
        ]
        verbose_name = _("received warning")
        verbose_name_plural = _("received warnings")

    def __str__(self):
        return self.headline or self.event or self.identifier

    def get_absolute_url(self):
        return reverse("warnings:externalwarning_detail", args=[self.pk])

    def centre(self):
        return centre(self.polygons, self.circles)


def _threshold_field(verbose_name):
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=4, null=True, blank=True)


class Station(OwnedModel):
    """A monitoring station (rain gauge, river or reservoir level, wind, landslide displacement, gas...)."""

    class Kind(models.TextChoices):
        RAIN = "rain", _("Rain gauge")
        RIVER = "river", _("River level")
        RESERVOIR = "reservoir", _("Reservoir level")
        WIND = "wind", _("Wind")
        DISPLACEMENT = "displacement", _("Landslide displacement")
        GAS = "gas", _("Gas concentration")
        VISIBILITY = "visibility", _("Visibility")

    code = models.CharField(_("station code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    rule = models.CharField(
        _("threshold rule"),
        max_length=40,
        blank=True,
        help_text=_("A rule of the threshold table, e.g. rain_1h."),
    )
    division = models.ForeignKey(
        "core.Division", verbose_name=_("division"), on_delete=models.PROTECT, related_name="+"
    )
    latitude = latitude_field()
    longitude = longitude_field()
    # The station's own thresholds (a river's 警戒水位, a reservoir's 汛限水位): when any is set they are its rule,
    # in place of the table's.
    blue_at = _threshold_field(_("blue threshold"))
    yellow_at = _threshold_field(_("yellow threshold"))
    orange_at = _threshold_field(_("orange threshold"))
    red_at = _threshold_field(_("red threshold"))
    direction = models.CharField(
        _("worse when the value"),
        max_length=8,
        choices=[("rising", _("rises")), ("falling", _("falls"))],
        default="rising",
    )
    hysteresis = models.DecimalField(
        _("hysteresis"),
        max_digits=14,
        decimal_places=4,
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_("A level is left only when the value falls back past its threshold by this much."),
    )
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    level = models.CharField(_("current level"), max_length=10, blank=True, editable=False)
    last_observed_at = models.DateTimeField(_("last observation"), null=True, blank=True, editable=False)

    visible_q = staticmethod(everyone)  # readings are no secret; changes stay with the owner

    class Meta:
        ordering = ["code"]
        verbose_name = _("monitoring station")
        verbose_name_plural = _("monitoring stations")

    def __str__(self):
        return f"{self.name} ({self.code})"

    def get_absolute_url(self):
        return reverse("warnings:station_detail", args=[self.pk])

    @property
    def level_name(self) -> str:
        return Colour(self.level).label if self.level in Colour.values else _("Normal")

    @property
    def location(self) -> str:
        if self.latitude is None or self.longitude is None:
            return ""
        return f"{self.latitude.normalize()}, {self.longitude.normalize()}"

    def own_thresholds(self) -> list[tuple[str, Decimal]]:
        own = [(level, getattr(self, f"{level}_at")) for level in ("blue", "yellow", "orange", "red")]
        return [(level, value) for level, value in own if value is not None]

    def threshold_rule(self):
        """The station's own thresholds as a rule, else its rule from the threshold table, else None."""
        from yingji.rules import thresholds

        own = self.own_thresholds()
        if own:
            return thresholds.Rule(
                key=f"station:{self.code}",
                thresholds=tuple(thresholds.Threshold(level, Decimal(value)) for level, value in own),
                direction=thresholds.Direction(self.direction),
                hysteresis=Decimal(self.hysteresis or 0),
                name=self.get_kind_display(),  # what is measured (lazy: the reader's language)
                unit=self.unit,
            )
        return thresholds.default_rules().get(self.rule) if self.rule else None

    def clean(self):
        from yingji.rules.thresholds import default_rules

        if self.rule and self.rule not in default_rules():
            raise ValidationError(
                {
                    "rule": _("Unknown threshold rule %(rule)s: use one of %(rules)s.")
                    % {"rule": self.rule, "rules": ", ".join(sorted(default_rules()))}
                }
            )
        own = self.own_thresholds()
        for (milder, low), (worse, high) in zip(own, own[1:], strict=False):
            if (high <= low) if self.direction == "rising" else (high >= low):
                raise ValidationError(
                    {
                        f"{worse}_at": _(
                            "The %(worse)s threshold must lie past the %(milder)s one in the worse direction."
                        )
                        % {"worse": Colour(worse).label, "milder": Colour(milder).label}
                    }
                )


class Observation(models.Model):
    """One reading; the same station and time twice is one reading (retries are harmless)."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="observations")
    observed_at = models.DateTimeField(_("observed at"))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=4)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        ordering = ["station", "observed_at"]
        constraints = [models.UniqueConstraint(fields=["station", "observed_at"], name="observation_once")]
        verbose_name = _("observation")
        verbose_name_plural = _("observations")


class StationAlert(models.Model):
    """A crossing of a threshold: raised to a level, or lowered back."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="alerts")
    observed_at = models.DateTimeField(_("observed at"))
    previous = models.CharField(_("previous level"), max_length=10, blank=True)
    level = models.CharField(_("level"), max_length=10, blank=True)
    raised = models.BooleanField(_("raised"))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=4)
    edge = models.DecimalField(_("threshold crossed"), max_digits=14, decimal_places=4)
    warning = models.ForeignKey(
        Warning,
        verbose_name=_("warning drafted from it"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="station_alerts",
    )

    class Meta:
        ordering = ["-observed_at", "-pk"]
        verbose_name = _("station alert")
        verbose_name_plural = _("station alerts")

    def __str__(self):
        return f"{self.station} {self.level or '-'} {self.value.normalize()}"
