"""Hazards (风险隐患): hazard sources, danger zones and safety hazards; their risk assessments, rectifications and
the inspections (排查) that find them.

Scoping: a hazard belongs to its owner unit and is read and written within the owner's reach only (another
county's hazards are a 404). Hazard records name chemical plants, tailings dams and the people exposed to them;
they are shared upwards through the hierarchy (the city sees every county), not sideways. See docs/hazards.md.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yingji.core.models import OwnedModel, TimestampedModel, latitude_field, longitude_field


class Colour(models.TextChoices):
    """The four-colour risk levels, most severe first (DOMAIN.md section 6)."""

    RED = "red", _("Red (major risk)")
    ORANGE = "orange", _("Orange (large risk)")
    YELLOW = "yellow", _("Yellow (general risk)")
    BLUE = "blue", _("Blue (low risk)")


# Map pin classes of app.css (.map-pin-1 red ... .map-pin-4 blue); unassessed hazards get no colour class.
PIN = {"red": "1", "orange": "2", "yellow": "3", "blue": "4"}
POLYGON_COLOURS = {"red": "#c81e1e", "orange": "#f08c00", "yellow": "#f5c400", "blue": "#1c64d8"}


def clean_area(points) -> list[list[float]]:
    """A polygon as a closed list of [lat, lon] points; ValidationError names the field `area`.

    At least 3 distinct points, each a pair of numbers within -90..90 and -180..180; the ring is closed (the first
    point repeated at the end) when it is not already.
    """
    if points in (None, "", []):
        return []
    if not isinstance(points, list | tuple):
        raise ValidationError({"area": _("The area must be a list of [latitude, longitude] points.")})
    ring: list[list[float]] = []
    for number, point in enumerate(points, start=1):
        if (
            not isinstance(point, list | tuple)
            or len(point) != 2
            or not all(isinstance(v, int | float | str) and not isinstance(v, bool) for v in point)
        ):
            raise ValidationError(
                {"area": _("Point %(n)s of the area is not a [latitude, longitude] pair.") % {"n": number}}
            )
        try:
            lat, lon = float(point[0]), float(point[1])
        except ValueError:
            raise ValidationError(
                {"area": _("Point %(n)s of the area is not a pair of numbers.") % {"n": number}}
            ) from None
        if not (-90 <= lat <= 90) or not (-180 <= lon <= 180):
            raise ValidationError(
                {
                    "area": _(
                        "Point %(n)s of the area lies outside latitude -90..90 and longitude -180..180."
                    )
                    % {"n": number}
                }
            )
        ring.append([round(lat, 6), round(lon, 6)])
    distinct = {tuple(p) for p in ring}
    if len(distinct) < 3:
        raise ValidationError({"area": _("The area needs at least 3 distinct points.")})
    if ring[0] != ring[-1]:
        ring.append(list(ring[0]))
    return ring


def centroid(ring: list[list[float]]) -> tuple[float, float]:
    """The area centroid of a closed ring of [lat, lon] (planar: fine for a landslide body); the mean of its
    points when the ring has no area."""
    twice_area = cx = cy = 0.0
    for (y0, x0), (y1, x1) in zip(ring, ring[1:], strict=False):
        cross = x0 * y1 - x1 * y0
        twice_area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(twice_area) < 1e-12:
        points = ring[:-1]
        return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)
    return cy / (3 * twice_area), cx / (3 * twice_area)


class Hazard(OwnedModel):
    class Kind(models.TextChoices):
        SOURCE = "source", _("Hazard source")
        ZONE = "zone", _("Danger zone")
        SAFETY = "safety", _("Safety hazard")

    class Status(models.TextChoices):
        MONITORED = "monitored", _("Monitored")
        RECTIFYING = "rectifying", _("Under rectification")
        REMOVED = "removed", _("Removed")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    category = models.CharField(
        _("category"),
        max_length=60,
        blank=True,
        help_text=_("e.g. 化工企业, 尾矿库, 加油站, 滑坡, 低洼易涝区."),
    )
    event_types = models.CharField(
        _("event types"), max_length=200, blank=True, help_text=_("GB/T 35561 code prefixes, e.g. 11D 12D.")
    )
    division = models.ForeignKey(
        "core.Division", verbose_name=_("division"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = latitude_field()
    longitude = longitude_field()
    area = models.JSONField(
        _("area"),
        default=list,
        blank=True,
        help_text=_("A polygon as a list of [latitude, longitude] points, e.g. [[24.41, 116.32], ...]."),
    )
    people_exposed = models.PositiveIntegerField(_("people exposed"), default=0)
    property_exposed = models.DecimalField(
        _("property exposed (元)"),
        max_digits=16,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    responsible_person = models.CharField(_("responsible person"), max_length=60, blank=True)
    responsible_phone = models.CharField(_("responsible person's phone"), max_length=30, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.MONITORED)
    level = models.CharField(
        _("risk level"), max_length=8, choices=Colour.choices, blank=True, editable=False
    )
    assessed_on = models.DateField(_("last assessed on"), null=True, blank=True, editable=False)
    inspection = models.ForeignKey(
        "hazards.Inspection",
        verbose_name=_("found in inspection"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hazards",
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["division__code", "name", "pk"]
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")
        indexes = [models.Index(fields=["level", "status"]), models.Index(fields=["kind", "status"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("hazards:hazard_detail", args=[self.pk])

    def clean(self):
        super().clean()
        self.area = clean_area(self.area)
        if (
            self.kind == self.Kind.ZONE
            and not self.area
            and (self.latitude is None or self.longitude is None)
        ):
            raise ValidationError(
                {"area": _("A danger zone needs its area (a polygon) or at least a point.")}
            )
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError({"latitude": _("Give both latitude and longitude, or neither.")})

    def save(self, *args, **kwargs):
        self.area = clean_area(self.area)
        if self.area:
            lat, lon = centroid(self.area)
            self.latitude, self.longitude = Decimal(f"{lat:.6f}"), Decimal(f"{lon:.6f}")
        super().save(*args, **kwargs)

    def event_type_prefixes(self) -> list[str]:
        return self.event_types.split()


class HazardPart(TimestampedModel):
    """A record that belongs to a hazard: scoped and change-logged through it."""

    owner_lookup = "hazard__owner"

    class Meta:
        abstract = True


class RiskAssessment(HazardPart):
    """One assessment: the method, the inputs and the result as `rules.risk.Assessment.as_dict()` gave them."""

    class Method(models.TextChoices):
        LEC = "lec", _("LEC (D = L × E × C)")
        MATRIX = "matrix", _("Likelihood × severity matrix")

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="assessments")
    method = models.CharField(_("method"), max_length=8, choices=Method.choices)
    inputs = models.JSONField(_("inputs"), default=dict)
    result = models.JSONField(_("result"), default=dict)
    colour = models.CharField(_("risk level"), max_length=8, choices=Colour.choices)
    score = models.DecimalField(_("score"), max_digits=12, decimal_places=3)
    band_name = models.CharField(_("band"), max_length=30, blank=True)
    assessed_on = models.DateField(_("assessed on"))
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assessor"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-assessed_on", "-pk"]
        verbose_name = _("risk assessment")
        verbose_name_plural = _("risk assessments")

    def __str__(self):
        return f"{self.hazard} {self.assessed_on} {self.get_colour_display()}"

    def get_absolute_url(self):
        return self.hazard.get_absolute_url() + "#assessments"


class Rectification(HazardPart):
    """A measure to remove or control a hazard (隐患整改): who, what, by when; verified by a second person."""

    class Status(models.TextChoices):
        OPEN = "open", _("In progress")
        DONE = "done", _("Reported done")
        CLOSED = "closed", _("Verified and closed")

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="rectifications")
    measures = models.TextField(_("measures"))
    unit = models.ForeignKey(
        "core.Organisation", verbose_name=_("responsible unit"), on_delete=models.PROTECT, related_name="+"
    )
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    progress = models.TextField(_("progress"), blank=True, editable=False)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported done by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    reported_at = models.DateTimeField(_("reported done at"), null=True, blank=True, editable=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified and closed at"), null=True, blank=True, editable=False)
    overdue_notified_at = models.DateTimeField(
        _("overdue notice sent at"), null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self):
        return self.measures[:60]

    def get_absolute_url(self):
        return self.hazard.get_absolute_url() + "#rectifications"

    def is_overdue(self, today=None) -> bool:
        """Still in progress after its deadline day (Asia/Shanghai): due on the deadline, overdue the day after."""
        if today is None:
            from yingji.incidents.services import clock

            today = timezone.localdate(clock())
        return self.status == self.Status.OPEN and self.deadline < today

    @property
    def overdue(self) -> bool:
        return self.is_overdue()


class Inspection(OwnedModel):
    """An inspection (隐患排查): who inspected which unit when, and what they found (one finding a line)."""

    date = models.DateField(_("date"))
    inspected_unit = models.CharField(_("unit inspected"), max_length=200)
    division = models.ForeignKey(
        "core.Division", verbose_name=_("division"), on_delete=models.PROTECT, related_name="+"
    )
    inspectors = models.CharField(_("inspectors"), max_length=200)
    findings = models.TextField(_("findings"), blank=True, help_text=_("One finding a line."))
    event_types = models.CharField(
        _("event types"), max_length=200, blank=True, help_text=_("GB/T 35561 code prefixes, e.g. 12D.")
    )
    latitude = latitude_field()
    longitude = longitude_field()

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")

    def __str__(self):
        return f"{self.date} {self.inspected_unit}"

    def get_absolute_url(self):
        return reverse("hazards:inspection_detail", args=[self.pk])

    def finding_lines(self) -> list[str]:
        return [line.strip() for line in self.findings.splitlines() if line.strip()]
