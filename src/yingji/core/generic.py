"""Generic list, detail, edit and delete views: a module declares model, filterset, columns and form.

Every queryset goes through `scoped()`, so a record outside the user's reach is a 404.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ProtectedError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views import generic

from yingji.core import export, services
from yingji.core.changelog import history
from yingji.core.navigation import object_panels
from yingji.core.scoping import can, scoped
from yingji.core.tables import Column


def error_text(source) -> str:
    """The messages of a ValidationError, a PermissionDenied or a bound form's errors, as one line."""
    if hasattr(source, "errors") and hasattr(source, "is_bound"):
        return " ".join(str(e) for errors in source.errors.values() for e in errors)
    return " ".join(getattr(source, "messages", [str(source)]))


def act(request, obj, function, success: str, *, form=None, follow_result: bool = False) -> HttpResponseRedirect:
    """A POST step on a record's page: check the `form` if there is one, run the service call, say how it went,
    go back to the record (or, with `follow_result`, to the record the call returned). A form's errors and the
    service's refusals come back as messages, not error pages."""
    if form is not None and not form.is_valid():
        messages.error(request, error_text(form))
        return HttpResponseRedirect(obj.get_absolute_url())
    try:
        result = function()
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
        return HttpResponseRedirect(obj.get_absolute_url())
    messages.success(request, success)
    target = result if follow_result and result is not None else obj
    return HttpResponseRedirect(target.get_absolute_url())


def url_name(model, view: str) -> str:
    return f"{model._meta.app_label}:{model._meta.model_name}_{view}"


def model_url(user, action: str, model, view: str, *args) -> str:
    """The URL of a model's view when the user's role allows the action and the view exists; else ""."""
    if not can(user, action, model):
        return ""
    try:
        return reverse(url_name(model, view), args=args)
    except NoReverseMatch:
        return ""


class ModelViewMixin(LoginRequiredMixin):
    model = None
    queryset = None
    action = "view"

    def base_queryset(self):
        return self.queryset.all() if self.queryset is not None else self.model._default_manager.all()

    def get_queryset(self):
        return scoped(self.base_queryset(), self.request.user, self.action)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        meta = self.model._meta
        user = self.request.user
        context.update(
            meta=meta,
            can_add=can(user, "add", self.model),
            can_change=can(user, "change", self.model),
            can_delete=can(user, "delete", self.model),
            list_url=model_url(user, "view", self.model, "list"),
            add_url=model_url(user, "add", self.model, "add"),
            import_url=model_url(user, "add", self.model, "import"),
        )
        return context


class ObjectListView(ModelViewMixin, generic.ListView):
    filterset_class = None
    columns: list[Column] = []
    # Filters over records that grow with the city (parent organisation, owner): kept out of the filter bar,
    # whose selects would otherwise list thousands of options on every page view. They still work from links
    # (?owner=12) and in the API.
    hidden_filters: tuple[str, ...] = ()
    # Filters applied when the page is opened without any (e.g. only what is still open).
    default_filters: dict[str, str] = {}
    paginate_by = 50
    template_name = "core/generic/object_list.html"

    def get_queryset(self):
        self.filterset = self.filterset_class(
            self.request.GET or self.default_filters or None,
            queryset=super().get_queryset(),
            request=self.request,
        )
        return (
            self.filterset.qs
            if self.filterset.is_bound and self.filterset.is_valid()
            else self.filterset.queryset
        )

    def get(self, request, *args, **kwargs):
        if not can(request.user, "view", self.model):
            raise PermissionDenied
        fmt = request.GET.get("export")
        if fmt in ("csv", "xlsx"):
            queryset = self.get_queryset()
            stem = self.model._meta.model_name
            if fmt == "csv":
                return export.csv_response(queryset, self.columns, stem)
            return export.xlsx_response(queryset, self.columns, stem, self.model._meta.verbose_name_plural)
        return super().get(request, *args, **kwargs)

    def get_paginate_by(self, queryset):
        try:
            return min(max(int(self.request.GET.get("per_page", self.paginate_by)), 10), 500)
        except ValueError:
            return self.paginate_by

    def get_template_names(self):
        if self.request.htmx and self.request.htmx.target == "object-table":
            return ["core/generic/object_table.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filterset=self.filterset,
            hidden_filters=self.hidden_filters,
            columns=self.columns,
            rows=[(obj, [c.value(obj) for c in self.columns]) for obj in context["object_list"]],
            query_string=query.urlencode(),
            title=self.model._meta.verbose_name_plural,
        )
        return context


