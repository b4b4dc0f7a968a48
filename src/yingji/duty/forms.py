import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yingji.core.forms import ScopedModelForm
from yingji.core.models import Contact, Organisation, User
from yingji.core.scoping import reach_q, scoped
from yingji.duty import services
from yingji.duty.models import CallList, CallListMember, DutyRole, Handover, LogEntry, Shift

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TEXT = forms.Textarea(attrs={"rows": 3})


def reachable_users(user):
    """Users a roster may name: those of organisations within the user's reach (users are not otherwise
    readable below the administrator)."""
    if not getattr(user, "is_authenticated", False):
        return User.objects.none()
    if user.is_superuser:
        return User.objects.filter(is_active=True)
    return User.objects.filter(reach_q(user, "organisation"), is_active=True)


def reachable_organisations(user):
    """Organisations whose records the user's role may write (the role's own permission is checked apart)."""
    if not getattr(user, "is_authenticated", False):
        return Organisation.objects.none()
    if user.is_superuser:
        return Organisation.objects.all()
    return Organisation.objects.filter(reach_q(user, ""))


def person_choices(user) -> list[tuple[str, list[tuple[str, str]]]]:
    users = reachable_users(user).select_related("organisation").order_by("organisation__path", "username")
    contacts = scoped(Contact.objects.select_related("owner"), user)
    return [
        (
            str(_("Users")),
            [
                (f"u:{u.pk}", f"{u.first_name or u.username} · {u.organisation or ''} ({u.username})")
                for u in users
            ],
        ),
        (
            str(_("Contacts")),
            [(f"c:{c.pk}", f"{c.name} · {c.owner.short_name or c.owner}") for c in contacts],
        ),
    ]


def person_from_key(key: str):
    kind, _sep, pk = key.partition(":")
    model = {"u": User, "c": Contact}.get(kind)
    if model is None or not pk.isdigit():
        return None
    return model.objects.filter(pk=int(pk)).first()


def resolve_person(user, text: str) -> str:
    """A cell or line naming a person: a username, or the name of a contact within reach
    (add the organisation after an @ when two contacts share a name: 古俊杰@梅州市应急管理局)."""
    text = text.strip()
    if not text:
        return ""
    found = reachable_users(user).filter(username=text).first()
    if found is not None:
        return f"u:{found.pk}"
    name, _sep, org = text.partition("@")
    contacts = scoped(Contact.objects.filter(name=name.strip()), user)
    if org:
        contacts = contacts.filter(Q(owner__name=org.strip()) | Q(owner__short_name=org.strip()))
    matches = list(contacts[:2])
    if len(matches) == 1:
        return f"c:{matches[0].pk}"
    if matches:
        raise ValidationError(_("%(text)s names more than one contact: add @organisation.") % {"text": text})
    raise ValidationError(_("%(text)s is neither a user nor a contact within your reach.") % {"text": text})


def parse_local_datetime(user, text: str):
    """A cell with a Beijing-time date and time (2026-12-01 08:30), or an Excel datetime."""
    text = text.strip()
    if not text:
        return ""
    try:
        value = datetime.datetime.fromisoformat(text.replace("/", "-"))
    except ValueError as exc:
        raise ValidationError(
            _("%(text)s is not a date and time such as 2026-12-01 08:30.") % {"text": text}
        ) from exc
    return value if timezone.is_aware(value) else value.replace(tzinfo=services.local_zone())


class CallListForm(ScopedModelForm):
    class Meta:
        model = CallList
        fields = ["name", "owner", "purpose", "shared"]
        widgets = {"purpose": TEXT}


class CallListMemberForm(ScopedModelForm):
    class Meta:
        model = CallListMember
        fields = ["contact", "role", "order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order"].required = False
        self.fields["order"].initial = None
        # Left empty, the service puts the contact at the end (Django does not validate an empty optional field).
        self.fields["order"].widget.attrs["placeholder"] = _("empty: at the end")


