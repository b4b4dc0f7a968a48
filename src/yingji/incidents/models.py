"""Incidents: what was received, how it is graded, who must report it to whom by when, and what was done."""

import datetime
import uuid as uuid_module
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yingji.core.models import Division, OwnedModel, latitude_field, longitude_field
from yingji.core.roles import Scope


class EventType(models.Model):
    """A GB/T 35561 event type code (reference data, loaded from data/event_types.csv)."""

    code = models.CharField(
        _("code"),
        max_length=5,
        unique=True,
        validators=[RegexValidator(r"^1[1-49][0-9A-HJ-NP-Z]\d\d$|^1[0-49]000$", _("Not a GB/T 35561 code."))],
    )
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    owner_lookup = None
    permission_family = "reference"

    @staticmethod
    def scope_q(user):
        return models.Q()

    class Meta:
        ordering = ["code"]
        verbose_name = _("event type")
        verbose_name_plural = _("event types")

    def __str__(self):
        return f"{self.code} {self.name}"

    def get_absolute_url(self):
        return reverse("incidents:eventtype_list") + f"?q={self.code}"

    @property
    def family(self) -> str | None:
        from yingji.rules.grading import family_for

        return family_for(self.code)


class IncidentStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    VERIFIED = "verified", _("Verified")
    RESPONDING = "responding", _("Responding")
    RECOVERY = "recovery", _("Recovery")
    CLOSED = "closed", _("Closed")
    EVALUATED = "evaluated", _("Evaluated")
    MERGED = "merged", _("Merged into another incident")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    DUTY_FORM = "duty_form", _("Duty form")
    API = "api", _("Another system (API)")
    ON_BEHALF = "on_behalf", _("Entered on behalf of a caller")
    OTHER = "other", _("Other")


LEVEL_CHOICES = [(1, _("I 特别重大")), (2, _("II 重大")), (3, _("III 较大")), (4, _("IV 一般"))]
RESPONSE_LEVEL_CHOICES = [(1, _("Level I")), (2, _("Level II")), (3, _("Level III")), (4, _("Level IV"))]

# Figures that decide the grade; a change to any of them re-evaluates the level.
CASUALTY_FIELDS = (
    "deaths",
    "missing",
    "serious_injuries",
    "injuries",
    "trapped",
    "evacuated",
    "relocated",
    "direct_loss_yuan",
    "potential_loss_yuan",
)


def _count(label):
    return models.PositiveIntegerField(label, null=True, blank=True, help_text=_("Empty while unknown."))


def _money(label):
    return models.DecimalField(
        label,
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("In yuan (元). Empty while unknown."),
    )


