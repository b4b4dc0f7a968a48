import datetime
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yingji.core import export
from yingji.core.filters import ContactFilterSet
from yingji.core.generic import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    error_text,
    model_url,
)
from yingji.core.importing import ImportSpec, ImportView
from yingji.core.models import Contact, Organisation
from yingji.core.scoping import can, in_scope, scoped
from yingji.core.tables import Column
from yingji.duty import filters, forms, services
from yingji.duty.models import CallList, CallListMember, DutyRole, Handover, LogEntry, Shift
from yingji.incidents.models import Incident

# ---- Call lists --------------------------------------------------------------------------------------------

CALL_LIST_COLUMNS = [
    Column("name", gettext_lazy("Name"), link=True),
    Column("owner.name", gettext_lazy("Owner")),
    Column("purpose", gettext_lazy("Purpose")),
    Column("shared", gettext_lazy("Shared")),
]
MEMBER_COLUMNS = [
    Column("order", gettext_lazy("Order")),
    Column("contact.owner.name", gettext_lazy("Organisation")),
    Column("role", gettext_lazy("Role in the list")),
    Column("contact.name", gettext_lazy("Name")),
    Column("contact.post", gettext_lazy("Post")),
    Column("contact.mobile", gettext_lazy("Mobile")),
    Column("contact.office_phone", gettext_lazy("Office phone")),
]


class CallListListView(ObjectListView):
    model = CallList
    queryset = CallList.objects.select_related("owner")
    filterset_class = filters.CallListFilterSet
    columns = CALL_LIST_COLUMNS
    hidden_filters = ("owner",)


class CallListDetailView(ObjectDetailView):
    model = CallList
    queryset = CallList.objects.select_related("owner")
    template_name = "duty/calllist_detail.html"
    fields = [c for c in CALL_LIST_COLUMNS if not c.link]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        editable = in_scope(self.request.user, self.object, "change")
        if not editable:  # a shared list is read beyond its owner's reach, never edited there
            context.update(edit_url="", delete_url="")
        context.update(
            members=self.object.members.select_related("contact__owner"),
            editable=editable,
            member_form=forms.CallListMemberForm(user=self.request.user) if editable else None,
        )
        return context


class CallListEditView(ObjectEditView):
    model = CallList
    form_class = forms.CallListForm

    def initial_values(self):
        return {"owner": self.request.user.organisation}


class CallListDeleteView(ObjectDeleteView):
    model = CallList


def _call_list_for(request, pk, action="view") -> CallList:
    return get_object_or_404(scoped(CallList.objects.select_related("owner"), request.user, action), pk=pk)


@login_required
@require_POST
def add_member(request, pk):
    call_list = _call_list_for(request, pk, "change")
    form = forms.CallListMemberForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_to_call_list(request.user, call_list, data["contact"], data["role"], data["order"])
            messages.success(request, _("Added to the list."))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, error_text(exc))
    else:
        messages.error(request, error_text(form))
    return HttpResponseRedirect(call_list.get_absolute_url())


@login_required
@require_POST
def remove_member(request, pk, member_pk):
    call_list = _call_list_for(request, pk, "change")
    member = get_object_or_404(CallListMember, call_list=call_list, pk=member_pk)
    services.remove_from_call_list(request.user, member)
    messages.success(request, _("Removed from the list."))
    return HttpResponseRedirect(call_list.get_absolute_url())


@login_required
def call_list_print(request, pk):
    """The printable phone list of one call list; ?export=csv or xlsx for a file."""
    call_list = _call_list_for(request, pk)
    members = call_list.members.select_related("contact__owner")
    fmt = request.GET.get("export")
    if fmt == "csv":
        return export.csv_response(members, MEMBER_COLUMNS, f"call-list-{call_list.pk}")
    if fmt == "xlsx":
        return export.xlsx_response(members, MEMBER_COLUMNS, f"call-list-{call_list.pk}", call_list.name)
    return render(
        request,
        "duty/calllist_print.html",
        {"title": call_list.name, "call_list": call_list, "members": members, "printed_at": timezone.now()},
    )


