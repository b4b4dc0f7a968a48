import datetime
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yingji.core.generic import ObjectDetailView, ObjectEditView, ObjectListView, error_text
from yingji.core.models import Division, Organisation
from yingji.core.scoping import can, scoped
from yingji.core.tables import Column
from yingji.incidents import documents, filters, forms, services
from yingji.incidents.models import (
    BODY_LABELS,
    RESPONSE_LEVEL_CHOICES,
    Attachment,
    EventType,
    Incident,
    IncidentStatus,
    Obligation,
    ReportDocument,
    ReportKind,
    RuleTable,
)
from yingji.rules import deadlines, grading

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

INCIDENT_COLUMNS = [
    Column("number", gettext_lazy("Number")),
    Column("occurred_at", gettext_lazy("Occurred at")),
    Column("event_type.name", gettext_lazy("Event type")),
    Column("title", gettext_lazy("Short description"), link=True),
    Column("division.name", gettext_lazy("Division")),
    Column("level", gettext_lazy("Level")),
    Column("status", gettext_lazy("Status")),
    Column("deaths", gettext_lazy("Dead")),
    Column("injuries", gettext_lazy("Injured")),
]


class IncidentListView(ObjectListView):
    model = Incident
    queryset = Incident.objects.select_related("event_type", "division")
    filterset_class = filters.IncidentFilterSet
    columns = INCIDENT_COLUMNS
    template_name = "incidents/incident_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["markers"] = [
            {
                "lat": float(i.latitude),
                "lon": float(i.longitude),
                "label": f"{i.title}",
                "url": i.get_absolute_url(),
                "level": i.level,
            }
            for i in context["object_list"]
            if i.latitude is not None
        ]
        return context


class IncidentDetailView(ObjectDetailView):
    model = Incident
    queryset = Incident.objects.select_related("event_type", "division", "owner")
    template_name = "incidents/incident_detail.html"
    fields = [
        Column("number", gettext_lazy("Number")),
        Column("event_type", gettext_lazy("Event type")),
        Column("status", gettext_lazy("Status")),
        Column("occurred_at", gettext_lazy("Occurred at")),
        Column("reported_at", gettext_lazy("Reported at")),
        Column("received_at", gettext_lazy("Received at")),
        Column("division.name", gettext_lazy("Division")),
        Column("address", gettext_lazy("Address")),
        Column("channel", gettext_lazy("Received by")),
        Column("reporter_name", gettext_lazy("Reporter")),
        Column("reporter_phone", gettext_lazy("Reporter's phone")),
        Column("owner.name", gettext_lazy("Reporting unit")),
    ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        incident = self.object
        now = timezone.now()
        units = _units_for(self.request, incident)
        obligations = list(incident.obligations.filter(withdrawn_at__isnull=True))
        for o in obligations:
            o.current_status = o.status(now)
        context.update(
            figures=[
                (Incident._meta.get_field(n).verbose_name, getattr(incident, n))
                for n in services.CASUALTY_FIELDS
            ],
            texts=[
                (Incident._meta.get_field(n).verbose_name, getattr(incident, n))
                for n in ("cause", "course", "affected_scope", "trend", "measures_taken", "next_steps")
                if getattr(incident, n)
            ],
            obligations=obligations,
            log_entries=incident.log.all(),
            reports=incident.reports.all(),
            attachments=incident.attachments.all(),
            tasks=incident.tasks.select_related("unit", "assignee"),
            rectifications=incident.rectifications.select_related("unit", "verified_by"),
            task_form=forms.TaskForm(units=units),
            rectification_form=forms.RectificationForm(units=units),
            level_form=forms.LevelForm(
                initial={
                    "level": incident.level if incident.level_overridden else "",
                    "version": incident.version,
                }
            ),
            complete_form=forms.CompleteObligationForm(),
            duplicates=services.suggest_duplicates(
                self.request.user,
                event_type=incident.event_type,
                occurred_at=incident.occurred_at,
                division=incident.division,
                latitude=incident.latitude,
                longitude=incident.longitude,
                exclude_pk=incident.pk,
            ),
            markers=[
                {
                    "lat": float(incident.latitude),
                    "lon": float(incident.longitude),
                    "label": incident.title,
                    "url": incident.get_absolute_url(),
                }
            ]
            if incident.latitude is not None
            else [],
            can_edit=can(self.request.user, "change", Incident),
            next_states=[
                (value, label)
                for value, label in IncidentStatus.choices
                if value in services.NEXT_STATES.get(incident.status, set())
            ],
            response_levels=RESPONSE_LEVEL_CHOICES,
        )
        return context


class IncidentEditView(ObjectEditView):
    model = Incident
    form_class = forms.IncidentForm
    template_name = "incidents/incident_form.html"

    def save(self, obj):
        form = self._form
        user = self.request.user
        if obj.pk is None:
            data = {name: form.cleaned_data[name] for name in form.Meta.fields if name in form.cleaned_data}
            channel = data.pop("channel")
            incident, _created = services.receive(user, data, channel=channel, client_uuid=form.client_uuid)
            return incident
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name != "version"}
        try:
            return services.update(user, obj, changes, form.cleaned_data.get("version") or 0)
        except services.StaleVersion as stale:
            names = ", ".join(str(Incident._meta.get_field(n).verbose_name) for n in stale.changed) or "—"
            raise ValidationError(
                _(
                    "Someone else saved this incident after you opened it (changed: %(fields)s). "
                    "Reload the page to see their changes, then make yours again."
                )
                % {"fields": names}
            ) from stale

    def form_valid(self, form):
        self._form = form
        form.client_uuid = self.request.POST.get("client_uuid") or None
        return super().form_valid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["event_types"] = EventType.objects.exclude(level="root").only("code", "name")
        context["client_uuid"] = self.request.POST.get("client_uuid") or uuid.uuid4()
        context["quick_fields"] = forms.QUICK_FIELDS
        # The county seats in reach, to orient the map on which the officer clicks the place.
        seats = scoped(
            Division.objects.filter(level__in=["city", "county"], latitude__isnull=False), self.request.user
        )
        context["division_markers"] = [
            {"lat": float(d.latitude), "lon": float(d.longitude), "label": d.name} for d in seats
        ]
        return context


