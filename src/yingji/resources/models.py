"""The city's libraries of emergency resources: experts (专家库), teams (专业队伍库) and shelters (避难场所).

Who sees what: the libraries are read city-wide. Every signed-in user whose role may view library data sees every
expert, team and shelter (`visible_q`), because a county commander must find the nearest team even when it belongs
to the city or a neighbouring county. Adding, changing and deleting stay within the user's reach (the owning
organisation's division or organisation subtree), as everywhere else.
"""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yingji.core.models import OwnedModel, ReferenceData, TimestampedModel
from yingji.core.scoping import everyone
from yingji.resources.geo import Located

PHONE = RegexValidator(r"^[0-9+\-() ]{5,40}$", _("Use digits, spaces, +, - and brackets only."))


class ExpertField(ReferenceData):
    """A field of expertise; the list is reference data that administrators edit."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("field of expertise")
        verbose_name_plural = _("fields of expertise")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("resources:expertfield_detail", args=[self.pk])


class Expert(Located, OwnedModel):
    class Availability(models.TextChoices):
        AVAILABLE = "available", _("Available")
        ON_MISSION = "on_mission", _("On a mission")
        UNAVAILABLE = "unavailable", _("Unavailable")

    name = models.CharField(_("full name"), max_length=60)
    fields = models.ManyToManyField(ExpertField, verbose_name=_("fields"), related_name="experts")
    title = models.CharField(_("professional title"), max_length=60, blank=True)
    employer = models.CharField(_("employer"), max_length=200, blank=True)
    division = models.ForeignKey(
        "core.Division", verbose_name=_("division"), on_delete=models.PROTECT, related_name="+"
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True, validators=[PHONE])
    email = models.EmailField(_("email"), blank=True)
    availability = models.CharField(
        _("availability"), max_length=12, choices=Availability.choices, default=Availability.AVAILABLE
    )
    unavailable_until = models.DateField(_("unavailable until"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # True when the position is the seat of the division (no position of their own was given).
    position_from_division = models.BooleanField(_("position from division"), default=False, editable=False)

    visible_q = staticmethod(everyone)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("expert")
        verbose_name_plural = _("experts")
        constraints = [models.UniqueConstraint(fields=["name", "phone"], name="expert_name_phone")]
        indexes = [models.Index(fields=["availability", "cell"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("resources:expert_detail", args=[self.pk])

    def field_names(self) -> str:
        return "、".join(f.name for f in self.fields.all())

    def clean(self):
        super().clean()
        if self.availability == self.Availability.UNAVAILABLE and self.unavailable_until is None:
            raise ValidationError({"unavailable_until": _("Say until when the expert is unavailable.")})

    @classmethod
    def from_db(cls, db, field_names, values):
        obj = super().from_db(db, field_names, values)
        obj._stored_position = (obj.__dict__.get("latitude"), obj.__dict__.get("longitude"))
        return obj

    def save(self, *args, **kwargs):
        """Without a position of their own, an expert sits at the seat of their division and follows it."""
        if self.division_id:
            seat = (self.division.latitude, self.division.longitude)
            if self.latitude is None or self.longitude is None:
                self.latitude, self.longitude = seat
                self.position_from_division = self.latitude is not None
            elif self.position_from_division:
                stored = getattr(self, "_stored_position", None)
                if stored is not None and (self.latitude, self.longitude) != stored:
                    self.position_from_division = False  # a position of their own was given
                else:
                    self.latitude, self.longitude = seat  # the division (or its seat) may have changed
        super().save(*args, **kwargs)


class Mission(TimestampedModel):
    """One mission of an expert (an incident, a survey, a consultation...)."""

    expert = models.ForeignKey(
        Expert, verbose_name=_("expert"), on_delete=models.CASCADE, related_name="missions"
    )
    date = models.DateField(_("date"))
    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("incident"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    description = models.CharField(_("description"), max_length=300)

    owner_lookup = "expert__owner"
    visible_q = staticmethod(everyone)

    class Meta:
        ordering = ["expert", "-date", "-pk"]
        verbose_name = _("mission")
        verbose_name_plural = _("missions")

    def __str__(self):
        return f"{self.date} {self.description}"

    def get_absolute_url(self):
        return self.expert.get_absolute_url()


class TeamKind(models.TextChoices):
    FLOOD_RESCUE = "flood_rescue", _("Flood rescue")
    FOREST_FIRE = "forest_fire", _("Forest fire")
    FIRE = "fire", _("Fire and rescue")
    MINE_RESCUE = "mine_rescue", _("Mine rescue")
    HAZCHEM = "hazchem", _("Hazardous chemicals")
    GEOLOGICAL = "geological", _("Geological hazards")
    MEDICAL = "medical", _("Medical")
    EPIDEMIC = "epidemic", _("Epidemic prevention")
    POWER = "power", _("Power repair")
    COMMUNICATIONS = "communications", _("Communications")
    ROAD_REPAIR = "road_repair", _("Road repair")
    WATER_RESCUE = "water_rescue", _("Water search and rescue")
    VOLUNTEER = "volunteer", _("Volunteer")


class TeamClass(models.TextChoices):
    PROFESSIONAL = "professional", _("Professional")
    SEMI = "semi", _("Semi-professional")
    VOLUNTEER = "volunteer", _("Volunteer")


class Team(Located, OwnedModel):
    class Readiness(models.TextChoices):
        READY = "ready", _("Ready")
        DEPLOYED = "deployed", _("Deployed")
        RESTING = "resting", _("Resting")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=TeamKind.choices)
    team_class = models.CharField(_("class"), max_length=12, choices=TeamClass.choices)
    headcount = models.PositiveIntegerField(_("headcount"))
    division = models.ForeignKey(
        "core.Division", verbose_name=_("based in"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("base address"), max_length=200, blank=True)
    contacts = models.ManyToManyField(
        "core.Contact", verbose_name=_("duty contacts"), blank=True, related_name="+"
    )
    duty_phone = models.CharField(_("duty phone"), max_length=40, blank=True, validators=[PHONE])
    readiness = models.CharField(
        _("readiness"), max_length=10, choices=Readiness.choices, default=Readiness.READY
    )
    notes = models.TextField(_("notes"), blank=True)

    visible_q = staticmethod(everyone)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        indexes = [
            models.Index(fields=["kind", "readiness", "cell"]),
            models.Index(fields=["readiness", "cell"]),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("resources:team_detail", args=[self.pk])

    def equipment_summary(self) -> str:
        return "、".join(f"{e.kind}×{e.count}" for e in self.equipment.all())


class Equipment(TimestampedModel):
    """Key equipment of a team: a kind and how many."""

    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="equipment")
    kind = models.CharField(_("equipment"), max_length=60)
    count = models.PositiveIntegerField(_("count"))

    owner_lookup = "team__owner"
    visible_q = staticmethod(everyone)

    class Meta:
        ordering = ["team", "kind"]
        constraints = [models.UniqueConstraint(fields=["team", "kind"], name="team_equipment_kind")]
        verbose_name = _("equipment")
        verbose_name_plural = _("equipment")

    def __str__(self):
        return f"{self.kind} × {self.count}"

    def get_absolute_url(self):
        return self.team.get_absolute_url()


class Deployment(TimestampedModel):
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="deployments"
    )
    date = models.DateField(_("date"))
    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("incident"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300)

    owner_lookup = "team__owner"
    visible_q = staticmethod(everyone)

    class Meta:
        ordering = ["team", "-date", "-pk"]
        verbose_name = _("deployment")
        verbose_name_plural = _("deployments")

    def __str__(self):
        return f"{self.date} {self.note}"

    def get_absolute_url(self):
        return self.team.get_absolute_url()


class Shelter(Located, OwnedModel):
    class ShelterClass(models.TextChoices):
        # GB 21734-2008: how long the shelter can house people.
        I = "I", _("Class I (30 days or more)")  # noqa: E741
        II = "II", _("Class II (10 to 30 days)")
        III = "III", _("Class III (under 10 days)")

    class Setting(models.TextChoices):
        INDOOR = "indoor", _("Indoor")
        OUTDOOR = "outdoor", _("Outdoor")

    class Status(models.TextChoices):
        # A context of their own: "Closed" is also an incident's status, translated differently.
        CLOSED = "closed", pgettext_lazy("shelter status", "Closed")
        OPEN = "open", pgettext_lazy("shelter status", "Open")
        FULL = "full", pgettext_lazy("shelter status", "Full")

    name = models.CharField(_("name"), max_length=200)
    shelter_class = models.CharField(_("class"), max_length=3, choices=ShelterClass.choices)
    setting = models.CharField(_("indoor / outdoor"), max_length=8, choices=Setting.choices)
    division = models.ForeignKey(
        "core.Division", verbose_name=_("located in"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    area_m2 = models.PositiveIntegerField(_("area (m²)"))
    capacity = models.PositiveIntegerField(_("capacity (people)"))
    occupancy = models.PositiveIntegerField(_("current occupancy"), default=0)
    water = models.BooleanField(_("water"), default=False)
    power = models.BooleanField(_("power"), default=False)
    toilets = models.BooleanField(_("toilets"), default=False)
    medical = models.BooleanField(_("medical"), default=False)
    kitchen = models.BooleanField(_("kitchen"), default=False)
    divisions_served = models.ManyToManyField(
        "core.Division", verbose_name=_("divisions served"), blank=True, related_name="+"
    )
    population_served = models.PositiveIntegerField(_("population served"), default=0)
    manager = models.CharField(_("manager"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True, validators=[PHONE])
    contacts = models.ManyToManyField(
        "core.Contact", verbose_name=_("contacts"), blank=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.CLOSED)

    visible_q = staticmethod(everyone)

    class Meta:
        ordering = ["division__code", "name"]
        verbose_name = _("shelter")
        verbose_name_plural = _("shelters")
        constraints = [
            models.UniqueConstraint(fields=["division", "name"], name="shelter_division_name"),
            models.CheckConstraint(
                condition=models.Q(occupancy__lte=models.F("capacity")), name="shelter_occupancy_capacity"
            ),
        ]
        indexes = [models.Index(fields=["status", "cell"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("resources:shelter_detail", args=[self.pk])

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.occupancy) if self.status != self.Status.FULL else 0

    def facilities(self) -> str:
        names = [
            str(self._meta.get_field(f).verbose_name)
            for f in ("water", "power", "toilets", "medical", "kitchen")
            if getattr(self, f)
        ]
        return "、".join(names)

    def clean(self):
        super().clean()
        if self.capacity is not None and self.occupancy is not None and self.occupancy > self.capacity:
            raise ValidationError(
                {
                    "occupancy": _("Occupancy (%(n)s) exceeds the capacity (%(c)s).")
                    % {"n": self.occupancy, "c": self.capacity}
                }
            )
