from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
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
from yingji.core.scoping import can, in_scope, scoped
from yingji.core.services import save_scoped
from yingji.core.tables import Column
from yingji.incidents.models import Incident
from yingji.plans import coverage, filters, forms, imports, services
from yingji.plans.models import (
    CalendarDay,
    Plan,
    PlanAttachment,
    PlanVersion,
    RequiredPlan,
    ResponseLevel,
    ReviewCycle,
)

PLAN_COLUMNS = [
    Column("title", gettext_lazy("Title"), link=True),
    Column("number", gettext_lazy("Document number")),
    Column("kind", gettext_lazy("Kind")),
    Column("category", gettext_lazy("Category")),
    Column("level", gettext_lazy("Level")),
    Column("owner.name", gettext_lazy("Owner")),
    Column("status", gettext_lazy("Status")),
    Column("issued_on", gettext_lazy("Issued on")),
    Column("filing", gettext_lazy("Filing")),
    Column("filing_due", gettext_lazy("Filing due")),
    Column("evaluation_due", gettext_lazy("Evaluation due")),
    Column("drill_due", gettext_lazy("Drill due")),
]


class PlanListView(ObjectListView):
    model = Plan
    queryset = Plan.objects.select_related("owner")
    filterset_class = filters.PlanFilterSet
    columns = PLAN_COLUMNS


class PlanDetailView(ObjectDetailView):
    model = Plan
    queryset = Plan.objects.select_related("owner__division", "required", "filing_body")
    template_name = "plans/plan_detail.html"
    fields = [
        Column("number", gettext_lazy("Document number")),
        Column("kind", gettext_lazy("Kind")),
        Column("category", gettext_lazy("Category")),
        Column("required", gettext_lazy("Fulfils required plan")),
        Column("event_types", gettext_lazy("Event types")),
        Column("level", gettext_lazy("Level")),
        Column("owner.name", gettext_lazy("Owner")),
        Column("approved_by", gettext_lazy("Approving body")),
        Column("issued_on", gettext_lazy("Issued on")),
        Column("effective_on", gettext_lazy("Effective on")),
        Column("status", gettext_lazy("Status")),
        Column("high_risk", gettext_lazy("High-risk unit")),
        Column("summary", gettext_lazy("Summary")),
    ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan, user = self.object, self.request.user
        editable = in_scope(user, plan, "change")
        context.update(
            state_key=(state := coverage.plan_state(plan)),
            state=coverage.Cell.LABELS[state],
            editable=editable,
            may_file=plan.filing in services.PENDING and services.may_file(user, plan),
            versions=plan.versions.all(),
            attachments=plan.attachments.all(),
            regulations=plan.regulations.all(),
            attachment_form=forms.AttachmentForm(),
            steps=plan.filing_steps.select_related("by"),
            drills=plan.drills.all(),
            reviews=plan.reviews.all(),
            levels=plan.response_levels.select_related("lead").prefetch_related("duties__unit"),
            activations=plan.activations.select_related("incident", "by"),
            version_form=forms.VersionForm(),
            drill_form=forms.DrillForm(),
            review_form=forms.ReviewForm(),
            return_form=forms.ReturnForm(),
            level_form=forms.ResponseLevelForm(user=user) if editable else None,
            duty_form=forms.UnitDutyForm(user=user) if editable else None,
        )
        return context


class PlanEditView(ObjectEditView):
    model = Plan
    form_class = forms.PlanForm

    def initial_values(self):
        return {"owner": self.request.user.organisation}

    def save(self, obj):
        return services.save_plan(self.request.user, obj)


class PlanDeleteView(ObjectDeleteView):
    model = Plan


def _plan_for(request, pk, action="change") -> Plan:
    return get_object_or_404(scoped(Plan.objects.all(), request.user, action), pk=pk)


@login_required
@require_POST
def submit(request, pk):
    plan = _plan_for(request, pk)
    return act(request, plan, lambda: services.submit(request.user, plan), _("Submitted for filing."))


@login_required
@require_POST
def file_plan(request, pk):
    plan = _plan_for(request, pk, "view")
    return act(
        request, plan, lambda: services.file(request.user, plan, request.POST.get("note", "")), _("Filed.")
    )


@login_required
@require_POST
def receive_plan(request, pk):
    plan = _plan_for(request, pk, "view")
    return act(request, plan, lambda: services.receive(request.user, plan), _("Receipt recorded."))


@login_required
@require_POST
def return_plan(request, pk):
    plan = _plan_for(request, pk, "view")
    reason = request.POST.get("note", "")
    return act(
        request, plan, lambda: services.return_for_revision(request.user, plan, reason), _("Returned.")
    )


@login_required
@require_POST
def upload_version(request, pk):
    plan = _plan_for(request, pk)
    form = forms.VersionForm(request.POST, request.FILES)
    return act(
        request,
        plan,
        lambda: services.add_version(
            request.user,
            plan,
            form.cleaned_data["file"],
            changes=form.cleaned_data["changes"],
            approved_by=form.cleaned_data["approved_by"],
            approved_on=form.cleaned_data["approved_on"],
        ),
        _("Version saved."),
        form=form,
    )


@login_required
@require_POST
def upload_attachment(request, pk):
    plan = _plan_for(request, pk)
    form = forms.AttachmentForm(request.POST, request.FILES)
    return act(
        request,
        plan,
        lambda: services.add_attachment(
            request.user, plan, form.cleaned_data["file"], form.cleaned_data["title"]
        ),
        _("Attachment saved."),
        form=form,
    )


@login_required
def version_file(request, pk):
    version = get_object_or_404(scoped(PlanVersion.objects.all(), request.user), pk=pk)
    return FileResponse(version.file.open("rb"), as_attachment=True, filename=version.file_name)


@login_required
def attachment_file(request, pk):
    attachment = get_object_or_404(scoped(PlanAttachment.objects.all(), request.user), pk=pk)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.file_name)


