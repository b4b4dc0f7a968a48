"""The contact network (联络网) and the duty system (值班): call lists, the roster of shifts, the duty log and
handovers.

Who may read what (see docs/duty.md): call lists follow their owner's reach, unless marked shared; the roster
(shifts and who is on them) is readable by every signed-in user of the platform, because the point of a duty roster
is that anyone can find whom to call; the duty log and handovers follow their office's reach. Writes always follow
the owner's reach.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yingji.core.models import OwnedModel, TimestampedModel
from yingji.core.scoping import everyone


def _org_paths(org) -> tuple[str, str]:
    return (org.division.path, org.path) if org is not None else ("", "")


# ---- Contact network ---------------------------------------------------------------------------------------


class CallList(OwnedModel):
    """A named, ordered list of contacts to call for one purpose, e.g. 防汛指挥部成员单位."""

    owner = models.ForeignKey(
        "core.Organisation", verbose_name=_("owning organisation"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    purpose = models.TextField(_("purpose"), blank=True)
    shared = models.BooleanField(
        _("shared with every organisation"),
        default=False,
        help_text=_("Every signed-in user may read a shared list, e.g. the county duty offices."),
    )

    @staticmethod
    def visible_q(user):
        return models.Q(shared=True)

    class Meta:
        ordering = ["owner__path", "name"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="duty_calllist_owner_name")]
        verbose_name = _("call list")
        verbose_name_plural = _("call lists")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("duty:calllist_detail", args=[self.pk])


class CallListMember(TimestampedModel):
    call_list = models.ForeignKey(
        CallList, verbose_name=_("call list"), on_delete=models.CASCADE, related_name="members"
    )
    contact = models.ForeignKey(
        "core.Contact", verbose_name=_("contact"), on_delete=models.CASCADE, related_name="call_list_entries"
    )
    role = models.CharField(
        _("role in the list"), max_length=40, blank=True, help_text=_("e.g. 成员, 联络员, 牵头单位.")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    owner_lookup = "call_list__owner"

    class Meta:
        ordering = ["call_list", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["call_list", "contact"], name="duty_calllistmember_once")
        ]
        verbose_name = _("call list member")
        verbose_name_plural = _("call list members")

    def __str__(self):
        return f"{self.call_list} · {self.contact.name}"

    def change_log_paths(self):
        return _org_paths(self.call_list.owner)

    def get_absolute_url(self):
        return self.call_list.get_absolute_url()


# ---- Roster ------------------------------------------------------------------------------------------------


class DutyRole(models.TextChoices):
    DUTY_OFFICER = "duty_officer", _("Duty officer")  # 值班员
    SHIFT_LEADER = "shift_leader", _("Shift leader")  # 带班领导
    LEADER_ON_DUTY = "leader_on_duty", _("Leader on duty")  # 值班领导 (key periods)
    DISPATCHER = "dispatcher", _("Dispatcher")  # 调度员
    INFORMATION_OFFICER = "information_officer", _("Information officer")  # 信息员
    TECHNICAL_OFFICER = "technical_officer", _("Technical officer")  # 技术保障员


class Shift(OwnedModel):
    """A period an office is staffed, with the people on it (ShiftMember, one per role).

    Shifts of one office may overlap (a leader-on-duty shift over a holiday spans several day and night shifts),
    but never two shifts with someone in the same role: at any moment an office has at most one duty officer,
    one shift leader, and so on.
    """

    class Kind(models.TextChoices):
        DAY = "day", _("Day shift")
        NIGHT = "night", _("Night shift")
        FULL = "full", _("24-hour shift")
        KEY = "key", _("Key period")

    owner = models.ForeignKey(
        "core.Organisation", verbose_name=_("office"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.FULL)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    # Rosters are read city-wide: whoever needs a duty office must find who is on duty and their phone.
    visible_q = staticmethod(everyone)

    class Meta:
        ordering = ["owner__path", "starts_at", "kind"]
        indexes = [models.Index(fields=["owner", "starts_at"]), models.Index(fields=["owner", "ends_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="duty_shift_ends_after_start"
            )
        ]
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")

    def __str__(self):
        start = timezone.localtime(self.starts_at) if self.starts_at else None
        return f"{self.get_kind_display()} {start:%Y-%m-%d %H:%M}" if start else str(self.get_kind_display())

    def get_absolute_url(self):
        return reverse("duty:shift_detail", args=[self.pk])

    def clean(self):
        super().clean()
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("A shift ends after it starts.")})

    def people_text(self) -> str:
        """Who is on the shift, one role after another (uses prefetched members)."""
        order = {r: i for i, r in enumerate(DutyRole.values)}
        members = sorted(self.members.all(), key=lambda m: order.get(m.role, 99))
        return "; ".join(f"{m.get_role_display()} {m.name}" for m in members)

    def covers(self, at) -> bool:
        """Start inclusive, end exclusive: at 08:30 the day shift has begun and the night shift is over."""
        return self.starts_at <= at < self.ends_at


class ShiftMember(TimestampedModel):
    """One person on a shift in one role: a user (a login) or a contact (someone without one)."""

    shift = models.ForeignKey(
        Shift, verbose_name=_("shift"), on_delete=models.CASCADE, related_name="members"
    )
    role = models.CharField(_("role"), max_length=20, choices=DutyRole.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duty_shifts",
    )
    contact = models.ForeignKey(
        "core.Contact",
        verbose_name=_("contact"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duty_shifts",
    )

    owner_lookup = "shift__owner"
    visible_q = staticmethod(everyone)

    class Meta:
        ordering = ["shift", "role"]
        constraints = [
            models.UniqueConstraint(fields=["shift", "role"], name="duty_shiftmember_one_per_role"),
            models.CheckConstraint(
                condition=models.Q(user__isnull=True, contact__isnull=False)
                | models.Q(user__isnull=False, contact__isnull=True),
                name="duty_shiftmember_user_or_contact",
            ),
        ]
        verbose_name = _("person on duty")
        verbose_name_plural = _("people on duty")

    def __str__(self):
        return f"{self.get_role_display()}: {self.name}"

    def change_log_paths(self):
        return _org_paths(self.shift.owner)

    def get_absolute_url(self):
        return self.shift.get_absolute_url()

    @property
    def person(self):
        return self.user if self.user_id else self.contact

    @property
    def name(self) -> str:
        if self.user_id:
            return self.user.first_name or self.user.get_username()
        return self.contact.name if self.contact_id else ""

    @property
    def phone(self) -> str:
        if self.user_id:
            return self.user.mobile
        return (self.contact.mobile or self.contact.office_phone) if self.contact_id else ""

    @property
    def person_key(self) -> str:
        return f"u:{self.user_id}" if self.user_id else f"c:{self.contact_id}"


# ---- Duty log and handover ---------------------------------------------------------------------------------


class LogEntry(OwnedModel):
    """One line of an office's duty log: what came in, what was passed on, what must be followed up.

    Append-only: an entry is never edited or deleted. A mistake is corrected by a new entry that `corrects` it;
    a follow-up is closed by a new entry (kind follow-up) that `follows_up` it with `follow_up_done`.
    """

    class Kind(models.TextChoices):
        CALL = "call", _("Call received")
        MESSAGE = "message", _("Message received")
        REPORT = "report", _("Report passed on")
        INSTRUCTION = "instruction", _("Instruction")
        FOLLOW_UP = "follow_up", _("Follow-up")

    permission_family = "reporting"

    owner = models.ForeignKey(
        "core.Organisation", verbose_name=_("office"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    source = models.CharField(_("from whom"), max_length=200, blank=True)
    content = models.TextField(_("content"))
    passed_to = models.CharField(_("passed on to"), max_length=200, blank=True)
    follow_up_needed = models.BooleanField(_("follow-up needed"), default=False)
    follow_up_done = models.BooleanField(
        _("follow-up done"), default=False, help_text=_("On a follow-up entry: the matter is closed.")
    )
    follows_up = models.ForeignKey(
        "self",
        verbose_name=_("follows up"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
    )
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrects"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
    )
    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("incident"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duty_log_entries",
    )
    shift = models.ForeignKey(
        Shift,
        verbose_name=_("shift"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="log_entries",
    )

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["owner", "at"])]
        verbose_name = _("duty log entry")
        verbose_name_plural = _("duty log")

    def __str__(self):
        at = timezone.localtime(self.at) if self.at else None
        return f"{at:%m-%d %H:%M} {self.get_kind_display()}" if at else self.get_kind_display()

    def get_absolute_url(self):
        return reverse("duty:logentry_detail", args=[self.pk])

    def clean(self):
        super().clean()
        if self.follow_up_done and self.follows_up_id is None:
            raise ValidationError(
                {"follow_up_done": _("Only an entry that follows up another can close it.")}
            )
        for name in ("follows_up", "corrects"):
            target = getattr(self, name)
            if target is not None and target.owner_id != self.owner_id:
                raise ValidationError({name: _("The entry belongs to another office's log.")})

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(_("The duty log is append-only: add a correcting entry instead."))
        super().save(*args, **kwargs)


class Handover(OwnedModel):
    """The note a duty officer leaves at the end of a shift; the incoming duty officer acknowledges it."""

    permission_family = "reporting"

    owner = models.ForeignKey(
        "core.Organisation", verbose_name=_("office"), on_delete=models.PROTECT, related_name="+"
    )
    shift = models.ForeignKey(
        Shift, verbose_name=_("outgoing shift"), on_delete=models.PROTECT, related_name="handovers"
    )
    next_shift = models.ForeignKey(
        Shift,
        verbose_name=_("incoming shift"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="takeovers",
    )
    at = models.DateTimeField(_("handed over at"), default=timezone.now)
    open_matters = models.TextField(_("open matters"), blank=True)
    equipment_status = models.TextField(_("equipment status"), blank=True)
    pending = models.ManyToManyField(
        LogEntry, verbose_name=_("pending follow-ups"), blank=True, related_name="handovers"
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")

    def __str__(self):
        return _("Handover of %(shift)s") % {"shift": self.shift}

    def get_absolute_url(self):
        return reverse("duty:handover_detail", args=[self.pk])