class ObligationListView(ObjectListView):
    model = Obligation
    queryset = Obligation.objects.select_related("incident__division", "incident__event_type").filter(
        withdrawn_at__isnull=True
    )
    filterset_class = filters.ObligationFilterSet
    default_filters = {"state": "open"}
    columns = [
        Column("due_at", gettext_lazy("Due at")),
        Column("incident", gettext_lazy("Incident"), link=True),
        Column("kind_label", gettext_lazy("Report")),
        Column("owed_by_label", gettext_lazy("Owed by")),
        Column("owed_to_label", gettext_lazy("Owed to")),
        Column("done_at", gettext_lazy("Done at")),
        Column("status_label", gettext_lazy("Status")),
    ]


class EventTypeListView(ObjectListView):
    model = EventType
    queryset = EventType.objects.select_related("parent")
    filterset_class = filters.EventTypeFilterSet
    columns = [
        Column("code", gettext_lazy("Code")),
        Column("name", gettext_lazy("Name")),
        Column("level", gettext_lazy("Level")),
        Column("parent.name", gettext_lazy("Parent")),
    ]


def _incident_for(request, pk) -> Incident:
    return get_object_or_404(scoped(Incident.objects.all(), request.user, "change"), pk=pk)


@login_required
@require_POST
def set_level(request, pk):
    incident = _incident_for(request, pk)
    form = forms.LevelForm(request.POST)
    if form.is_valid():
        try:
            services.set_level(
                request.user,
                incident,
                form.cleaned_data["level"],
                form.cleaned_data["reason"],
                form.cleaned_data["version"],
            )
            messages.success(request, _("Level saved."))
        except services.StaleVersion:
            messages.error(
                request, _("Someone else saved this incident in the meantime: reload and try again.")
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, _("Give the reason for setting the level by hand."))
    return HttpResponseRedirect(incident.get_absolute_url())


@login_required
@require_POST
def complete_obligation(request, pk, obligation_pk):
    incident = _incident_for(request, pk)
    obligation = get_object_or_404(incident.obligations, pk=obligation_pk)
    form = forms.CompleteObligationForm(request.POST)
    if form.is_valid():
        try:
            services.complete_obligation(
                request.user, obligation, form.cleaned_data["done_at"], form.cleaned_data["reason"]
            )
            messages.success(request, _("Recorded: %(report)s.") % {"report": obligation.get_kind_label()})
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, error_text(exc))
    else:
        messages.error(request, error_text(form))
    return HttpResponseRedirect(incident.get_absolute_url() + "#obligations")


DUE_SOON = datetime.timedelta(hours=2)


def deadline_panel(request):
    """Reports due within two hours or overdue, for those who must see them: duty officers, office, leaders."""
    user = request.user
    if not can(user, "view", Obligation):
        return None
    now = timezone.now()
    rows = list(
        scoped(Obligation.objects.select_related("incident__division", "incident__event_type"), user)
        .filter(done_at__isnull=True, withdrawn_at__isnull=True, due_at__lte=now + DUE_SOON)
        .order_by("due_at")[:20]
    )
    for o in rows:
        o.current_status = o.status(now)
    return {"rows": rows, "now": now}


