from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingji.core.generic import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    act,
)
from yingji.core.importing import ImportSpec, ImportView
from yingji.core.scoping import can, in_scope, scoped
from yingji.core.tables import Column
from yingji.incidents.models import Incident
from yingji.resources import census, coverage, filters, forms, nearest, services
from yingji.resources.models import Expert, ExpertField, Shelter, Team, TeamKind

# Pin colours of the map (see .map-pin-* in app.css) per kind of result.
PIN = {"team": "1", "warehouse": "2", "expert": "3", "shelter": "4"}

TEAM_COLUMNS = [
    Column("name", gettext_lazy("Name"), link=True),
    Column("kind", gettext_lazy("Kind")),
    Column("team_class", gettext_lazy("Class")),
    Column("headcount", gettext_lazy("Headcount")),
    Column("readiness", gettext_lazy("Readiness")),
    Column("division.name", gettext_lazy("Based in")),
    Column("owner.name", gettext_lazy("Owner")),
    Column("duty_phone", gettext_lazy("Duty phone")),
    Column("address", gettext_lazy("Base address")),
    Column("latitude", gettext_lazy("Latitude")),
    Column("longitude", gettext_lazy("Longitude")),
]
EXPERT_COLUMNS = [
    Column("name", gettext_lazy("Name"), link=True),
    Column("field_names", gettext_lazy("Fields")),
    Column("title", gettext_lazy("Professional title")),
    Column("employer", gettext_lazy("Employer")),
    Column("division.name", gettext_lazy("Division")),
    Column("phone", gettext_lazy("Phone")),
    Column("email", gettext_lazy("Email")),
    Column("availability", gettext_lazy("Availability")),
    Column("unavailable_until", gettext_lazy("Unavailable until")),
]
SHELTER_COLUMNS = [
    Column("name", gettext_lazy("Name"), link=True),
    Column("shelter_class", gettext_lazy("Class")),
    Column("setting", gettext_lazy("Indoor / outdoor")),
    Column("division.name", gettext_lazy("Located in")),
    Column("area_m2", gettext_lazy("Area (m²)")),
    Column("capacity", gettext_lazy("Capacity")),
    Column("occupancy", gettext_lazy("Occupancy")),
    Column("status", gettext_lazy("Status")),
    Column("facilities", gettext_lazy("Facilities")),
    Column("population_served", gettext_lazy("Population served")),
    Column("manager", gettext_lazy("Manager")),
    Column("phone", gettext_lazy("Phone")),
    Column("latitude", gettext_lazy("Latitude")),
    Column("longitude", gettext_lazy("Longitude")),
]


class SaveWithRelations:
    """Edit views whose service also sets many-to-many relations from the form."""

    relations: tuple[str, ...] = ()
    service = None

    def form_valid(self, form):
        self._form = form
        return super().form_valid(form)

    def save(self, obj):
        related = {name: self._form.cleaned_data.get(name) for name in self.relations}
        return type(self).service(self.request.user, obj, **related)


def _owner_initial(view):
    return {"owner": view.request.user.organisation}


# Teams


class TeamListView(ObjectListView):
    model = Team
    queryset = Team.objects.select_related("owner", "division")
    filterset_class = filters.TeamFilterSet
    columns = TEAM_COLUMNS
    hidden_filters = ("owner",)