def _add_part(request, pk, form_class, service, success, **form_kwargs):
    plan = _plan_for(request, pk)
    form = form_class(request.POST, **form_kwargs)
    form.instance.plan = plan
    return act(request, plan, lambda: service(request.user, form.instance), success, form=form)


@login_required
@require_POST
def add_drill(request, pk):
    return _add_part(request, pk, forms.DrillForm, services.record_drill, _("Drill recorded."))


@login_required
@require_POST
def add_review(request, pk):
    return _add_part(request, pk, forms.ReviewForm, services.record_review, _("Review recorded."))


@login_required
@require_POST
def add_level(request, pk):
    return _add_part(
        request, pk, forms.ResponseLevelForm, save_scoped, _("Response level saved."), user=request.user
    )


@login_required
@require_POST
def add_duty(request, pk, level_pk):
    plan = _plan_for(request, pk)
    level = get_object_or_404(ResponseLevel, plan=plan, pk=level_pk)
    form = forms.UnitDutyForm(request.POST, user=request.user)
    form.instance.response_level = level
    return act(request, plan, lambda: save_scoped(request.user, form.instance), _("Duty saved."), form=form)


@login_required
@require_POST
def activate(request, incident_pk):
    incident = get_object_or_404(scoped(Incident.objects.all(), request.user, "change"), pk=incident_pk)
    form = forms.ActivateForm(request.POST)
    if form.is_valid():
        plan = get_object_or_404(scoped(Plan.objects.all(), request.user), pk=form.cleaned_data["plan"])
        try:
            activation = services.activate(request.user, plan, incident, form.cleaned_data["level"])
            messages.success(
                request,
                _("%(plan)s activated at level %(level)s; %(n)s tasks assigned.")
                % {
                    "plan": plan.title,
                    "level": activation.get_level_display(),
                    "n": activation.tasks_created,
                },
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, error_text(exc))
    else:
        messages.error(request, error_text(form))
    return HttpResponseRedirect(incident.get_absolute_url())


