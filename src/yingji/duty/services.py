"""The duty use cases. Every write of the duty app goes through a function here (views, API, import, demo)."""

import datetime
import zoneinfo
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from yingji.core.models import Contact, Organisation, OrganisationKind, User
from yingji.core.scoping import in_scope, reach_q
from yingji.core.services import save_scoped, validate
from yingji.duty.models import CallList, CallListMember, DutyRole, Handover, LogEntry, Shift, ShiftMember

Person = User | Contact


def local_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def local(text_or_date, at: datetime.time | None = None) -> datetime.datetime:
    """An aware datetime for a Beijing-time wall clock: local(date(2026, 11, 3), time(8, 30))."""
    if isinstance(text_or_date, str):
        naive = datetime.datetime.fromisoformat(text_or_date)
    else:
        naive = datetime.datetime.combine(text_or_date, at or datetime.time())
    return naive.replace(tzinfo=local_zone())


def _label(when: datetime.datetime) -> str:
    return date_format(timezone.localtime(when), "Y-m-d H:i")


def person_name(person: Person) -> str:
    if isinstance(person, User):
        return person.first_name or person.get_username()
    return person.name


# ---- Who is on duty ----------------------------------------------------------------------------------------


@dataclass
class OnDuty:
    office: Organisation
    at: datetime.datetime
    members: dict[str, ShiftMember] = field(default_factory=dict)  # role -> member

    @property
    def shifts(self) -> list[Shift]:
        seen = {}
        for member in self.members.values():
            seen.setdefault(member.shift_id, member.shift)
        return list(seen.values())

    def rows(self) -> list[ShiftMember]:
        return [self.members[r] for r in DutyRole.values if r in self.members]

    def get(self, role: str) -> ShiftMember | None:
        """The member in `role`, or None. (Not __getitem__: templates would look attributes up through it.)"""
        return self.members.get(role)


def members_at(offices, at: datetime.datetime):
    """The people on duty at `at` at each of `offices` (one query)."""
    return ShiftMember.objects.filter(
        shift__owner__in=offices, shift__starts_at__lte=at, shift__ends_at__gt=at
    ).select_related("shift", "user", "contact")


def on_duty(organisation: Organisation, at: datetime.datetime | None = None) -> OnDuty:
    """Who is on duty at `organisation` at `at` (now by default): a shift covers [start, end)."""
    at = at or timezone.now()
    result = OnDuty(organisation, at)
    for member in members_at([organisation], at):
        result.members[member.role] = member
    return result


def on_duty_many(offices: list[Organisation], at: datetime.datetime | None = None) -> list[OnDuty]:
    at = at or timezone.now()
    results = {o.pk: OnDuty(o, at) for o in offices}
    for member in members_at(offices, at):
        results[member.shift.owner_id].members[member.role] = member
    return [results[o.pk] for o in offices]


def duty_office(organisation: Organisation | None) -> Organisation | None:
    """The office whose roster answers for `organisation`: itself when it keeps a roster, else the emergency
    office of its division, or of the nearest division above it that has one."""
    if organisation is None:
        return None
    if organisation.kind == OrganisationKind.OFFICE or Shift.objects.filter(owner=organisation).exists():
        return organisation
    division = organisation.division
    while division is not None:
        office = (
            Organisation.objects.filter(division=division, kind=OrganisationKind.OFFICE)
            .order_by("path")
            .first()
        )
        if office is not None:
            return office
        division = division.parent
    return None


def duty_offices():
    """Organisations that keep a roster: every emergency office, and any other organisation with shifts."""
    return (
        Organisation.objects.filter(
            Q(kind=OrganisationKind.OFFICE) | Q(pk__in=Shift.objects.values("owner_id"))
        )
        .select_related("division")
        .order_by("division__path", "path")
    )