PHONE_BOOK_COLUMNS = [
    Column("owner.name", gettext_lazy("Organisation")),
    Column("owner.phone", gettext_lazy("Duty phone")),
    Column("name", gettext_lazy("Name")),
    Column("post", gettext_lazy("Post")),
    Column("mobile", gettext_lazy("Mobile")),
    Column("office_phone", gettext_lazy("Office phone")),
]


@login_required
def phone_book(request):
    """Every organisation's primary contacts (all contacts with ?all=1), grouped by organisation; printable."""
    if not can(request.user, "view", Contact):
        raise PermissionDenied
    contacts = scoped(Contact.objects.select_related("owner"), request.user).order_by(
        "owner__division__path", "owner__kind", "owner__name", "owner_id", "-is_primary", "name"
    )
    if not request.GET.get("all"):
        contacts = contacts.filter(is_primary=True)
    filterset = ContactFilterSet(request.GET or None, queryset=contacts, request=request)
    if filterset.is_bound and filterset.is_valid():
        contacts = filterset.qs
    fmt = request.GET.get("export")
    if fmt == "csv":
        return export.csv_response(contacts, PHONE_BOOK_COLUMNS, "phone-book")
    if fmt == "xlsx":
        return export.xlsx_response(contacts, PHONE_BOOK_COLUMNS, "phone-book", _("Phone book"))
    groups = [(org, list(rows)) for org, rows in groupby(contacts, key=lambda c: c.owner)]
    query = request.GET.copy()
    query.pop("export", None)
    return render(
        request,
        "duty/phone_book.html",
        {
            "title": _("Phone book"),
            "groups": groups,
            "division_field": filterset.form["division"],
            "show_all": bool(request.GET.get("all")),
            "query_string": query.urlencode(),
            "printed_at": timezone.now(),
        },
    )


# ---- Shifts and the roster ---------------------------------------------------------------------------------

SHIFT_COLUMNS = [
    Column("__str__", gettext_lazy("Shift"), link=True),
    Column("owner.name", gettext_lazy("Office")),
    Column("starts_at", gettext_lazy("Starts at")),
    Column("ends_at", gettext_lazy("Ends at")),
    Column("people_text", gettext_lazy("On duty")),
    Column("note", gettext_lazy("Note")),
]


class ShiftListView(ObjectListView):
    model = Shift
    queryset = Shift.objects.select_related("owner").prefetch_related("members__user", "members__contact")
    filterset_class = filters.ShiftFilterSet
    columns = SHIFT_COLUMNS
    hidden_filters = ("owner",)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["import_url"] = model_url(self.request.user, "add", Shift, "import")
        return context