class Incident(OwnedModel):
    """An event being reported and handled. `owner` is the reporting unit; `division` is where it happened."""

    permission_family = "reporting"

    event_type = models.ForeignKey(EventType, verbose_name=_("event type"), on_delete=models.PROTECT)
    title = models.CharField(_("short description"), max_length=200)
    status = models.CharField(
        _("status"), max_length=12, choices=IncidentStatus.choices, default=IncidentStatus.RECEIVED
    )

    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)
    reported_at = models.DateTimeField(
        _("reported at"), null=True, blank=True, help_text=_("When the source reported it.")
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    division = models.ForeignKey(
        Division, verbose_name=_("division"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = latitude_field()
    longitude = longitude_field()

    channel = models.CharField(
        _("received by"), max_length=12, choices=Channel.choices, default=Channel.PHONE
    )
    reporter_name = models.CharField(_("reporter"), max_length=60, blank=True)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=40, blank=True)
    reporter_unit = models.CharField(_("reporter's unit"), max_length=200, blank=True)

    cause = models.TextField(_("cause and nature"), blank=True)
    course = models.TextField(_("course of events"), blank=True)
    deaths = _count(_("dead"))
    missing = _count(_("missing"))
    serious_injuries = _count(_("seriously injured (incl. poisoned)"))
    injuries = _count(_("injured"))
    trapped = _count(_("trapped"))
    evacuated = _count(_("evacuated"))
    relocated = _count(_("relocated"))
    direct_loss_yuan = _money(_("direct economic loss"))
    potential_loss_yuan = _money(_("potential loss (danger)"))
    affected_scope = models.TextField(_("affected scope"), blank=True)
    trend = models.TextField(_("trend"), blank=True)
    measures_taken = models.TextField(_("measures taken"), blank=True)
    next_steps = models.TextField(_("proposed next steps"), blank=True)

    level = models.PositiveSmallIntegerField(_("level"), choices=LEVEL_CHOICES, null=True, blank=True)
    level_basis = models.JSONField(_("grading basis"), default=list, blank=True)
    level_source = models.CharField(_("grading source"), max_length=300, blank=True)
    level_overridden = models.BooleanField(_("level set by an officer"), default=False)
    level_reason = models.TextField(_("reason for the level"), blank=True)

    response_level = models.PositiveSmallIntegerField(
        _("response level"), choices=RESPONSE_LEVEL_CHOICES, null=True, blank=True
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged",
    )
    # Optimistic locking: a save must name the version it started from.
    version = models.PositiveIntegerField(_("version"), default=1)

    @staticmethod
    def scope_q(user):
        """An incident belongs to where it happened as much as to who reported it."""
        org = user.organisation
        if user.scope == Scope.JURISDICTION:
            return models.Q(division__path__startswith=org.division.path) | models.Q(
                owner__division__path__startswith=org.division.path
            )
        return models.Q(owner__path__startswith=org.path)

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["-received_at"]),
            models.Index(fields=["event_type", "occurred_at"]),
            # County and month filters: the divisions under a county are few, each a narrow range here.
            models.Index(fields=["division", "occurred_at"]),
            models.Index(fields=["status", "level"]),
        ]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self):
        return f"{timezone.localtime(self.occurred_at):%Y-%m-%d} {self.title}"

    def get_absolute_url(self):
        return reverse("incidents:incident_detail", args=[self.pk])

    def change_log_paths(self) -> tuple[str, str]:
        return self.division.path, self.owner.path

    @property
    def number(self) -> str:
        return f"{timezone.localtime(self.received_at):%Y}-{self.pk:06d}"

    def clean(self):
        super().clean()
        now = timezone.now() + datetime.timedelta(minutes=5)  # clocks of phones and PCs drift a little
        errors = {}
        if self.occurred_at and self.occurred_at > now:
            errors["occurred_at"] = _("The event cannot have occurred in the future.")
        elif self.occurred_at and self.received_at and self.occurred_at > self.received_at:
            errors["occurred_at"] = _("The event cannot have occurred after it was received.")
        if self.reported_at and self.occurred_at and self.reported_at < self.occurred_at:
            errors["reported_at"] = _("It cannot have been reported before it occurred.")
        if self.received_at and self.received_at > now:
            errors["received_at"] = _("The receiving time cannot be in the future.")
        if (self.latitude is None) != (self.longitude is None):
            errors["latitude"] = _("Give both latitude and longitude, or neither.")
        if errors:
            raise ValidationError(errors)


class IncidentPart(models.Model):
    """A record that belongs to an incident: seen by whoever sees the incident, logged under its place."""

    permission_family = "reporting"
    change_logged = True

    class Meta:
        abstract = True

    @staticmethod
    def scope_q(user):
        return models.Q(incident__in=Incident.objects.filter(Incident.scope_q(user)).values("pk"))

    def change_log_paths(self) -> tuple[str, str]:
        return self.incident.change_log_paths()


class IntakeState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    PROCESSED = "processed", _("Processed")
    REJECTED = "rejected", _("Rejected")


