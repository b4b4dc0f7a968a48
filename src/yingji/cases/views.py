from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yingji.cases import filters, forms, services
from yingji.cases.models import Case, CaseAttachment
from yingji.core.generic import ObjectDeleteView, ObjectDetailView, ObjectEditView, ObjectListView
from yingji.core.scoping import can, in_scope, scoped
from yingji.core.tables import Column
from yingji.incidents.models import CASUALTY_FIELDS, EventType, Incident

CASE_COLUMNS = [
    Column("date", gettext_lazy("Date")),
    Column("title", gettext_lazy("Title"), link=True),
    Column("event_type.name", gettext_lazy("Event type")),
    Column("division.name", gettext_lazy("Division")),
    Column("level", gettext_lazy("Level")),
    Column("deaths", gettext_lazy("Dead")),
    Column("direct_loss_yuan", gettext_lazy("Direct loss (元)")),
    Column("owner.name", gettext_lazy("Owning organisation")),
    Column("published", gettext_lazy("Published")),
]

# An export is read away from the screen: it carries the whole write-up.
EXPORT_COLUMNS = [
    *CASE_COLUMNS[:3],
    Column("event_type.code", gettext_lazy("Event type code")),
    Column("division.name", gettext_lazy("Division")),
    Column("address", gettext_lazy("Address")),
    Column("level", gettext_lazy("Level")),
    *(Column(name, Case._meta.get_field(name).verbose_name) for name in CASUALTY_FIELDS),
    Column("course", gettext_lazy("Course of events")),
    Column("response", gettext_lazy("Response")),
    Column("lessons", gettext_lazy("Lessons learned")),
    Column("rectification", gettext_lazy("Rectification")),
    Column("sources", gettext_lazy("Sources")),
    Column("owner.name", gettext_lazy("Owning organisation")),
    Column("published", gettext_lazy("Published")),
]

TEXT_SECTIONS = ("course", "response", "lessons", "rectification", "sources")


class CaseListView(ObjectListView):
    model = Case
    queryset = Case.objects.select_related("event_type", "division", "owner")
    filterset_class = filters.CaseFilterSet
    columns = CASE_COLUMNS
    hidden_filters = ("owner", "incident")

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") in ("csv", "xlsx"):
            self.columns = EXPORT_COLUMNS
        return super().get(request, *args, **kwargs)


class CaseDetailView(ObjectDetailView):
    model = Case
    queryset = Case.objects.select_related("event_type", "division", "owner", "incident")
    template_name = "cases/case_detail.html"
    fields = [
        Column("date", gettext_lazy("Date")),
        Column("event_type", gettext_lazy("Event type")),
        Column("level", gettext_lazy("Level")),
        Column("division.name", gettext_lazy("Division")),
        Column("address", gettext_lazy("Address")),
        Column("owner.name", gettext_lazy("Owning organisation")),
    ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        case = self.object
        user = self.request.user
        may_change = services.may_change(user, case)
        if not may_change:
            # A published case of another organisation is read here, changed only by its owner.
            context["edit_url"] = context["delete_url"] = ""
        context.update(
            figures=[(Case._meta.get_field(n).verbose_name, getattr(case, n)) for n in CASUALTY_FIELDS],
            texts=[
                (Case._meta.get_field(n).verbose_name, getattr(case, n))
                for n in TEXT_SECTIONS
                if getattr(case, n)
            ],
            attachments=case.attachments.all(),
            may_change=may_change,
            # The source incident is linked for those who may open it; others see its number and title.
            incident_visible=case.incident_id is not None and in_scope(user, case.incident),
        )
        return context


class CaseEditView(ObjectEditView):
    model = Case
    form_class = forms.CaseForm
    template_name = "cases/case_form.html"

    def save(self, obj):
        return services.save(self.request.user, obj)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["event_types"] = EventType.objects.exclude(level="root").only("code", "name")
        return context


class CaseDeleteView(ObjectDeleteView):
    model = Case

    def post(self, request, *args, **kwargs):
        case = self.get_object()
        services.delete(request.user, case)
        messages.success(request, _("Deleted: %(object)s") % {"object": case})
        return HttpResponseRedirect(reverse("cases:case_list"))


@login_required
def from_incident(request, incident_pk):
    """The case form filled from a closed incident and its event log; saving creates the case linked to it."""
    user = request.user
    if not can(user, "add", Case):
        raise PermissionDenied
    try:
        incident = services.source_incident(user, incident_pk)
    except Incident.DoesNotExist:
        raise Http404(_("No incident of this number within your organisation.")) from None
    found = services.existing_case(incident)
    if found is not None:
        if in_scope(user, found):
            messages.info(request, _("A typical case was already written from this incident."))
            return HttpResponseRedirect(found.get_absolute_url())
        messages.error(
            request,
            _("A typical case was already written from this incident by %(owner)s; it is not yet published.")
            % {"owner": found.owner},
        )
        return HttpResponseRedirect(incident.get_absolute_url())
    try:
        services.check_closed(incident)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(incident.get_absolute_url())

    if request.method == "POST":
        form = forms.CaseForm(request.POST, user=user)
        if form.is_valid():
            values = {name: form.cleaned_data[name] for name in form.Meta.fields}
            try:
                case = services.create_from_incident(user, incident, values)
            except ValidationError as exc:
                form.add_error(None, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Saved: %(object)s") % {"object": case})
                return HttpResponseRedirect(case.get_absolute_url())
    else:
        form = forms.CaseForm(initial=services.prefill(incident), user=user)
    return render(
        request,
        "cases/case_form.html",
        {
            "form": form,
            "incident": incident,
            "title": _("New typical case from incident %(number)s") % {"number": incident.number},
            "event_types": EventType.objects.exclude(level="root").only("code", "name"),
            "cancel_url": incident.get_absolute_url(),
        },
    )


def _case_to_change(request, pk) -> Case:
    return get_object_or_404(scoped(Case.objects.all(), request.user, "change"), pk=pk)


@login_required
@require_POST
def upload_attachment(request, pk):
    case = _case_to_change(request, pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file to attach."))
    else:
        try:
            services.attach(request.user, case, upload)
            messages.success(request, _("Attached %(name)s.") % {"name": upload.name})
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return HttpResponseRedirect(case.get_absolute_url() + "#attachments")


@login_required
@require_POST
def delete_attachment(request, pk):
    item = get_object_or_404(scoped(CaseAttachment.objects.select_related("case"), request.user), pk=pk)
    services.remove_attachment(request.user, item)
    messages.success(request, _("Deleted: %(object)s") % {"object": item.name})
    return HttpResponseRedirect(item.case.get_absolute_url() + "#attachments")


@login_required
def attachment(request, pk):
    item = get_object_or_404(scoped(CaseAttachment.objects.all(), request.user), pk=pk)
    return FileResponse(item.file.open("rb"), as_attachment=True, filename=item.name)


def incident_panel(request, incident):
    """On a closed incident's page: its case, or the way to write one."""
    if incident.status not in services.CASE_STATUSES or not can(request.user, "add", Case):
        return None
    return {
        "incident": incident,
        "case": scoped(Case.objects.filter(incident=incident), request.user).first(),
    }