def incident_panel(request, incident):
    """Plans proposed for an incident, on its page."""
    if not can(request.user, "view", Plan):
        return None
    return {
        "proposals": services.proposals(request.user, incident),
        "activations": incident.activations.select_related("plan"),
        "may_activate": in_scope(request.user, incident, "change"),
        "incident": incident,
    }


def regulation_panel(request, regulation):
    """On a regulation's page: the plans that rest on it."""
    plans = scoped(regulation.plans.select_related("owner"), request.user)
    return {"plans": plans} if plans.exists() else None


@login_required
def coverage_view(request):
    if not can(request.user, "view", Plan):
        raise PermissionDenied
    matrix = coverage.matrix(request.user)
    counts = coverage.counts(request.user)
    if request.GET.get("export") == "xlsx":
        return coverage.xlsx(matrix, counts)
    return render(
        request,
        "plans/coverage.html",
        {
            "title": _("Plan coverage"),
            "matrix": matrix,
            "labels": coverage.Cell.LABELS,
            "counts": counts,
            "kinds": [k.label for k in coverage.COUNTED_KINDS],
            "mismatches": coverage.consistency(request.user),
        },
    )


@login_required
def import_view(request):
    if not can(request.user, "add", Plan):
        raise PermissionDenied
    report = None
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        report = imports.import_plans(
            request.user, form.cleaned_data["table"], request.FILES.getlist("files")
        )
        if report.ok:
            messages.success(request, _("%(n)s plans imported.") % {"n": report.created + report.updated})
            return HttpResponseRedirect(reverse("plans:plan_list"))
    return render(request, "plans/import.html", {"title": _("Import plans"), "form": form, "report": report})


@login_required
def import_template(request):
    return imports.template_response()


def reference_views(model, form_class, filterset_class, columns):
    """List, detail, edit and delete views of an editable reference table."""
    detail_fields = [c for c in columns if not c.link]
    views = (
        type(
            f"{model.__name__}List",
            (ObjectListView,),
            {"model": model, "filterset_class": filterset_class, "columns": columns},
        ),
        type(f"{model.__name__}Detail", (ObjectDetailView,), {"model": model, "fields": detail_fields}),
        type(f"{model.__name__}Edit", (ObjectEditView,), {"model": model, "form_class": form_class}),
        type(f"{model.__name__}Delete", (ObjectDeleteView,), {"model": model}),
    )
    return dict(zip(("list_view", "detail_view", "edit_view", "delete_view"), views, strict=True))


REQUIRED_VIEWS = reference_views(
    RequiredPlan,
    forms.RequiredPlanForm,
    filters.RequiredPlanFilterSet,
    [
        Column("order", gettext_lazy("Order")),
        Column("name", gettext_lazy("Name"), link=True),
        Column("category", gettext_lazy("Category")),
        Column("event_types", gettext_lazy("Event types")),
        Column("lead_department", gettext_lazy("Usual lead department")),
        Column("source", gettext_lazy("Source")),
    ],
)
CALENDAR_VIEWS = reference_views(
    CalendarDay,
    forms.CalendarDayForm,
    filters.CalendarDayFilterSet,
    [
        Column("date", gettext_lazy("Date"), link=True),
        Column("kind", gettext_lazy("Kind")),
        Column("name", gettext_lazy("Name")),
        Column("source", gettext_lazy("Source")),
    ],
)
CYCLE_VIEWS = reference_views(
    ReviewCycle,
    forms.ReviewCycleForm,
    filters.ReviewCycleFilterSet,
    [
        Column("kind", gettext_lazy("Plan kind"), link=True),
        Column("category", gettext_lazy("Category")),
        Column("high_risk", gettext_lazy("High-risk unit")),
        Column("evaluation_months", gettext_lazy("Evaluation every (months)")),
        Column("drill_months", gettext_lazy("Drill every (months)")),
        Column("mark", gettext_lazy("Mark")),
        Column("source", gettext_lazy("Source")),
    ],
)