class Intake(IncidentPart, OwnedModel):
    """One report as it was received (who, when, how, from whom); it became or joined an incident.

    A report sent to the asynchronous endpoint is stored first (queued, no incident yet); the worker turns it into
    an incident (processed) or refuses it with the reason (rejected). `uuid` is the sender's id for the report:
    sending it again finds this intake instead of storing another."""

    incident = models.ForeignKey(
        Incident,
        verbose_name=_("incident"),
        on_delete=models.CASCADE,
        related_name="intakes",
        null=True,
        blank=True,
    )
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    caller_name = models.CharField(_("caller"), max_length=60, blank=True)
    caller_phone = models.CharField(_("caller's phone"), max_length=40, blank=True)
    caller_unit = models.CharField(_("caller's unit"), max_length=200, blank=True)
    content = models.JSONField(_("as received"), default=dict)
    merged = models.BooleanField(_("merged into an existing incident"), default=False)
    state = models.CharField(
        _("processing state"), max_length=10, choices=IntakeState.choices, default=IntakeState.QUEUED
    )
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    reason = models.JSONField(
        _("reason for rejection"), null=True, blank=True, help_text=_("Field and rule, as in a 400 answer.")
    )

    @staticmethod
    def scope_q(user):
        """The sender's organisation owns an intake (a queued one has no incident yet); whoever sees the incident
        it became sees it too."""
        org = user.organisation
        if user.scope == Scope.JURISDICTION:
            own = models.Q(owner__division__path__startswith=org.division.path)
        else:
            own = models.Q(owner__path__startswith=org.path)
        return own | models.Q(incident__in=Incident.objects.filter(Incident.scope_q(user)).values("pk"))

    def change_log_paths(self) -> tuple[str, str]:
        if self.incident_id is None:
            return self.owner.division.path, self.owner.path
        return self.incident.change_log_paths()

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [
            # The worker's backlog and the operations view read queued intakes only.
            models.Index(
                fields=["received_at"],
                condition=models.Q(state="queued"),
                name="intake_queued",
            ),
        ]
        verbose_name = _("intake")
        verbose_name_plural = _("intakes")

    def __str__(self):
        return f"{self.get_channel_display()} {timezone.localtime(self.received_at):%Y-%m-%d %H:%M}"


class Obligation(IncidentPart):
    """A report someone owes: computed by rules.deadlines from the policy; kept with when it was done."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="obligations")
    key = models.CharField(_("rule"), max_length=60)
    kind = models.CharField(_("kind"), max_length=20)
    sequence = models.PositiveIntegerField(_("sequence"), default=0)
    owed_by = models.CharField(_("owed by"), max_length=20)
    owed_to = models.CharField(_("owed to"), max_length=20)
    due_at = models.DateTimeField(_("due at"), db_index=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    late_reason = models.TextField(_("reason for the delay"), blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    # Set when a recomputation (new level or type) no longer asks for it; kept for the record.
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    notified_soon = models.BooleanField(default=False)
    notified_overdue = models.BooleanField(default=False)

    owner_lookup = "incident__owner"

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "key", "sequence"], name="one_obligation_per_rule")
        ]
        indexes = [
            # The "due soon / overdue" panel reads open obligations by due time: index only those, or the scan
            # wades through every report ever made (2.8 million rows removed by filter at a million incidents).
            models.Index(
                fields=["due_at"],
                condition=models.Q(done_at__isnull=True, withdrawn_at__isnull=True),
                name="obligation_open_due",
            ),
        ]
        verbose_name = _("reporting obligation")
        verbose_name_plural = _("reporting obligations")

    def __str__(self):
        return f"{self.get_kind_label()} → {self.owed_to_label}"

    def get_absolute_url(self):
        return self.incident.get_absolute_url() + "#obligations"

    def get_kind_label(self):
        return KIND_LABELS.get(self.kind, self.kind)

    kind_label = property(get_kind_label)

    @property
    def owed_by_label(self):
        return BODY_LABELS.get(self.owed_by, self.owed_by)

    @property
    def owed_to_label(self):
        return BODY_LABELS.get(self.owed_to, self.owed_to)

    @property
    def status_label(self):
        return STATUS_LABELS.get(self.status(), self.status())

    def status(self, now=None) -> str:
        from yingji.rules import deadlines

        return deadlines.status(self.due_at, self.done_at, now or timezone.now(), self.incident.closed_at)


KIND_LABELS = {
    "first": _("First report"),
    "followup": _("Follow-up report"),
    "final": _("Final report"),
    "supplement": _("Supplementary report window"),
    "delay_reason": _("Reason for delay"),
    "direct": _("Direct report"),
}


BODY_LABELS = {
    "unit": _("unit on site"),
    "county": _("county level"),
    "city": _("city level"),
    "province": _("province"),
    "state_council": _("State Council"),
}

STATUS_LABELS = {
    "pending": pgettext_lazy("report status", "Pending"),
    "overdue": _("Overdue"),
    "on_time": _("Done on time"),
    "late": _("Late (迟报)"),
    "missed": _("Missed (漏报)"),
}


class EventLogEntry(models.Model):
    """The incident's log (like ICS 214): append-only; a correction is a new entry."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="log")
    time = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(_("by"), max_length=150)
    kind = models.CharField(_("kind"), max_length=30)
    text = models.TextField(_("entry"))
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["time", "pk"]
        verbose_name = _("log entry")
        verbose_name_plural = _("event log")

    def __str__(self):
        return self.text[:80]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("The event log is append-only: add a correcting entry instead."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("The event log is append-only."))