class TeamDetailView(ObjectDetailView):
    model = Team
    queryset = Team.objects.select_related("owner", "division")
    template_name = "resources/team_detail.html"
    fields = [c for c in TEAM_COLUMNS if not c.link and c.accessor not in ("latitude", "longitude")] + [
        Column("notes", gettext_lazy("Notes"))
    ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        team = self.object
        editable = in_scope(self.request.user, team, "change")
        context.update(
            editable=editable,
            equipment=team.equipment.all(),
            deployments=team.deployments.select_related("incident"),
            contacts=team.contacts.select_related("owner"),
            equipment_form=forms.EquipmentForm() if editable else None,
            deployment_form=forms.DeploymentForm() if editable else None,
            markers=_markers([team], "team"),
            nearest_url=_nearest_url(team.latitude, team.longitude),
        )
        return context


class TeamEditView(SaveWithRelations, ObjectEditView):
    model = Team
    form_class = forms.TeamForm
    template_name = "resources/object_form.html"
    relations = ("contacts",)
    service = staticmethod(services.save_team)
    initial_values = _owner_initial


class TeamDeleteView(ObjectDeleteView):
    model = Team


# Experts


class ExpertListView(ObjectListView):
    model = Expert
    queryset = Expert.objects.select_related("owner", "division").prefetch_related("fields")
    filterset_class = filters.ExpertFilterSet
    columns = EXPERT_COLUMNS
    hidden_filters = ("owner",)


class ExpertDetailView(ObjectDetailView):
    model = Expert
    queryset = Expert.objects.select_related("owner", "division").prefetch_related("fields")
    template_name = "resources/expert_detail.html"
    fields = [c for c in EXPERT_COLUMNS if not c.link] + [
        Column("owner.name", gettext_lazy("Recorded by")),
        Column("notes", gettext_lazy("Notes")),
    ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        expert = self.object
        editable = in_scope(self.request.user, expert, "change")
        context.update(
            editable=editable,
            missions=expert.missions.select_related("incident"),
            mission_form=forms.MissionForm() if editable else None,
            markers=_markers([expert], "expert"),
        )
        return context


class ExpertEditView(SaveWithRelations, ObjectEditView):
    model = Expert
    form_class = forms.ExpertForm
    template_name = "resources/object_form.html"
    relations = ("fields",)
    service = staticmethod(services.save_expert)
    initial_values = _owner_initial


class ExpertDeleteView(ObjectDeleteView):
    model = Expert


# Shelters


class ShelterListView(ObjectListView):
    model = Shelter
    queryset = Shelter.objects.select_related("owner", "division")
    filterset_class = filters.ShelterFilterSet
    columns = SHELTER_COLUMNS
    hidden_filters = ("owner",)


class ShelterDetailView(ObjectDetailView):
    model = Shelter
    queryset = Shelter.objects.select_related("owner", "division")
    template_name = "resources/shelter_detail.html"
    fields = [c for c in SHELTER_COLUMNS if not c.link and c.accessor not in ("latitude", "longitude")] + [
        Column("address", gettext_lazy("Address")),
        Column("owner.name", gettext_lazy("Owner")),
    ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        shelter = self.object
        editable = in_scope(self.request.user, shelter, "change")
        context.update(
            editable=editable,
            served=shelter.divisions_served.all(),
            contacts=shelter.contacts.select_related("owner"),
            occupancy_form=forms.OccupancyForm(
                initial={"occupancy": shelter.occupancy, "status": shelter.status}
            )
            if editable
            else None,
            markers=_markers([shelter], "shelter"),
        )
        return context


class ShelterEditView(SaveWithRelations, ObjectEditView):
    model = Shelter
    form_class = forms.ShelterForm
    template_name = "resources/object_form.html"
    relations = ("divisions_served", "contacts")
    service = staticmethod(services.save_shelter)
    initial_values = _owner_initial


class ShelterDeleteView(ObjectDeleteView):
    model = Shelter


# Fields of expertise (reference data)

FIELD_COLUMNS = [
    Column("order", gettext_lazy("Order")),
    Column("name", gettext_lazy("Name"), link=True),
    Column("code", gettext_lazy("Code")),
]
FIELD_VIEWS = {
    "list_view": type(
        "ExpertFieldList",
        (ObjectListView,),
        {"model": ExpertField, "filterset_class": filters.ExpertFieldFilterSet, "columns": FIELD_COLUMNS},
    ),
    "detail_view": type(
        "ExpertFieldDetail", (ObjectDetailView,), {"model": ExpertField, "fields": FIELD_COLUMNS}
    ),
    "edit_view": type(
        "ExpertFieldEdit", (ObjectEditView,), {"model": ExpertField, "form_class": forms.ExpertFieldForm}
    ),
    "delete_view": type("ExpertFieldDelete", (ObjectDeleteView,), {"model": ExpertField}),
}


# Steps on the detail pages


def _post_only(view):
    from django.views.decorators.http import require_POST

    return login_required(require_POST(view))


def _scoped_incidents(form, user):
    form.fields["incident"].queryset = scoped(Incident.objects.all(), user)


@_post_only
def add_deployment(request, pk):
    team = get_object_or_404(scoped(Team.objects.all(), request.user, "change"), pk=pk)
    form = forms.DeploymentForm(request.POST)
    _scoped_incidents(form, request.user)
    form.instance.team = team
    return act(
        request,
        team,
        lambda: services.record_deployment(request.user, form.instance, form.cleaned_data["mark"]),
        _("Deployment recorded."),
        form=form,
    )


@_post_only
def set_equipment(request, pk):
    team = get_object_or_404(scoped(Team.objects.all(), request.user, "change"), pk=pk)
    form = forms.EquipmentForm(request.POST)
    return act(
        request,
        team,
        lambda: services.set_equipment(
            request.user, team, form.cleaned_data["kind"], form.cleaned_data["count"]
        ),
        _("Equipment saved."),
        form=form,
    )


@_post_only
def add_mission(request, pk):
    expert = get_object_or_404(scoped(Expert.objects.all(), request.user, "change"), pk=pk)
    form = forms.MissionForm(request.POST)
    _scoped_incidents(form, request.user)
    form.instance.expert = expert
    return act(
        request,
        expert,
        lambda: services.record_mission(request.user, form.instance, form.cleaned_data["mark"]),
        _("Mission recorded."),
        form=form,
    )


@_post_only
def set_occupancy(request, pk):
    shelter = get_object_or_404(scoped(Shelter.objects.all(), request.user, "change"), pk=pk)
    form = forms.OccupancyForm(request.POST)
    return act(
        request,
        shelter,
        lambda: services.set_occupancy(
            request.user, shelter, form.cleaned_data["occupancy"], form.cleaned_data["status"]
        ),
        _("Occupancy saved."),
        form=form,
    )


# Nearest


def _nearest_url(lat, lon, **params) -> str:
    if lat is None or lon is None:
        return ""
    from urllib.parse import urlencode

    return reverse("resources:nearest") + "?" + urlencode({"lat": f"{lat}", "lon": f"{lon}", **params})


def _markers(objects, kind) -> list[dict]:
    return [
        {
            "lat": float(o.latitude),
            "lon": float(o.longitude),
            "label": str(o),
            "url": o.get_absolute_url(),
            "level": PIN.get(kind, "4"),
        }
        for o in objects
        if o.latitude is not None and o.longitude is not None
    ]


def incident_position(incident) -> tuple[float, float] | None:
    """Where an incident happened: its own position, else the seat of its division."""
    if incident.latitude is not None and incident.longitude is not None:
        return float(incident.latitude), float(incident.longitude)
    division = incident.division
    if division.latitude is not None and division.longitude is not None:
        return float(division.latitude), float(division.longitude)
    return None


# Team kinds that answer an incident, by GB/T 35561 code prefix (the longest matching prefix wins).
TEAM_KINDS_FOR_EVENT = {
    "11A": [TeamKind.FLOOD_RESCUE, TeamKind.WATER_RESCUE],
    "11B": [TeamKind.FLOOD_RESCUE, TeamKind.POWER, TeamKind.ROAD_REPAIR],
    "11C": [TeamKind.FIRE, TeamKind.GEOLOGICAL, TeamKind.MEDICAL],
    "11D": [TeamKind.GEOLOGICAL, TeamKind.FIRE],
    "11G": [TeamKind.FOREST_FIRE],
    "12A": [TeamKind.MINE_RESCUE],
    "12B": [TeamKind.MINE_RESCUE],
    "12C": [TeamKind.FIRE],
    "12D": [TeamKind.HAZCHEM, TeamKind.FIRE],
    "12E": [TeamKind.HAZCHEM, TeamKind.FIRE],
    "12G": [TeamKind.FIRE],
    "12H": [TeamKind.ROAD_REPAIR, TeamKind.MEDICAL],
    "12J": [TeamKind.WATER_RESCUE],
    "12P": [TeamKind.POWER, TeamKind.COMMUNICATIONS],
    "12Q": [TeamKind.HAZCHEM],
    "12U": [TeamKind.POWER],
    "13": [TeamKind.MEDICAL, TeamKind.EPIDEMIC],
}
DEFAULT_TEAM_KINDS = [TeamKind.FLOOD_RESCUE]


def team_kinds_for(event_code: str) -> list[str]:
    for length in (3, 2):
        kinds = TEAM_KINDS_FOR_EVENT.get(event_code[:length])
        if kinds:
            return [str(k) for k in kinds]
    return [str(k) for k in DEFAULT_TEAM_KINDS]


def incident_panel(request, incident):
    """On an incident's page: the three nearest ready teams of the kinds its type calls for."""
    if not can(request.user, "view", Team):
        return None
    position = incident_position(incident)
    if position is None:
        return None
    kinds = team_kinds_for(incident.event_type.code)
    lat, lon = position
    teams = nearest.find(request.user, "team", lat, lon, 3, {"team_kind": ",".join(kinds)})
    labels = "、".join(str(TeamKind(k).label) for k in kinds)
    return {
        "teams": teams,
        "kinds": labels,
        "nearest_url": reverse("resources:nearest") + f"?incident={incident.pk}",
        "team_url": reverse("resources:nearest")
        + f"?incident={incident.pk}&kind=team&team_kind={','.join(kinds)}",
    }


@login_required
def nearest_view(request):
    """From a point (lat, lon) or an incident: the nearest resources of each kind, or of one kind."""
    params = request.GET.dict()
    incident = None
    if params.get("incident"):
        try:
            incident = scoped(Incident.objects.select_related("division", "event_type"), request.user).get(
                pk=int(params["incident"])
            )
        except (Incident.DoesNotExist, ValueError):
            incident = None
            messages.error(request, _("No such incident."))
        if incident is not None and "lat" not in params:
            position = incident_position(incident)
            if position is not None:
                params["lat"], params["lon"] = (f"{v:.6f}" for v in position)
    errors = {}
    sections = []
    point = None
    if params.get("lat") or params.get("lon"):
        for parse in (nearest.parse_point, nearest.parse_k):
            try:
                value = parse(params)
            except ValidationError as exc:
                errors.update(exc.message_dict)
            else:
                point = value if parse is nearest.parse_point else point
        if errors:
            point = None
    if point is not None:
        kind = params.get("kind") or ""
        kinds = [kind] if kind else list(nearest.SOURCES)
        for source_kind in kinds:
            query = {**params, "kind": source_kind}
            if not kind:
                query["k"] = "5"
                if source_kind == "team" and incident is not None:
                    query.setdefault("team_kind", ",".join(team_kinds_for(incident.event_type.code)))
            try:
                source, _point, k, results = nearest.search(request.user, query)
            except ValidationError as exc:
                errors.update(exc.message_dict)
                continue
            sections.append({"source": source, "results": results, "pin": PIN.get(source.kind, "4")})
    markers = []
    if point is not None:
        markers.append({"lat": point.lat, "lon": point.lon, "label": _("Search point"), "level": "picked"})
    for section in sections:
        markers += [
            {
                "lat": r["latitude"],
                "lon": r["longitude"],
                "label": f"{r['name']} ({r['km']:.1f} km)",
                "url": r["url"],
                "level": section["pin"],
            }
            for r in section["results"]
        ]
    return render(
        request,
        "resources/nearest.html",
        {
            "title": _("Nearest resources"),
            "params": params,
            "incident": incident,
            "point": point,
            "errors": errors,
            "sections": sections,
            "sources": nearest.sources(),
            # Filters a source declares beyond those the form has its own fields for (the warehouses' item...).
            "extra_filters": list(
                {
                    name: label
                    for source in nearest.sources()
                    for name, label in source.filters.items()
                    if name not in ("team_kind", "free")
                }.items()
            ),
            "team_kinds": TeamKind.choices,
            "markers": markers,
        },
    )


# Coverage and census


@login_required
def coverage_view(request):
    if not can(request.user, "view", Shelter):
        raise PermissionDenied
    rows = coverage.rows(request.user)
    if request.GET.get("export") == "xlsx":
        return coverage.xlsx(rows)
    return render(
        request,
        "resources/coverage.html",
        {"title": _("Shelter coverage"), "rows": rows, "totals": coverage.totals(rows)},
    )


@login_required
def census_view(request):
    if not can(request.user, "view", Team):
        raise PermissionDenied
    data = census.census(request.user)
    if request.GET.get("export") == "xlsx":
        return census.xlsx(data)
    return render(request, "resources/census.html", {"title": _("Census of resources"), "census": data})


# Import (the lead's generic importer: validated first, all-or-nothing, re-import updates by natural key)


class TeamImportView(ImportView):
    spec = ImportSpec(
        model=Team,
        form_class=forms.TeamForm,
        columns=[
            "name",
            "kind",
            "team_class",
            "headcount",
            "owner",
            "division",
            "address",
            "latitude",
            "longitude",
            "duty_phone",
            "readiness",
        ],
        key=("name",),
        example=[
            "梅县区防汛抢险队",
            "flood_rescue",
            "professional",
            "40",
            "梅县区应急管理局",
            "梅县区",
            "梅县区新城",
            "24.266",
            "116.082",
            "0753-2100000",
            "ready",
        ],
    )


class ExpertImportView(ImportView):
    spec = ImportSpec(
        model=Expert,
        form_class=forms.ExpertForm,
        columns=[
            "name",
            "fields",
            "title",
            "employer",
            "division",
            "owner",
            "phone",
            "email",
            "availability",
            "latitude",
            "longitude",
        ],
        key=("name", "phone"),
        example=[
            "张三",
            "flood;geology",
            "高级工程师",
            "梅州市水利局",
            "梅江区",
            "梅州市应急管理局",
            "13707530000",
            "",
            "available",
            "",
            "",
        ],
    )


class ShelterImportView(ImportView):
    spec = ImportSpec(
        model=Shelter,
        form_class=forms.ShelterForm,
        columns=[
            "name",
            "shelter_class",
            "setting",
            "owner",
            "division",
            "address",
            "latitude",
            "longitude",
            "area_m2",
            "capacity",
            "occupancy",
            "status",
            "water",
            "power",
            "toilets",
            "medical",
            "kitchen",
            "divisions_served",
            "population_served",
            "manager",
            "phone",
        ],
        key=("division", "name"),
        example=[
            "梅江区体育馆避难场所",
            "II",
            "indoor",
            "梅江区应急管理局",
            "梅江区",
            "梅江区江南路",
            "24.30",
            "116.12",
            "6000",
            "2000",
            "0",
            "closed",
            "是",
            "是",
            "是",
            "否",
            "否",
            "梅江区",
            "30000",
            "李四",
            "0753-2200000",
        ],
    )