class ShiftDetailView(ObjectDetailView):
    model = Shift
    queryset = Shift.objects.select_related("owner__division")
    template_name = "duty/shift_detail.html"
    fields = [
        Column("owner.name", gettext_lazy("Office")),
        Column("kind", gettext_lazy("Kind")),
        Column("starts_at", gettext_lazy("Starts at")),
        Column("ends_at", gettext_lazy("Ends at")),
        Column("note", gettext_lazy("Note")),
    ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        shift, user = self.object, self.request.user
        order = {r: i for i, r in enumerate(DutyRole.values)}
        members = sorted(shift.members.select_related("user", "contact"), key=lambda m: order[m.role])
        if not in_scope(user, shift, "change"):  # rosters are read city-wide, written only within reach
            context.update(edit_url="", delete_url="")
        context.update(
            members=members,
            handovers=shift.handovers.select_related("acknowledged_by", "created_by"),
            log_entries=shift.log_entries.all()[:50],
            may_hand_over=can(user, "add", Handover)
            and in_scope(user, shift, "view")
            and services.reach_office(user, shift.owner),
            roster_url=_roster_url(shift.owner, timezone.localtime(shift.starts_at).date()),
        )
        return context


class ShiftEditView(ObjectEditView):
    model = Shift
    form_class = forms.ShiftForm

    def initial_values(self):
        return {"owner": services.duty_office(self.request.user.organisation)}

    def save(self, obj):
        return services.save_shift(self.request.user, obj, self._form.people())

    def form_valid(self, form):
        self._form = form
        return super().form_valid(form)


class ShiftDeleteView(ObjectDeleteView):
    model = Shift


def _roster_url(office, day: datetime.date) -> str:
    return f"{reverse('duty:roster')}?office={office.pk}&month={day:%Y-%m}"


@login_required
def roster(request):
    """One office's roster for a month, a row per day; printable."""
    user = request.user
    if not can(user, "view", Shift):
        raise PermissionDenied
    today = timezone.localdate()
    try:
        first = datetime.date.fromisoformat(request.GET.get("month", "") + "-01")
    except ValueError:
        first = today.replace(day=1)
    offices = list(services.duty_offices())
    office = None
    if request.GET.get("office", "").isdigit():
        office = Organisation.objects.filter(pk=int(request.GET["office"])).first()
    office = office or services.duty_office(user.organisation) or (offices[0] if offices else None)
    days = services.month_days(first.year, first.month)
    shifts = []
    if office is not None:
        shifts = list(
            scoped(Shift.objects.all(), user)
            .filter(
                owner=office,
                starts_at__gte=services.local(days[0]),
                starts_at__lt=services.local(days[-1] + datetime.timedelta(days=1)),
            )
            .prefetch_related("members__user", "members__contact")
            .order_by("starts_at", "kind")
        )
    # A column per kind of shift the month has (day, night, 24 h, key period), a row per day.
    kinds = [k for k in Shift.Kind.values if any(s.kind == k for s in shifts)]
    by_day: dict[datetime.date, dict[str, list]] = {d: {k: [] for k in kinds} for d in days}
    order = {r: i for i, r in enumerate(DutyRole.values)}
    for shift in shifts:
        members = sorted(shift.members.all(), key=lambda m: order[m.role])
        by_day[timezone.localtime(shift.starts_at).date()][shift.kind].append((shift, members))
    previous = (first - datetime.timedelta(days=1)).replace(day=1)
    following = days[-1] + datetime.timedelta(days=1)
    editable = office is not None and can(user, "change", Shift) and services.reach_office(user, office)
    return render(
        request,
        "duty/roster.html",
        {
            "title": _("Duty roster"),
            "office": office,
            "offices": offices,
            "month": first,
            "kinds": [Shift.Kind(k) for k in kinds],
            "days": [(d, [by_day[d][k] for k in kinds], d == today) for d in days],
            "previous_url": _roster_url(office, previous) if office else "",
            "next_url": _roster_url(office, following) if office else "",
            "editable": editable,
            "fill_url": reverse("duty:fill") + (f"?office={office.pk}&month={first:%Y-%m}" if office else ""),
            "add_url": reverse("duty:shift_add") + (f"?owner={office.pk}" if office else ""),
            "printed_at": timezone.now(),
        },
    )


@login_required
def fill(request):
    """Fill a month of an office's roster from a pattern, rotating a list of people per role."""
    if not can(request.user, "add", Shift):
        raise PermissionDenied
    office = services.duty_office(request.user.organisation)
    initial = {"office": office.pk if office else None, "month": f"{timezone.localdate():%Y-%m}"}
    form = forms.FillMonthForm(
        request.POST or None, user=request.user, initial={**initial, **request.GET.dict()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        year, month = data["month"]
        try:
            result = services.fill_month(
                request.user,
                data["office"],
                year,
                month,
                services.PATTERNS[data["pattern"]],
                data["rotation"],
                offset=data["offset"] or 0,
            )
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(
                request,
                _("%(created)s shifts added, %(skipped)s already there.")
                % {"created": result.created, "skipped": result.skipped},
            )
            return HttpResponseRedirect(_roster_url(data["office"], datetime.date(year, month, 1)))
    return render(request, "duty/fill.html", {"title": _("Fill a month of the roster"), "form": form})


class ShiftImportView(ImportView):
    spec = ImportSpec(
        model=Shift,
        form_class=forms.ShiftForm,
        columns=["owner", "kind", "starts_at", "ends_at", *DutyRole.values, "note"],
        key=("owner", "kind", "starts_at"),
        lookups={
            "starts_at": forms.parse_local_datetime,
            "ends_at": forms.parse_local_datetime,
            **dict.fromkeys(DutyRole.values, forms.resolve_person),
        },
        example=[
            "梅州市应急管理局",
            "day",
            "2026-12-01 08:30",
            "2026-12-01 17:30",
            "duty_city",
            "古俊杰",
            "leader_city",
            "",
            "",
            "",
            "",
        ],
    )


@login_required
def now(request):
    """Who is on duty now at every duty office (rosters are readable city-wide); ?at= for another time."""
    at = timezone.now()
    if request.GET.get("at"):
        try:
            at = forms.parse_local_datetime(request.user, request.GET["at"].replace("T", " "))
        except ValidationError as exc:
            messages.error(request, error_text(exc))
    offices = list(services.duty_offices())
    return render(
        request,
        "duty/now.html",
        {
            "title": _("On duty now"),
            "at": at,
            "boards": services.on_duty_many(offices, at),
            "roles": DutyRole,
        },
    )


# ---- Duty log ----------------------------------------------------------------------------------------------

LOG_COLUMNS = [
    Column("at", gettext_lazy("Time"), link=True),
    Column("owner.name", gettext_lazy("Office")),
    Column("kind", gettext_lazy("Kind")),
    Column("source", gettext_lazy("From whom")),
    Column("content", gettext_lazy("Content")),
    Column("passed_to", gettext_lazy("Passed on to")),
    Column("follow_up_needed", gettext_lazy("Follow-up needed")),
    Column("incident", gettext_lazy("Incident")),
    Column("created_by", gettext_lazy("Logged by")),
]


class LogEntryListView(ObjectListView):
    model = LogEntry
    queryset = LogEntry.objects.select_related("owner", "incident", "created_by")
    filterset_class = filters.LogEntryFilterSet
    columns = LOG_COLUMNS
    hidden_filters = ("owner", "incident", "shift")


class LogEntryDetailView(ObjectDetailView):
    model = LogEntry
    queryset = LogEntry.objects.select_related(
        "owner", "incident", "created_by", "shift", "follows_up", "corrects"
    )
    template_name = "duty/logentry_detail.html"
    fields = [c for c in LOG_COLUMNS if not c.link] + [
        Column("follows_up", gettext_lazy("Follows up")),
        Column("follow_up_done", gettext_lazy("Follow-up done")),
        Column("corrects", gettext_lazy("Corrects")),
        Column("shift", gettext_lazy("Shift")),
    ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entry = self.object
        context.update(
            follow_ups=entry.follow_ups.select_related("created_by"),
            corrections=entry.corrections.select_related("created_by"),
            may_log=can(self.request.user, "add", LogEntry) and in_scope(self.request.user, entry, "change"),
            edit_url="",
            delete_url="",
        )
        return context


class LogEntryAddView(ObjectEditView):
    """New entries only: the log is append-only."""

    model = LogEntry
    form_class = forms.LogEntryForm
    template_name = "duty/logentry_form.html"

    def get_object(self, queryset=None):
        self.kwargs.pop("pk", None)
        return super().get_object(queryset)

    def initial_values(self):
        return {"owner": services.duty_office(self.request.user.organisation)}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("at", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
        for name in ("follows_up", "corrects"):
            source = scoped(LogEntry.objects.all(), self.request.user).filter(
                pk=self.request.GET.get(name) or 0
            )
            entry = source.first()
            if entry is not None:
                initial.update(owner=entry.owner_id, incident=entry.incident_id, source=entry.source)
                if name == "follows_up":
                    initial.update(kind=LogEntry.Kind.FOLLOW_UP, follow_up_done=True)
                else:
                    initial.update(kind=entry.kind, content=entry.content, passed_to=entry.passed_to)
        return kwargs

    def save(self, obj):
        return services.log(self.request.user, obj)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        related = {}
        for name, model in (("follows_up", LogEntry), ("corrects", LogEntry), ("incident", Incident)):
            pk = form.data.get(name) or form.initial.get(name)
            if pk and str(pk).isdigit():
                related[name] = scoped(model.objects.all(), self.request.user).filter(pk=int(pk)).first()
        context.update(related=related, cancel_url=self.request.META.get("HTTP_REFERER", ""))
        return context


# ---- Handover ----------------------------------------------------------------------------------------------

HANDOVER_COLUMNS = [
    Column("at", gettext_lazy("Handed over at"), link=True),
    Column("owner.name", gettext_lazy("Office")),
    Column("shift", gettext_lazy("Outgoing shift")),
    Column("next_shift", gettext_lazy("Incoming shift")),
    Column("created_by", gettext_lazy("Handed over by")),
    Column("acknowledged_by", gettext_lazy("Acknowledged by")),
    Column("acknowledged_at", gettext_lazy("Acknowledged at")),
]


class HandoverListView(ObjectListView):
    model = Handover
    queryset = Handover.objects.select_related(
        "owner", "shift", "next_shift", "created_by", "acknowledged_by"
    )
    filterset_class = filters.HandoverFilterSet
    columns = HANDOVER_COLUMNS
    hidden_filters = ("owner",)


class HandoverDetailView(ObjectDetailView):
    model = Handover
    queryset = Handover.objects.select_related(
        "owner", "shift", "next_shift", "created_by", "acknowledged_by"
    )
    template_name = "duty/handover_detail.html"
    fields = [c for c in HANDOVER_COLUMNS if not c.link] + [
        Column("open_matters", gettext_lazy("Open matters")),
        Column("equipment_status", gettext_lazy("Equipment status")),
    ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            pending=self.object.pending.select_related("created_by"),
            may_acknowledge=services.may_acknowledge(self.request.user, self.object),
            edit_url="",
            delete_url="",
        )
        return context


@login_required
def hand_over(request, pk):
    shift = get_object_or_404(scoped(Shift.objects.select_related("owner"), request.user), pk=pk)
    if not can(request.user, "add", Handover) or not services.reach_office(request.user, shift.owner):
        raise PermissionDenied
    form = forms.HandoverForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            handover = services.hand_over(request.user, shift, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(request, _("Handover written."))
            return HttpResponseRedirect(handover.get_absolute_url())
    return render(
        request,
        "duty/handover_form.html",
        {
            "title": _("Handover of %(shift)s") % {"shift": shift},
            "shift": shift,
            "form": form,
            "pending": services.open_follow_ups(shift.owner).select_related("created_by"),
            "next_shift": services.next_shift_for(shift),
        },
    )


@login_required
@require_POST
def acknowledge(request, pk):
    handover = get_object_or_404(scoped(Handover.objects.all(), request.user), pk=pk)
    try:
        services.acknowledge(request.user, handover)
        messages.success(request, _("Handover acknowledged."))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    return HttpResponseRedirect(handover.get_absolute_url())


# ---- Panels ------------------------------------------------------------------------------------------------


def _boards(offices) -> list:
    seen, unique = set(), []
    for office in offices:
        if office is not None and office.pk not in seen:
            seen.add(office.pk)
            unique.append(office)
    return services.on_duty_many(unique) if unique else []


def home_panel(request):
    """On the home page: who is on duty now at the user's office and at the city's."""
    user = request.user
    if not can(user, "view", Shift) or user.organisation is None:
        return None
    boards = _boards([services.duty_office(user.organisation), services.city_office()])
    return {"boards": boards} if boards else None


def incident_panel(request, incident):
    """On an incident's page: who is on duty now at the office that received it, and at the city."""
    if not can(request.user, "view", Shift):
        return None
    boards = _boards([services.duty_office(incident.owner), services.city_office()])
    return {"boards": boards, "incident": incident, "may_log": can(request.user, "add", LogEntry)}