class ReportKind(models.TextChoices):
    FIRST = "first", _("First report (首报)")
    FOLLOWUP = "followup", _("Follow-up report (续报)")
    FINAL = "final", _("Final report (终报)")


class ReportDocument(IncidentPart):
    """A numbered information report generated from the incident; its content is frozen when generated."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(_("kind"), max_length=10, choices=ReportKind.choices)
    number = models.PositiveIntegerField(_("number"))
    created_at = models.DateTimeField(_("generated at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("generated by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    content = models.JSONField(_("content"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_to = models.CharField(_("submitted to"), max_length=100, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    obligation = models.ForeignKey(
        Obligation,
        verbose_name=_("fulfils"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
    )

    class Meta:
        ordering = ["incident", "number"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "number"], name="one_report_number_per_incident")
        ]
        verbose_name = _("information report")
        verbose_name_plural = _("information reports")

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"

    def get_absolute_url(self):
        return reverse("incidents:report_detail", args=[self.pk])

    @property
    def submitted_to_label(self):
        return BODY_LABELS.get(self.submitted_to, self.submitted_to)


def attachment_path(instance, filename):
    return f"incidents/{timezone.now():%Y/%m}/{instance.incident_id}/{uuid_module.uuid4().hex}{Path(filename).suffix.lower()}"


class Attachment(IncidentPart):
    """A photo or document about an incident; served only to those who may see the incident."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path)
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("incidents:attachment", args=[self.pk])


class IncidentTask(IncidentPart):
    """Work assigned during the response: to a unit or a person, with a deadline."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("task"), max_length=200)
    unit = models.ForeignKey(
        "core.Organisation",
        verbose_name=_("assigned unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["status", "due_at", "pk"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return self.incident.get_absolute_url() + "#tasks"

    @property
    def overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.due_at is not None and self.due_at < timezone.now()


class Rectification(IncidentPart):
    """A measure to put right after the event (整改): who, what, by when; verified by a second person."""

    class Status(models.TextChoices):
        OPEN = "open", _("In progress")
        DONE = "done", _("Reported done")
        VERIFIED = "verified", _("Verified")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="rectifications")
    unit = models.ForeignKey(
        "core.Organisation", verbose_name=_("responsible unit"), on_delete=models.PROTECT, related_name="+"
    )
    measure = models.TextField(_("measure"))
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = _("rectification item")
        verbose_name_plural = _("rectification items")

    def __str__(self):
        return self.measure[:60]

    def get_absolute_url(self):
        return self.incident.get_absolute_url() + "#rectification"

    @property
    def overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.deadline < timezone.localdate()


class RuleTable(models.Model):
    """A version of the city's grading table or reporting policy, uploaded as CSV; the newest one applies."""

    class Kind(models.TextChoices):
        POLICY = "policy", _("Reporting deadline policy")
        GRADING = "grading", _("Grading table")

    kind = models.CharField(_("table"), max_length=10, choices=Kind.choices)
    content = models.TextField(_("content (CSV)"))
    note = models.CharField(_("what changed"), max_length=200)
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )

    owner_lookup = None
    permission_family = "reference"
    change_logged = True

    @staticmethod
    def scope_q(user):
        return models.Q()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("rule table version")
        verbose_name_plural = _("rule table versions")

    def __str__(self):
        return f"{self.get_kind_display()} {timezone.localtime(self.created_at):%Y-%m-%d %H:%M}"
