from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yingji.core.generic import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    act,
    error_text,
)
from yingji.core.importing import ImportSpec, ImportView
from yingji.core.models import Division, DivisionLevel
from yingji.core.roles import Role
from yingji.core.scoping import can, in_scope, scoped
from yingji.core.tables import Column
from yingji.hazards import filters, forms, services
from yingji.hazards.models import PIN, Colour, Hazard, Inspection, Rectification

HAZARD_COLUMNS = [
    Column("name", gettext_lazy("Name"), link=True),
    Column("kind", gettext_lazy("Kind")),
    Column("category", gettext_lazy("Category")),
    Column("level", gettext_lazy("Risk level")),
    Column("status", gettext_lazy("Status")),
    Column("division.name", gettext_lazy("Division")),
    Column("event_types", gettext_lazy("Event types")),
    Column("owner.name", gettext_lazy("Owner unit")),
    Column("people_exposed", gettext_lazy("People exposed")),
    Column("property_exposed", gettext_lazy("Property exposed (元)")),
    Column("responsible_person", gettext_lazy("Responsible person")),
    Column("responsible_phone", gettext_lazy("Phone")),
    Column("assessed_on", gettext_lazy("Last assessed on")),
    Column("latitude", gettext_lazy("Latitude")),
    Column("longitude", gettext_lazy("Longitude")),
]
RECTIFICATION_COLUMNS = [
    Column("measures", gettext_lazy("Measures"), link=True),
    Column("hazard.name", gettext_lazy("Hazard")),
    Column("unit.name", gettext_lazy("Responsible unit")),
    Column("deadline", gettext_lazy("Deadline")),
    Column("status", gettext_lazy("Status")),
    Column("overdue", gettext_lazy("Overdue")),
    Column("hazard.division.name", gettext_lazy("Division")),
]
INSPECTION_COLUMNS = [
    Column("date", gettext_lazy("Date"), link=True),
    Column("inspected_unit", gettext_lazy("Unit inspected")),
    Column("division.name", gettext_lazy("Division")),
    Column("inspectors", gettext_lazy("Inspectors")),
    Column("owner.name", gettext_lazy("Recorded by")),
]


def markers(hazards) -> list[dict]:
    """Map data: a coloured pin per hazard, and its polygon for a danger zone (see map.js `polygon`)."""
    result = []
    for h in hazards:
        if h.latitude is None or h.longitude is None:
            continue
        item = {
            "lat": float(h.latitude),
            "lon": float(h.longitude),
            "label": f"{h.name}（{h.get_level_display() or _('not assessed')}）",
            "url": h.get_absolute_url(),
            "level": PIN.get(h.level, ""),
        }
        if h.area:
            item["polygon"] = h.area
        result.append(item)
    return result


class HazardListView(ObjectListView):
    model = Hazard
    queryset = Hazard.objects.select_related("owner", "division")
    filterset_class = filters.HazardFilterSet
    columns = HAZARD_COLUMNS
    hidden_filters = ("owner", "inspection")