def city_office() -> Organisation | None:
    """The emergency office of the top division (the city's duty office)."""
    return (
        Organisation.objects.filter(kind=OrganisationKind.OFFICE, division__parent__isnull=True)
        .order_by("path")
        .first()
        or Organisation.objects.filter(kind=OrganisationKind.OFFICE)
        .order_by("division__path", "path")
        .first()
    )


def reach_office(user, office: Organisation) -> bool:
    """Whether `office` lies within the user's reach (where the user's role may write)."""
    if user.is_superuser:
        return True
    return Organisation.objects.filter(reach_q(user, ""), pk=office.pk).exists()


# ---- Roster rules ------------------------------------------------------------------------------------------


def check_shift(shift: Shift, people: dict[str, Person | None]) -> None:
    """The roster rules, as one ValidationError naming each field that breaks one:

    - a shift ends after it starts;
    - an office has no two overlapping shifts with someone in the same role;
    - a person is not on duty at two offices at once.
    """
    errors: dict[str, list[str]] = {}
    if shift.starts_at and shift.ends_at and shift.ends_at <= shift.starts_at:
        errors["ends_at"] = [_("A shift ends after it starts.")]
    assigned = {role: p for role, p in people.items() if p is not None}
    if errors or not assigned or not (shift.starts_at and shift.ends_at and shift.owner_id):
        if errors:
            raise ValidationError(errors)
        return
    overlapping = ShiftMember.objects.filter(
        shift__starts_at__lt=shift.ends_at, shift__ends_at__gt=shift.starts_at
    ).select_related("shift__owner", "user", "contact")
    if shift.pk:
        overlapping = overlapping.exclude(shift_id=shift.pk)
    same_role = overlapping.filter(shift__owner_id=shift.owner_id, role__in=list(assigned))
    for member in same_role:
        errors.setdefault(member.role, []).append(
            _("%(role)s is already on the shift %(start)s – %(end)s (%(name)s).")
            % {
                "role": member.get_role_display(),
                "start": _label(member.shift.starts_at),
                "end": _label(member.shift.ends_at),
                "name": member.name,
            }
        )
    users = [p.pk for p in assigned.values() if isinstance(p, User)]
    contacts = [p.pk for p in assigned.values() if isinstance(p, Contact)]
    elsewhere = overlapping.exclude(shift__owner_id=shift.owner_id).filter(
        Q(user_id__in=users) | Q(contact_id__in=contacts)
    )
    for member in elsewhere:
        for role, person in assigned.items():
            if isinstance(person, User if member.user_id else Contact) and person.pk == (
                member.user_id or member.contact_id
            ):
                errors.setdefault(role, []).append(
                    _("%(name)s is on duty at %(office)s from %(start)s to %(end)s.")
                    % {
                        "name": member.name,
                        "office": member.shift.owner,
                        "start": _label(member.shift.starts_at),
                        "end": _label(member.shift.ends_at),
                    }
                )
    if errors:
        raise ValidationError(errors)


def shift_people(shift: Shift) -> dict[str, Person | None]:
    return {m.role: m.person for m in shift.members.select_related("user", "contact")} if shift.pk else {}


@transaction.atomic
def save_shift(user, shift: Shift, people: dict[str, Person | None] | None = None) -> Shift:
    """Save a shift and (when `people` is given) who is on it, checking the roster rules."""
    # Writes to one office's roster are serialised, so two concurrent saves cannot both pass the overlap check.
    Organisation.objects.select_for_update().filter(pk=shift.owner_id).first()
    if people is None:
        people = shift_people(shift)
    validate(shift)
    check_shift(shift, people)
    shift = save_scoped(user, shift)
    set_members(shift, people)
    return shift


def set_members(shift: Shift, people: dict[str, Person | None]) -> None:
    current = {m.role: m for m in shift.members.all()}
    for role in DutyRole.values:
        person = people.get(role)
        member = current.get(role)
        if person is None:
            if member is not None:
                member.delete()
            continue
        is_user = isinstance(person, User)
        if member is not None and (member.user_id if is_user else member.contact_id) == person.pk:
            continue
        member = member or ShiftMember(shift=shift, role=role)
        member.user, member.contact = (person, None) if is_user else (None, person)
        member.save()


