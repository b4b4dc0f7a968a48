"""Emergency plans (预案): the registry, filing, review cycles, drills and the structured response section."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yingji.core.models import OwnedModel, ReferenceData, TimestampedModel
from yingji.core.scoping import reach_q
from yingji.incidents.models import RESPONSE_LEVEL_CHOICES


class Category(models.TextChoices):
    """The six categories of the "1+6+X" scheme, one per command body."""

    NATURAL = "natural", _("Natural disasters")
    SAFETY = "safety", _("Work safety")
    HEALTH = "health", _("Public health")
    SOCIAL = "social", _("Social safety")
    ENVIRONMENT = "environment", _("Environment and nuclear / radiation")
    EARTHQUAKE = "earthquake", _("Earthquakes")


class Kind(models.TextChoices):
    OVERALL = "overall", _("Overall plan")
    SPECIAL = "special", _("Special plan")
    DEPARTMENT = "department", _("Department plan")
    TOWN = "town", _("Town / street plan")
    COMMUNITY = "community", _("Village / community plan")
    ENTERPRISE = "enterprise", _("Enterprise plan")
    SCHOOL = "school", _("School plan")
    JOINT = "joint", _("Joint plan")


class Level(models.TextChoices):
    CITY = "city", _("City")
    COUNTY = "county", _("County")
    TOWN = "town", _("Town / street")
    COMMUNITY = "community", _("Village / community")
    UNIT = "unit", _("Unit")


class RequiredPlan(ReferenceData):
    """One special plan of the catalogue every jurisdiction must have (the "24" of 1+6+X)."""

    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=100, unique=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    event_types = models.CharField(
        _("event types"), max_length=200, blank=True, help_text=_("GB/T 35561 code prefixes, e.g. 11A 11B.")
    )
    lead_department = models.CharField(_("usual lead department"), max_length=60, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["order"]
        verbose_name = _("required special plan")
        verbose_name_plural = _("required special plans")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("plans:requiredplan_detail", args=[self.pk])


class CalendarDay(ReferenceData):
    """A public holiday, or a weekend day worked in its place (调休): the working-day calendar."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday")
        WORKDAY = "workday", _("Working weekend day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=60)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("holiday calendar")

    def __str__(self):
        return f"{self.date} {self.name}"

    def get_absolute_url(self):
        return reverse("plans:calendarday_detail", args=[self.pk])


class ReviewCycle(ReferenceData):
    """How often plans of a kind are evaluated and drilled; the most specific row wins."""

    kind = models.CharField(_("plan kind"), max_length=20, help_text=_("A plan kind, or * for any."))
    category = models.CharField(_("category"), max_length=20, help_text=_("A category, or * for any."))
    high_risk = models.BooleanField(_("high-risk unit"), null=True, blank=True)
    evaluation_months = models.PositiveSmallIntegerField(_("evaluation every (months)"))
    drill_months = models.PositiveSmallIntegerField(_("drill every (months)"))
    mark = models.CharField(_("mark"), max_length=2, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        ordering = ["kind", "category", "high_risk"]
        verbose_name = _("review cycle")
        verbose_name_plural = _("review cycles")

    def __str__(self):
        return f"{self.kind}/{self.category}"

    def get_absolute_url(self):
        return reverse("plans:reviewcycle_detail", args=[self.pk])


class Plan(OwnedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", _("Issued")
        REVISING = "revising", _("Under revision")
        ABOLISHED = "abolished", _("Abolished")

    class Filing(models.TextChoices):
        NONE = "none", _("Not submitted")
        SUBMITTED = "submitted", _("Submitted for filing")
        RECEIVED = "received", _("Received by the filing body")
        FILED = "filed", _("Filed")
        RETURNED = "returned", _("Returned")

    title = models.CharField(_("title"), max_length=200)
    number = models.CharField(_("document number"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    required = models.ForeignKey(
        RequiredPlan,
        verbose_name=_("fulfils required plan"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plans",
    )
    event_types = models.CharField(
        _("event types"), max_length=200, blank=True, help_text=_("GB/T 35561 code prefixes, e.g. 12D 12F.")
    )
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    approved_by = models.CharField(_("approving body"), max_length=100, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    effective_on = models.DateField(_("effective on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    high_risk = models.BooleanField(
        _("high-risk unit"),
        default=False,
        help_text=_("Hazardous chemicals, mines, smelting, urban rail, construction, crowded places."),
    )
    summary = models.TextField(_("summary"), blank=True)
    regulations = models.ManyToManyField(
        "regulations.Regulation", verbose_name=_("legal basis"), blank=True, related_name="plans"
    )

    filing = models.CharField(_("filing"), max_length=12, choices=Filing.choices, default=Filing.NONE)
    filing_body = models.ForeignKey(
        "core.Organisation",
        verbose_name=_("filed with"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    filing_body_name = models.CharField(_("filed with"), max_length=200, blank=True, editable=False)
    filing_due = models.DateField(_("filing due"), null=True, blank=True, editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True, editable=False)
    filing_note = models.TextField(_("filing note"), blank=True, editable=False)

    last_evaluated_on = models.DateField(_("last evaluated on"), null=True, blank=True)
    last_drilled_on = models.DateField(_("last drilled on"), null=True, blank=True, editable=False)
    evaluation_due = models.DateField(_("evaluation due"), null=True, blank=True, editable=False)
    drill_due = models.DateField(_("drill due"), null=True, blank=True, editable=False)

    @staticmethod
    def visible_q(user):
        # Issued plans are public documents; the body a plan is filed with must read it to file it.
        return models.Q(status__in=[Plan.Status.ISSUED, Plan.Status.REVISING]) | reach_q(user, "filing_body")

    class Meta:
        ordering = ["owner__path", "kind", "title"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        indexes = [models.Index(fields=["required", "status"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("plans:plan_detail", args=[self.pk])

    def event_type_prefixes(self) -> list[str]:
        return self.event_types.split()

    @property
    def filing_late(self) -> bool:
        """Filed or still unfiled after the 20 working days (the platform's today when not yet submitted)."""
        from yingji.incidents.services import clock

        if self.filing_due is None:
            return False
        when = timezone.localdate(self.submitted_at or clock())
        return when > self.filing_due


class PlanPart(TimestampedModel):
    """A record that belongs to a plan: scoped and change-logged through it."""

    owner_lookup = "plan__owner"

    @staticmethod
    def visible_q(user):
        return models.Q(plan__in=Plan.objects.filter(Plan.visible_q(user)).values("pk"))

    class Meta:
        abstract = True


class PlanVersion(PlanPart):
    """One approved text of a plan: its file, what changed, who approved it."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    file = models.FileField(_("file"), upload_to="plans/%Y/%m/")
    file_name = models.CharField(_("file name"), max_length=200)
    changes = models.TextField(_("what changed"), blank=True)
    approved_by = models.CharField(_("approved by"), max_length=100, blank=True)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    text = models.TextField(_("extracted text"), blank=True, editable=False)

    class Meta:
        ordering = ["plan", "-number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="plan_version_number")]
        verbose_name = _("plan version")
        verbose_name_plural = _("plan versions")

    def __str__(self):
        return f"{self.plan} v{self.number}"


class PlanAttachment(PlanPart):
    """An annex, a flow chart, a contact table...: kept with the plan; its text is searchable."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="attachments"
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to="plans/%Y/%m/")
    file_name = models.CharField(_("file name"), max_length=200)
    text = models.TextField(_("extracted text"), blank=True, editable=False)

    class Meta:
        ordering = ["plan", "pk"]
        verbose_name = _("plan attachment")
        verbose_name_plural = _("plan attachments")

    def __str__(self):
        return self.title


class FilingStep(PlanPart):
    """One step of the filing workflow, kept in order: submitted, filed, returned (with reasons)."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="filing_steps"
    )
    step = models.CharField(_("step"), max_length=12, choices=Plan.Filing.choices)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["plan", "at", "pk"]
        verbose_name = _("filing step")
        verbose_name_plural = _("filing steps")


class Drill(PlanPart):
    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="drills")
    date = models.DateField(_("date"))
    organiser = models.CharField(_("organiser"), max_length=100)
    participants = models.PositiveIntegerField(_("participants"), default=0)
    scenario = models.TextField(_("scenario"))
    evaluation = models.TextField(_("evaluation"), blank=True)
    problems = models.TextField(_("problems found"), blank=True)
    follow_up = models.TextField(_("follow-up revision"), blank=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("drill")
        verbose_name_plural = _("drills")

    def __str__(self):
        return f"{self.date} {self.plan}"

    def get_absolute_url(self):
        return self.plan.get_absolute_url()


class Review(PlanPart):
    """An evaluation of the plan, or a recorded reason to revise it (修订情形)."""

    class Trigger(models.TextChoices):
        EVALUATION = "evaluation", _("Periodic evaluation")
        LAW = "law", _("Law or higher plan changed")
        COMMAND = "command", _("Command structure changed")
        RISK = "risk", _("Risks changed")
        RESOURCES = "resources", _("Key resources changed")
        INFORMATION = "information", _("Other key information changed")
        PROBLEMS = "problems", _("Problems found in a response or drill")
        OWNER = "owner", _("The owner's decision")

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="reviews")
    date = models.DateField(_("date"))
    trigger = models.CharField(_("kind"), max_length=12, choices=Trigger.choices)
    notes = models.TextField(_("notes"), blank=True)
    revision_needed = models.BooleanField(_("revision needed"), default=False)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")


class ResponseLevel(PlanPart):
    """One level (I–IV) of a plan's response section: when it applies and who leads."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="response_levels"
    )
    level = models.PositiveSmallIntegerField(_("response level"), choices=RESPONSE_LEVEL_CHOICES)
    trigger_incident_level = models.PositiveSmallIntegerField(
        _("triggered from incident level"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
        help_text=_("The level applies to incidents graded at this level or worse (1 = 特别重大)."),
    )
    trigger = models.TextField(_("trigger"), blank=True)
    lead = models.ForeignKey(
        "core.Organisation", verbose_name=_("lead body"), on_delete=models.PROTECT, related_name="+"
    )
    actions = models.TextField(_("actions"), blank=True)

    class Meta:
        ordering = ["plan", "level"]
        constraints = [models.UniqueConstraint(fields=["plan", "level"], name="plan_response_level")]
        verbose_name = _("response level")
        verbose_name_plural = _("response levels")

    def __str__(self):
        return f"{self.plan} {self.get_level_display()}"


class UnitDuty(PlanPart):
    """What a member unit does at a response level; becomes a task when the level is activated."""

    response_level = models.ForeignKey(
        ResponseLevel, verbose_name=_("response level"), on_delete=models.CASCADE, related_name="duties"
    )
    unit = models.ForeignKey(
        "core.Organisation", verbose_name=_("member unit"), on_delete=models.PROTECT, related_name="+"
    )
    duty = models.CharField(_("duty"), max_length=300)
    within_hours = models.PositiveSmallIntegerField(_("within (hours)"), null=True, blank=True)

    owner_lookup = "response_level__plan__owner"

    @staticmethod
    def visible_q(user):
        return models.Q(response_level__plan__in=Plan.objects.filter(Plan.visible_q(user)).values("pk"))

    class Meta:
        ordering = ["response_level", "pk"]
        verbose_name = _("unit duty")
        verbose_name_plural = _("unit duties")


class Activation(PlanPart):
    """A plan's response level started for an incident: who, when, and the tasks it created."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="activations"
    )
    incident = models.ForeignKey(
        "incidents.Incident", verbose_name=_("incident"), on_delete=models.CASCADE, related_name="activations"
    )
    level = models.PositiveSmallIntegerField(_("response level"), choices=RESPONSE_LEVEL_CHOICES)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("plan activation")
        verbose_name_plural = _("plan activations")