@login_required
@require_POST
def new_report(request, pk):
    incident = _incident_for(request, pk)
    kind = request.POST.get("kind", "first")
    if kind not in dict(ReportKind.choices):
        messages.error(request, _("Unknown kind of report."))
        return HttpResponseRedirect(incident.get_absolute_url())
    report = services.draft_report(request.user, incident, kind)
    return HttpResponseRedirect(report.get_absolute_url())


def _report_for(request, pk, action="view") -> ReportDocument:
    return get_object_or_404(
        scoped(ReportDocument.objects.select_related("incident"), request.user, action), pk=pk
    )


@login_required
def report_detail(request, pk):
    report = _report_for(request, pk)
    owed = report.incident.obligations.filter(
        kind=report.kind, done_at__isnull=True, withdrawn_at__isnull=True
    )
    targets = [
        (key, BODY_LABELS.get(key, key)) for key in sorted(set(owed.values_list("owed_to", flat=True)))
    ]
    return render(
        request,
        "incidents/report_detail.html",
        {
            "report": report,
            "paragraphs": documents.paragraphs(report),
            "targets": targets,
            "title": str(report),
            "can_edit": can(request.user, "change", ReportDocument),
            "complete_form": forms.CompleteObligationForm(),
        },
    )


@login_required
def report_docx(request, pk):
    report = _report_for(request, pk)
    response = HttpResponse(documents.to_docx(report), content_type=DOCX_TYPE)
    name = f"{report.incident.number}-{report.number}-{report.kind}.docx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def submit_report(request, pk):
    report = _report_for(request, pk, "change")
    form = forms.CompleteObligationForm(request.POST)
    to = request.POST.get("to", "").strip()
    if not to:
        messages.error(request, _("Say to whom the report was submitted."))
    elif form.is_valid():
        try:
            services.submit_report(
                request.user,
                report,
                to=to,
                submitted_at=form.cleaned_data["done_at"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("Submitted to %(to)s.") % {"to": to})
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, error_text(exc))
    return HttpResponseRedirect(report.get_absolute_url())


@login_required
@require_POST
def grade_preview(request):
    """The level the figures entered so far would give, shown beside the form while the officer types."""
    form = forms.IncidentForm(request.POST, user=request.user)
    form.is_valid()  # partial input is expected: grade whatever is valid
    event_type = form.cleaned_data.get("event_type")
    result = services.grade_for(event_type, form.cleaned_data) if event_type is not None else None
    return render(request, "incidents/_grade_preview.html", {"grade": result})


@login_required
@require_POST
def advance(request, pk):
    incident = _incident_for(request, pk)
    try:
        level = int(request.POST.get("response_level") or 0) or None
        services.advance(
            request.user,
            incident,
            request.POST.get("status", ""),
            int(request.POST.get("version", 0)),
            response_level=level,
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("Saved."))
    except services.StaleVersion:
        messages.error(request, _("Someone else saved this incident in the meantime: reload and try again."))
    except (ValidationError, ValueError) as exc:
        messages.error(request, error_text(exc))
    return HttpResponseRedirect(incident.get_absolute_url())


@login_required
def incident_map(request):
    """Open incidents in the user's reach, coloured by level."""
    if not can(request.user, "view", Incident):
        raise PermissionDenied
    open_incidents = scoped(
        Incident.objects.filter(closed_at__isnull=True, latitude__isnull=False), request.user
    )
    markers = [
        {
            "lat": float(i.latitude),
            "lon": float(i.longitude),
            "level": i.level or "none",
            "label": f"{i.get_level_display() or ''} {i.title}".strip(),
            "url": i.get_absolute_url(),
        }
        for i in open_incidents.only("pk", "latitude", "longitude", "level", "title")[:2000]
    ]
    return render(
        request, "incidents/incident_map.html", {"markers": markers, "title": _("Map of open incidents")}
    )