# ---- Filling a month from a pattern ------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    kind: str
    start: datetime.time
    end: datetime.time  # at or before `start`: the next day

    def bounds(self, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
        end_day = day + datetime.timedelta(days=1) if self.end <= self.start else day
        return local(day, self.start), local(end_day, self.end)


PATTERNS: dict[str, list[Slot]] = {
    "day_night": [
        Slot(Shift.Kind.DAY.value, datetime.time(8, 30), datetime.time(17, 30)),
        Slot(Shift.Kind.NIGHT.value, datetime.time(17, 30), datetime.time(8, 30)),
    ],
    "full": [Slot(Shift.Kind.FULL.value, datetime.time(8, 30), datetime.time(8, 30))],
}


def month_days(year: int, month: int) -> list[datetime.date]:
    first = datetime.date(year, month, 1)
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return [first + datetime.timedelta(days=i) for i in range((following - first).days)]


@dataclass
class FillResult:
    created: int = 0
    skipped: int = 0


@transaction.atomic
def fill_month(
    user,
    office: Organisation,
    year: int,
    month: int,
    slots: list[Slot],
    rotation: dict[str, list[Person]],
    *,
    offset: int = 0,
) -> FillResult:
    """Create the shifts of a month from a pattern of daily `slots`, rotating each role's list of people.

    The n-th shift of the month (in time order, counting from `offset`) gets person n mod len(list) of each role.
    A shift that already exists (same office, kind and start) is left as it is, so filling again adds nothing.
    All or nothing: a rule broken anywhere leaves the roster untouched and names the shift.
    """
    result = FillResult()
    existing = set(
        Shift.objects.filter(
            owner=office,
            starts_at__gte=local(datetime.date(year, month, 1)),
            starts_at__lt=local(month_days(year, month)[-1] + datetime.timedelta(days=1)),
        ).values_list("kind", "starts_at")
    )
    n = offset
    for day in month_days(year, month):
        for slot in slots:
            starts_at, ends_at = slot.bounds(day)
            people = {
                role: (people[n % len(people)] if people else None) for role, people in rotation.items()
            }
            n += 1
            if (slot.kind, starts_at) in existing:
                result.skipped += 1
                continue
            shift = Shift(owner=office, kind=slot.kind, starts_at=starts_at, ends_at=ends_at)
            try:
                save_shift(user, shift, people)
            except ValidationError as exc:
                raise ValidationError(
                    _("%(shift)s: %(errors)s") % {"shift": shift, "errors": " ".join(exc.messages)}
                ) from exc
            result.created += 1
    return result


# ---- Call lists --------------------------------------------------------------------------------------------


@transaction.atomic
def add_to_call_list(
    user, call_list: CallList, contact: Contact, role: str = "", order=None
) -> CallListMember:
    if not in_scope(user, call_list, "change"):
        raise PermissionDenied(_("This call list is outside your organisation."))
    if order is None:
        last = call_list.members.order_by("-order").values_list("order", flat=True).first()
        order = (last or 0) + 10
    member = CallListMember.objects.filter(call_list=call_list, contact=contact).first() or CallListMember(
        call_list=call_list, contact=contact
    )
    member.role, member.order = role, order
    validate(member)
    member.save()
    return member


@transaction.atomic
def remove_from_call_list(user, member: CallListMember) -> None:
    if not in_scope(user, member.call_list, "change"):
        raise PermissionDenied(_("This call list is outside your organisation."))
    member.delete()


# ---- Duty log ----------------------------------------------------------------------------------------------


def open_follow_ups(office: Organisation, at: datetime.datetime | None = None):
    """Entries of the office's log that need a follow-up not yet done (and are not themselves corrected)."""
    closing = LogEntry.objects.filter(follows_up=OuterRef("pk"), follow_up_done=True)
    correcting = LogEntry.objects.filter(corrects=OuterRef("pk"))
    if at is not None:
        closing = closing.filter(at__lte=at)
        correcting = correcting.filter(at__lte=at)
    entries = LogEntry.objects.filter(owner=office, follow_up_needed=True)
    if at is not None:
        entries = entries.filter(at__lte=at)
    return entries.exclude(Exists(closing)).exclude(Exists(correcting)).order_by("at", "pk")


@transaction.atomic
def log(user, entry: LogEntry) -> LogEntry:
    """Append an entry to an office's duty log; it is tied to the shift on duty at its time."""
    if entry.pk:
        raise ValidationError(_("The duty log is append-only: add a correcting entry instead."))
    entry.at = entry.at or timezone.now()
    if entry.follows_up_id and entry.kind != LogEntry.Kind.FOLLOW_UP and not entry.corrects_id:
        entry.kind = LogEntry.Kind.FOLLOW_UP
    if entry.owner_id and entry.shift_id is None:
        entry.shift = (
            Shift.objects.filter(owner_id=entry.owner_id, starts_at__lte=entry.at, ends_at__gt=entry.at)
            .filter(members__role=DutyRole.DUTY_OFFICER)
            .first()
        )
    return save_scoped(user, entry)


def close_follow_up(user, entry: LogEntry, content: str, **fields) -> LogEntry:
    return log(
        user,
        LogEntry(
            owner=entry.owner,
            kind=LogEntry.Kind.FOLLOW_UP,
            follows_up=entry,
            follow_up_done=True,
            content=content,
            incident=entry.incident,
            **fields,
        ),
    )


# ---- Handover ----------------------------------------------------------------------------------------------


def next_shift_for(shift: Shift) -> Shift | None:
    """The shift whose duty officer takes over when `shift` ends."""
    return (
        Shift.objects.filter(
            owner_id=shift.owner_id,
            starts_at__lte=shift.ends_at,
            ends_at__gt=shift.ends_at,
            members__role=DutyRole.DUTY_OFFICER,
        )
        .exclude(pk=shift.pk)
        .order_by("starts_at")
        .first()
    )


@transaction.atomic
def hand_over(user, shift: Shift, *, open_matters: str = "", equipment_status: str = "", at=None) -> Handover:
    """Write the handover note of `shift`; the open follow-ups of the office's log are listed on it."""
    at = at or timezone.now()
    handover = Handover(
        owner=shift.owner,
        shift=shift,
        next_shift=next_shift_for(shift),
        at=at,
        open_matters=open_matters,
        equipment_status=equipment_status,
    )
    handover = save_scoped(user, handover)
    handover.pending.set(open_follow_ups(shift.owner, at))
    return handover


def may_acknowledge(user, handover: Handover) -> bool:
    if handover.acknowledged_at is not None or not in_scope(user, handover, "change"):
        return False
    incoming = (
        handover.next_shift.members.filter(role=DutyRole.DUTY_OFFICER).first()
        if handover.next_shift
        else None
    )
    if incoming is not None and incoming.user_id:
        return incoming.user_id == user.pk
    return True


@transaction.atomic
def acknowledge(user, handover: Handover) -> Handover:
    """The incoming duty officer confirms the handover (a contact without a login: anyone of the office)."""
    handover = Handover.objects.select_for_update().get(pk=handover.pk)
    if handover.acknowledged_at is not None:
        raise ValidationError(_("This handover was acknowledged already."))
    if not may_acknowledge(user, handover):
        raise PermissionDenied(_("Only the incoming duty officer may acknowledge this handover."))
    handover.acknowledged_by = user
    handover.acknowledged_at = timezone.now()
    handover.save()
    return handover