class HazardDetailView(ObjectDetailView):
    model = Hazard
    queryset = Hazard.objects.select_related("owner", "division", "inspection")
    template_name = "hazards/hazard_detail.html"
    fields = [c for c in HAZARD_COLUMNS if not c.link and c.accessor not in ("latitude", "longitude")] + [
        Column("address", gettext_lazy("Address")),
        Column("inspection", gettext_lazy("Found in inspection")),
        Column("description", gettext_lazy("Description")),
    ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        hazard = self.object
        user = self.request.user
        editable = in_scope(user, hazard, "change")
        items = list(hazard.rectifications.select_related("unit", "reported_by", "verified_by"))
        context.update(
            editable=editable,
            assessments=hazard.assessments.select_related("assessor"),
            rectifications=items,
            assessment_form=forms.AssessmentForm() if editable else None,
            rectification_form=forms.RectificationForm(user=user) if editable else None,
            note_form=forms.NoteForm() if editable else None,
            verify_form=forms.VerifyForm() if editable else None,
            markers=markers([hazard]),
            level_class=PIN.get(hazard.level, ""),
        )
        return context


class HazardEditView(ObjectEditView):
    model = Hazard
    form_class = forms.HazardForm
    template_name = "hazards/object_form.html"

    def initial_values(self):
        return {"owner": self.request.user.organisation}

    def save(self, obj):
        return services.save_hazard(self.request.user, obj)


class HazardDeleteView(ObjectDeleteView):
    model = Hazard


class HazardImportView(ImportView):
    spec = ImportSpec(
        model=Hazard,
        form_class=forms.HazardForm,
        columns=[
            "name",
            "kind",
            "category",
            "event_types",
            "owner",
            "division",
            "address",
            "latitude",
            "longitude",
            "area",
            "people_exposed",
            "property_exposed",
            "responsible_person",
            "responsible_phone",
            "status",
            "description",
        ],
        key=("name", "division"),
        example=[
            "梅县区某化工有限公司液氯储罐区",
            "source",
            "化工企业",
            "12D",
            "梅州市梅县区应急管理局",
            "梅县区",
            "梅县区畲江镇工业园",
            "24.081000",
            "116.003000",
            "",
            "120",
            "50000000",
            "王某",
            "13800000000",
            "monitored",
            "",
        ],
    )


class RectificationListView(ObjectListView):
    model = Rectification
    queryset = Rectification.objects.select_related("hazard", "hazard__division", "unit")
    filterset_class = filters.RectificationFilterSet
    columns = RECTIFICATION_COLUMNS
    hidden_filters = ("hazard", "unit")
    default_filters = {"status": "open"}


class InspectionListView(ObjectListView):
    model = Inspection
    queryset = Inspection.objects.select_related("owner", "division")
    filterset_class = filters.InspectionFilterSet
    columns = INSPECTION_COLUMNS
    hidden_filters = ("owner",)


class InspectionDetailView(ObjectDetailView):
    model = Inspection
    queryset = Inspection.objects.select_related("owner", "division")
    template_name = "hazards/inspection_detail.html"
    fields = [c for c in INSPECTION_COLUMNS if not c.link] + [
        Column("event_types", gettext_lazy("Event types")),
        Column("findings", gettext_lazy("Findings")),
    ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        inspection = self.object
        found = list(inspection.hazards.all())
        done = {h.description for h in found}
        context.update(
            editable=in_scope(self.request.user, inspection, "change"),
            hazards=found,
            pending=[line for line in inspection.finding_lines() if line not in done],
        )
        return context


class InspectionEditView(ObjectEditView):
    model = Inspection
    form_class = forms.InspectionForm
    template_name = "hazards/object_form.html"

    def initial_values(self):
        return {"owner": self.request.user.organisation}

    def save(self, obj):
        return services.save_inspection(self.request.user, obj)


class InspectionDeleteView(ObjectDeleteView):
    model = Inspection


# Steps on the detail pages


def _post(view):
    return login_required(require_POST(view))


def _hazard(request, pk):
    return get_object_or_404(scoped(Hazard.objects.all(), request.user, "change"), pk=pk)


def _item(request, pk):
    return get_object_or_404(
        scoped(Rectification.objects.select_related("hazard"), request.user, "change"), pk=pk
    )


@_post
def assess(request, pk):
    hazard = _hazard(request, pk)
    form = forms.AssessmentForm(request.POST)
    return act(
        request,
        hazard,
        lambda: services.assess(
            request.user,
            hazard,
            form.cleaned_data["method"],
            form.inputs(),
            assessed_on=form.cleaned_data["assessed_on"],
            note=form.cleaned_data["note"],
        ),
        _("Assessment recorded."),
        form=form,
    )


@_post
def add_rectification(request, pk):
    hazard = _hazard(request, pk)
    form = forms.RectificationForm(request.POST, user=request.user)
    return act(
        request,
        hazard,
        lambda: services.add_rectification(request.user, hazard, **form.cleaned_data),
        _("Rectification added."),
        form=form,
    )


@_post
def rectification_step(request, pk, step):
    item = _item(request, pk)
    post = request.POST
    if step == "progress":
        function, done = lambda: services.add_progress(request.user, item, post.get("text", "")), _("Noted.")
    elif step == "done":
        function, done = (
            lambda: services.report_done(request.user, item, post.get("text", "")),
            _("Reported done; another person verifies it."),
        )
    elif step == "deadline":
        form = forms.DeadlineForm(post)
        if not form.is_valid():
            messages.error(request, error_text(form))
            return HttpResponseRedirect(item.get_absolute_url())
        data = form.cleaned_data

        def function():
            services.change_deadline(request.user, item, data["deadline"], data["reason"])

        done = _("Deadline changed.")
    elif step == "verify":
        form = forms.VerifyForm(post)
        if not form.is_valid():
            messages.error(request, error_text(form))
            return HttpResponseRedirect(item.get_absolute_url())
        data = form.cleaned_data

        def function():
            services.verify(
                request.user,
                item,
                accepted=data["accepted"],
                note=data["note"],
                remove_hazard=data["remove_hazard"],
            )

        done = _("Verification recorded.")
    else:
        raise PermissionDenied
    return act(request, item.hazard, function, done)


@_post
def create_hazards(request, pk):
    inspection = get_object_or_404(scoped(Inspection.objects.all(), request.user, "change"), pk=pk)
    try:
        created = services.create_hazards_from_findings(request.user, inspection)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("%(n)s safety hazards created.") % {"n": len(created)})
    return HttpResponseRedirect(inspection.get_absolute_url())


# Map and statistics


def _visible(request):
    if not can(request.user, "view", Hazard):
        raise PermissionDenied
    return scoped(Hazard.objects.select_related("division"), request.user)


@login_required
def map_view(request):
    filterset = filters.HazardFilterSet(request.GET or None, queryset=_visible(request), request=request)
    hazards = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    hazards = hazards.exclude(status=Hazard.Status.REMOVED) if "status" not in request.GET else hazards
    data = markers(hazards.select_related(None).only("pk", "name", "level", "latitude", "longitude", "area"))
    return render(
        request,
        "hazards/map.html",
        {"title": _("Hazard map"), "markers": data, "filterset": filterset, "count": len(data)},
    )


LEVELS = [c.value for c in Colour] + [""]


def _table(counter: Counter, keys) -> list[dict]:
    rows = []
    for key, label in keys:
        counts = [counter.get((key, level), 0) for level in LEVELS]
        if any(counts):
            rows.append({"label": label, "counts": counts, "total": sum(counts)})
    return rows


@login_required
def stats_view(request):
    """Counts of hazards (not removed) by kind, by county and by event type, each split by colour."""
    hazards = _visible(request).exclude(status=Hazard.Status.REMOVED)
    rows = list(hazards.values_list("kind", "level", "division__path", "event_types"))
    by_kind, by_county, by_type = Counter(), Counter(), Counter()
    counties = {
        d.path: d.name for d in Division.objects.filter(level__in=[DivisionLevel.COUNTY, DivisionLevel.CITY])
    }
    for kind, level, path, event_types in rows:
        by_kind[(kind, level)] += 1
        parts = path.split("/")
        county = "/".join(parts[:2]) + "/" if len(parts) > 2 else path
        by_county[(county, level)] += 1
        for code in {c[:3] for c in event_types.split()} or {""}:
            by_type[(code, level)] += 1
    type_keys = sorted({k for k, _level in by_type})
    tables = [
        (_("By kind"), _table(by_kind, Hazard.Kind.choices)),
        (_("By county"), _table(by_county, sorted(counties.items()))),
        (_("By event type"), _table(by_type, [(k, k or _("none")) for k in type_keys])),
    ]
    totals = [sum(1 for r in rows if r[1] == level) for level in LEVELS]
    level_labels = [str(label) for _v, label in Colour.choices] + [_("Not assessed")]
    return render(
        request,
        "hazards/stats.html",
        {
            "title": _("Hazard statistics"),
            "tables": tables,
            "levels": level_labels,
            "totals": totals,
            "total": len(rows),
            "chart": {"levels": level_labels, "counts": totals},
        },
    )


def overdue_panel(request):
    """On the home page of office staff: overdue rectifications within their reach."""
    user = request.user
    if not (user.is_superuser or user.role in (Role.OFFICE, Role.ADMIN)) or not can(
        user, "view", Rectification
    ):
        return None
    overdue = scoped(Rectification.objects.filter(services.overdue_q()), user).select_related(
        "hazard", "unit"
    )
    items = list(overdue[:5])
    return {"items": items, "count": overdue.count() if len(items) == 5 else len(items)}