class ShiftForm(ScopedModelForm):
    """A shift and one person per duty role (a user or a contact)."""

    ROLES = DutyRole.values

    class Meta:
        model = Shift
        fields = ["owner", "kind", "starts_at", "ends_at", "note"]
        widgets = {"starts_at": DATETIME, "ends_at": DATETIME}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        choices = [("", "—"), *person_choices(user)]
        current = {m.role: m.person_key for m in self.instance.members.all()} if self.instance.pk else {}
        for role in self.ROLES:
            self.fields[role] = forms.ChoiceField(
                label=DutyRole(role).label, choices=choices, required=False, initial=current.get(role, "")
            )
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]

    def people(self) -> dict:
        data = getattr(self, "cleaned_data", {})
        return {role: person_from_key(data.get(role) or "") for role in self.ROLES}

    def _post_clean(self):
        super()._post_clean()
        if self._errors:
            return
        try:
            services.check_shift(self.instance, self.people())
        except ValidationError as exc:
            self._update_errors(exc)

    def _save_m2m(self):
        # The importer saves the shift through save_scoped, then calls save_m2m: the people go on it here,
        # checked again against the rows saved before it in the same file.
        super()._save_m2m()
        people = self.people()
        services.check_shift(self.instance, people)
        services.set_members(self.instance, people)


class FillMonthForm(forms.Form):
    office = forms.ModelChoiceField(label=_("Office"), queryset=Organisation.objects.all())
    month = forms.CharField(
        label=_("Month"), widget=forms.DateInput(attrs={"type": "month"}), help_text=_("e.g. 2026-12")
    )
    pattern = forms.ChoiceField(
        label=_("Pattern"),
        choices=[
            ("day_night", _("Day 08:30–17:30 and night 17:30–08:30")),
            ("full", _("24-hour shifts from 08:30")),
        ],
    )
    offset = forms.IntegerField(
        label=_("Start the rotation at"),
        min_value=0,
        initial=0,
        help_text=_("0 begins with the first person."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["office"].queryset = reachable_organisations(user)
        for role in DutyRole.values:
            self.fields[role] = forms.CharField(
                label=DutyRole(role).label,
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("One per line, in rotation order: a username or a contact's name.")
                if role == DutyRole.DUTY_OFFICER
                else "",
            )

    def clean_month(self):
        try:
            first = datetime.date.fromisoformat(self.cleaned_data["month"].strip() + "-01")
        except ValueError as exc:
            raise ValidationError(_("Write the month as YYYY-MM.")) from exc
        return first.year, first.month

    def clean(self):
        data = super().clean()
        rotation = {}
        for role in DutyRole.values:
            keys = []
            for line in (data.get(role) or "").splitlines():
                try:
                    key = resolve_person(self.user, line)
                except ValidationError as exc:
                    self.add_error(role, exc)
                    continue
                if key:
                    keys.append(person_from_key(key))
            if keys:
                rotation[role] = keys
        if not rotation and not self.errors:
            raise ValidationError(_("Name at least one person to rotate."))
        data["rotation"] = rotation
        return data


class LogEntryForm(ScopedModelForm):
    class Meta:
        model = LogEntry
        fields = [
            "owner",
            "at",
            "kind",
            "source",
            "content",
            "passed_to",
            "follow_up_needed",
            "follows_up",
            "follow_up_done",
            "corrects",
            "incident",
        ]
        widgets = {
            "at": DATETIME,
            "content": TEXT,
            "follows_up": forms.HiddenInput,
            "corrects": forms.HiddenInput,
            # The incident is chosen from its page (the link carries its id): a select would list thousands.
            "incident": forms.HiddenInput,
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        self.fields["at"].required = False
        self.fields["owner"].queryset = reachable_organisations(user)
        if not (self.initial.get("follows_up") or self.data.get("follows_up")):
            self.fields["follow_up_done"].widget = forms.HiddenInput()


class HandoverForm(forms.ModelForm):
    class Meta:
        model = Handover
        fields = ["open_matters", "equipment_status"]
        widgets = {"open_matters": TEXT, "equipment_status": forms.Textarea(attrs={"rows": 2})}
