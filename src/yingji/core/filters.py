"""One FilterSet per model, used by the list page, the API and the exports alike."""

import django_filters
from django.apps import apps
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yingji.core.models import (
    AuthEvent,
    AuthEventKind,
    ChangeAction,
    Contact,
    Division,
    DivisionLevel,
    ObjectChange,
    Organisation,
    OrganisationKind,
    User,
)
from yingji.core.roles import Role
from yingji.core.scoping import scoped


class SearchFilterSet(django_filters.FilterSet):
    """Adds `q`: a text search over the model's `search_fields`."""

    search_fields: tuple[str, ...] = ()
    q = django_filters.CharFilter(label=_("Search"), method="search")

    def __init__(self, data=None, queryset=None, *, request=None, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        user = getattr(request, "user", None)
        for f in self.filters.values():
            if getattr(f, "queryset", None) is not None:
                # Choices in a filter never name records the user may not see.
                f.queryset = scoped(f.queryset, user) if user is not None else f.queryset.none()

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)


class WithinDivisionFilter(django_filters.ModelChoiceFilter):
    """Records in a division or any division under it."""

    def __init__(self, *args, lookup="division", **kwargs):
        self.path_lookup = f"{lookup}__path__startswith" if lookup else "path__startswith"
        # Down to towns: a city has a few hundred of those, but thousands of villages.
        kwargs.setdefault("queryset", Division.objects.exclude(level=DivisionLevel.VILLAGE))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        return qs.filter(**{self.path_lookup: value.path}) if value else qs


class DivisionFilterSet(SearchFilterSet):
    search_fields = ("name", "code")
    level = django_filters.ChoiceFilter(label=_("Level"), choices=DivisionLevel.choices)
    within = WithinDivisionFilter(label=_("Within"), lookup="")

    class Meta:
        model = Division
        fields = ["q", "level", "parent"]


class OrganisationFilterSet(SearchFilterSet):
    search_fields = ("name", "short_name", "address", "division__name")
    kind = django_filters.MultipleChoiceFilter(label=_("Kind"), choices=OrganisationKind.choices)
    division = WithinDivisionFilter(label=_("Division (and below)"))

    class Meta:
        model = Organisation
        fields = ["q", "kind", "division", "parent"]


class ContactFilterSet(SearchFilterSet):
    search_fields = ("name", "post", "mobile", "office_phone", "email", "owner__name")
    division = WithinDivisionFilter(label=_("Division (and below)"), lookup="owner__division")
    kind = django_filters.ChoiceFilter(
        label=_("Organisation kind"), field_name="owner__kind", choices=OrganisationKind.choices
    )

    class Meta:
        model = Contact
        fields = ["q", "owner", "division", "kind", "is_primary"]


def logged_types():
    from yingji.core.changelog import is_logged

    models = [m for m in apps.get_models() if is_logged(m)]
    return sorted(((m._meta.model_name, m._meta.verbose_name) for m in models), key=lambda c: c[0])


class ObjectChangeFilterSet(SearchFilterSet):
    search_fields = ("object_repr", "user_name")
    user = django_filters.CharFilter(label=_("User"), field_name="user_name", lookup_expr="iexact")
    action = django_filters.ChoiceFilter(label=_("Action"), choices=ChangeAction.choices)
    type = django_filters.ChoiceFilter(
        label=_("Type"), field_name="content_type__model", choices=logged_types
    )
    since = django_filters.DateFilter(label=_("From"), field_name="time", lookup_expr="date__gte")
    until = django_filters.DateFilter(label=_("To"), field_name="time", lookup_expr="date__lte")
    request_id = django_filters.UUIDFilter(label=_("Request id"))

    class Meta:
        model = ObjectChange
        fields = ["q", "user", "type", "action", "since", "until", "request_id"]


class AuthEventFilterSet(SearchFilterSet):
    search_fields = ("username", "ip_address")
    kind = django_filters.ChoiceFilter(label=_("Event"), choices=AuthEventKind.choices)
    since = django_filters.DateFilter(label=_("From"), field_name="time", lookup_expr="date__gte")
    until = django_filters.DateFilter(label=_("To"), field_name="time", lookup_expr="date__lte")

    class Meta:
        model = AuthEvent
        fields = ["q", "kind", "since", "until"]


class UserFilterSet(SearchFilterSet):
    search_fields = ("username", "first_name", "last_name", "email", "organisation__name")
    role = django_filters.ChoiceFilter(label=_("Role"), choices=Role.choices)

    class Meta:
        model = User
        fields = ["q", "role", "organisation", "is_active"]