class ObjectDetailView(ModelViewMixin, generic.DetailView):
    template_name = "core/generic/object_detail.html"
    fields: list[Column] = []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = self.object
        user = self.request.user
        context.update(
            title=str(obj),
            fields=[(c.label, c.value(obj)) for c in self.fields],
            changes=history(obj)[:20],
            panels=object_panels(self.request, obj),
            edit_url=model_url(user, "change", self.model, "edit", obj.pk),
            delete_url=model_url(user, "delete", self.model, "delete", obj.pk),
        )
        return context


class ObjectEditView(ModelViewMixin, generic.UpdateView):
    """Create (no pk in the URL) or edit; the save goes through `services.save_scoped` or `save()` below."""

    form_class = None
    template_name = "core/generic/object_form.html"

    def get_object(self, queryset=None):
        if "pk" not in self.kwargs:
            if not can(self.request.user, "add", self.model):
                raise PermissionDenied
            return self.model(**self.initial_values())
        self.action = "change"
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def initial_values(self) -> dict:
        """Field values a new record starts with (from the query string, e.g. ?owner=3)."""
        return {}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        if self.object.pk is None:
            kwargs["initial"] = {**kwargs.get("initial", {}), **self.request.GET.dict()}
        return kwargs

    def save(self, obj):
        return services.save_scoped(self.request.user, obj)

    def form_valid(self, form):
        try:
            self.object = self.save(form.instance)
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("You may not save this record here."))
            return self.form_invalid(form)
        messages.success(self.request, _("Saved: %(object)s") % {"object": self.object})
        return HttpResponseRedirect(self.object.get_absolute_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.object.pk:
            context["title"] = _("Edit %(object)s") % {"object": self.object}
        else:
            context["title"] = _("New %(type)s") % {"type": self.model._meta.verbose_name}
        return context


class ObjectDeleteView(ModelViewMixin, generic.DetailView):
    action = "delete"
    template_name = "core/generic/object_confirm_delete.html"

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        try:
            services.delete_scoped(request.user, obj)
        except ProtectedError as exc:
            blockers = ", ".join(sorted({str(o) for o in list(exc.protected_objects)[:5]}))
            messages.error(
                request,
                _("%(object)s cannot be deleted while these refer to it: %(list)s")
                % {"object": obj, "list": blockers},
            )
            return HttpResponseRedirect(obj.get_absolute_url())
        messages.success(request, _("Deleted: %(object)s") % {"object": obj})
        return HttpResponseRedirect(reverse(url_name(self.model, "list")))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Delete %(object)s?") % {"object": self.object}
        return context


def crud_urls(prefix: str, model, *, list_view, detail_view, edit_view, delete_view):
    """The five routes every module model has: list, detail, add, edit, delete."""
    from django.urls import path

    name = model._meta.model_name
    return [
        path(f"{prefix}/", list_view.as_view(), name=f"{name}_list"),
        path(f"{prefix}/add/", edit_view.as_view(), name=f"{name}_add"),
        path(f"{prefix}/<int:pk>/", detail_view.as_view(), name=f"{name}_detail"),
        path(f"{prefix}/<int:pk>/edit/", edit_view.as_view(), name=f"{name}_edit"),
        path(f"{prefix}/<int:pk>/delete/", delete_view.as_view(), name=f"{name}_delete"),
    ]