@login_required
@require_POST
def upload_attachment(request, pk):
    incident = _incident_for(request, pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file to attach."))
    else:
        try:
            services.attach(request.user, incident, upload)
            messages.success(request, _("Attached %(name)s.") % {"name": upload.name})
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return HttpResponseRedirect(incident.get_absolute_url() + "#attachments")


@login_required
def attachment(request, pk):
    item = get_object_or_404(scoped(Attachment.objects.all(), request.user), pk=pk)
    return FileResponse(item.file.open("rb"), as_attachment=True, filename=item.name)


@login_required
@require_POST
def merge(request, pk):
    duplicate = _incident_for(request, pk)
    into = get_object_or_404(
        scoped(Incident.objects.all(), request.user, "change"), pk=request.POST.get("into")
    )
    try:
        services.merge(request.user, duplicate, into)
        messages.success(request, _("Merged into %(incident)s.") % {"incident": into})
    except (ValidationError, services.StaleVersion) as exc:
        messages.error(request, error_text(exc))
        return HttpResponseRedirect(duplicate.get_absolute_url())
    return HttpResponseRedirect(into.get_absolute_url())


def _units_for(request, incident: Incident):
    """Organisations that can take a task: those where it happened and the levels above."""
    codes = [c for c in incident.division.path.split("/") if c]
    near = Q(division__path__startswith=incident.division.path) | Q(division__code__in=codes)
    return scoped(Organisation.objects.filter(near).select_related("division"), request.user).order_by("path")


@login_required
@require_POST
def add_task(request, pk):
    incident = _incident_for(request, pk)
    form = forms.TaskForm(request.POST, units=_units_for(request, incident))
    if form.is_valid():
        try:
            services.add_task(request.user, incident, **form.cleaned_data)
            messages.success(request, _("Task added."))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, error_text(exc))
    else:
        messages.error(request, error_text(form))
    return HttpResponseRedirect(incident.get_absolute_url() + "#tasks")


@login_required
@require_POST
def finish_task(request, pk, task_pk):
    incident = _incident_for(request, pk)
    task = get_object_or_404(incident.tasks, pk=task_pk)
    status = request.POST.get("status", "done")
    if status in ("done", "cancelled"):
        services.finish_task(request.user, task, status, request.POST.get("note", ""))
    return HttpResponseRedirect(incident.get_absolute_url() + "#tasks")


@login_required
@require_POST
def add_rectification(request, pk):
    incident = _incident_for(request, pk)
    form = forms.RectificationForm(request.POST, units=_units_for(request, incident))
    if form.is_valid():
        services.add_rectification(request.user, incident, **form.cleaned_data)
        messages.success(request, _("Rectification item added."))
    else:
        messages.error(request, error_text(form))
    return HttpResponseRedirect(incident.get_absolute_url() + "#rectification")


@login_required
@require_POST
def rectification_step(request, pk, item_pk):
    incident = _incident_for(request, pk)
    item = get_object_or_404(incident.rectifications, pk=item_pk)
    try:
        if request.POST.get("step") == "verify":
            services.verify_rectification(request.user, item)
        else:
            services.report_rectified(request.user, item)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return HttpResponseRedirect(incident.get_absolute_url() + "#rectification")


RULE_FILES = {"policy": deadlines.DEFAULT_POLICY, "grading": grading.DATA_DIR / "grading.csv"}


def _current_table(kind: str) -> str:
    version = RuleTable.objects.filter(kind=kind).first()
    return version.content if version else RULE_FILES[kind].read_text(encoding="utf-8")


@login_required
def rules(request):
    """The grading table and the reporting policy in force, their history, and (for the administrator) upload."""
    if not can(request.user, "view", RuleTable):
        raise PermissionDenied
    can_upload = can(request.user, "change", RuleTable)
    errors = {}
    if request.method == "POST":
        if not can_upload:
            raise PermissionDenied
        kind = request.POST.get("kind")
        upload = request.FILES.get("file")
        if kind in services.LOADERS and upload is not None:
            try:
                content = upload.read().decode("utf-8-sig")
                services.upload_rules(request.user, kind, content, request.POST.get("note", ""))
                messages.success(request, _("The new table applies from now on."))
                return HttpResponseRedirect(request.path)
            except UnicodeDecodeError:
                errors[kind] = [_("Save the table as CSV in UTF-8.")]
            except ValidationError as exc:
                errors[kind] = exc.messages
        else:
            messages.error(request, _("Choose a CSV file."))
    return render(
        request,
        "incidents/rules.html",
        {
            "title": _("Grading and reporting rules"),
            "policy": services.policy(),
            "criteria": services.criteria(),
            "history": RuleTable.objects.select_related("created_by")[:20],
            "can_upload": can_upload,
            "errors": errors,
            "kinds": RuleTable.Kind.choices,
        },
    )


@login_required
def rules_csv(request, kind):
    if kind not in RULE_FILES or not can(request.user, "view", RuleTable):
        raise PermissionDenied
    response = HttpResponse("\ufeff" + _current_table(kind), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}.csv"'
    return response
