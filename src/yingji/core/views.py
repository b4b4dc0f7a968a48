from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from yingji.core import filters, forms
from yingji.core.generic import ObjectDeleteView, ObjectDetailView, ObjectEditView, ObjectListView
from yingji.core.importing import ImportSpec, ImportView
from yingji.core.models import (
    AuthEvent,
    Contact,
    Division,
    ObjectChange,
    Organisation,
    OrganisationKind,
    User,
)
from yingji.core.navigation import home_panels
from yingji.core.scoping import scoped
from yingji.core.tables import Column


class LoginView(auth_views.LoginView):
    form_class = forms.LoginForm
    template_name = "core/login.html"
    redirect_authenticated_user = True


@login_required
def home(request):
    user = request.user
    orgs = scoped(Organisation.objects.all(), user)
    context = {
        "organisation_count": orgs.count(),
        "contact_count": scoped(Contact.objects.all(), user).count(),
        "division_count": scoped(Division.objects.all(), user).count(),
        "recent_changes": scoped(ObjectChange.objects.select_related("content_type"), user)[:8],
        "notifications": user.notifications.all()[:5],
        "panels": home_panels(request),
    }
    return render(request, "core/home.html", context)


@login_required
def tree(request):
    """The user's top divisions and the level below them, each with its organisations as a nested tree."""
    user = request.user
    divisions = list(scoped(Division.objects.all(), user).annotate(child_count=Count("children")))
    ids = {d.pk for d in divisions}
    children: dict[int | None, list] = {}
    for d in divisions:
        children.setdefault(d.parent_id if d.parent_id in ids else None, []).append(d)
    shown = [*children.get(None, [])]
    shown += [c for d in shown for c in children.get(d.pk, [])]
    orgs_by_division: dict[int, list] = {}
    kind_rank = {kind: i for i, kind in enumerate(OrganisationKind.values)}
    orgs = scoped(Organisation.objects.filter(division__in=shown), user)
    for org in sorted(orgs, key=lambda o: (kind_rank.get(o.kind, 99), o.name)):
        orgs_by_division.setdefault(org.division_id, []).append(org)

    def org_tree(orgs):
        known = {o.pk for o in orgs}
        kids: dict[int | None, list] = {}
        for o in orgs:
            kids.setdefault(o.parent_id if o.parent_id in known else None, []).append(o)

        def nest(parent_id):
            return [{"org": o, "children": nest(o.pk)} for o in kids.get(parent_id, [])]

        return nest(None)

    nodes = [
        {
            "division": root,
            "organisations": org_tree(orgs_by_division.get(root.pk, [])),
            "children": [
                {"division": c, "organisations": org_tree(orgs_by_division.get(c.pk, []))}
                for c in children.get(root.pk, [])
            ],
        }
        for root in children.get(None, [])
    ]
    return render(request, "core/tree.html", {"nodes": nodes, "title": _("Organisation tree")})


# Divisions

DIVISION_COLUMNS = [
    Column("code", _("Code")),
    Column("name", _("Name"), link=True),
    Column("level", _("Level")),
    Column("parent.name", _("Parent division")),
    Column("population", _("Population")),
]


class DivisionListView(ObjectListView):
    model = Division
    queryset = Division.objects.select_related("parent")
    filterset_class = filters.DivisionFilterSet
    columns = DIVISION_COLUMNS
    hidden_filters = ("parent",)


class DivisionDetailView(ObjectDetailView):
    model = Division
    queryset = Division.objects.select_related("parent")
    template_name = "core/division_detail.html"
    fields = [*DIVISION_COLUMNS, Column("latitude", _("Latitude")), Column("longitude", _("Longitude"))]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        division = self.object
        context["subdivisions"] = scoped(division.children.annotate(org_count=Count("organisations")), user)
        context["organisations"] = scoped(
            division.organisations.select_related("parent").annotate(contact_count=Count("contacts")), user
        )
        context["markers"] = [
            {
                "lat": float(d.latitude),
                "lon": float(d.longitude),
                "label": d.name,
                "url": d.get_absolute_url(),
            }
            for d in [division, *context["subdivisions"]]
            if d.latitude is not None
        ]
        return context


class DivisionEditView(ObjectEditView):
    model = Division
    form_class = forms.DivisionForm


class DivisionDeleteView(ObjectDeleteView):
    model = Division


# Organisations

ORGANISATION_COLUMNS = [
    Column("name", _("Name"), link=True),
    Column("kind", _("Kind")),
    Column("division.name", _("Division")),
    Column("parent.name", _("Parent organisation")),
    Column("phone", _("Duty phone")),
    Column("address", _("Address")),
]


class OrganisationListView(ObjectListView):
    model = Organisation
    queryset = Organisation.objects.select_related("division", "parent")
    filterset_class = filters.OrganisationFilterSet
    columns = ORGANISATION_COLUMNS
    hidden_filters = ("parent",)


class OrganisationDetailView(ObjectDetailView):
    model = Organisation
    queryset = Organisation.objects.select_related("division", "parent")
    template_name = "core/organisation_detail.html"
    fields = [
        *ORGANISATION_COLUMNS,
        Column("credit_code", _("Unified social credit code")),
        Column("responsibilities", _("Responsibilities")),
    ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["contacts"] = scoped(self.object.contacts.all(), user)
        context["units"] = scoped(
            self.object.children.select_related("division").order_by("kind", "name"), user
        )
        return context


class OrganisationEditView(ObjectEditView):
    model = Organisation
    form_class = forms.OrganisationForm


class OrganisationDeleteView(ObjectDeleteView):
    model = Organisation


# Contacts

CONTACT_COLUMNS = [
    Column("name", _("Full name"), link=True),
    Column("post", _("Post")),
    Column("owner.name", Contact._meta.get_field("owner").verbose_name),
    Column("mobile", _("Mobile")),
    Column("office_phone", _("Office phone")),
    Column("email", _("Email")),
]


class ContactListView(ObjectListView):
    model = Contact
    queryset = Contact.objects.select_related("owner")
    filterset_class = filters.ContactFilterSet
    columns = CONTACT_COLUMNS
    hidden_filters = ("owner",)


class ContactImportView(ImportView):
    spec = ImportSpec(
        model=Contact,
        form_class=forms.ContactForm,
        columns=["owner", "name", "post", "mobile", "office_phone", "email", "is_primary"],
        key=("owner", "name"),
        example=[
            "梅州市水利局",
            "王小明",
            "值班员",
            "13700000000",
            "0753-2000000",
            "wang@example.gov.cn",
            "否",
        ],
    )


class ContactDetailView(ObjectDetailView):
    model = Contact
    queryset = Contact.objects.select_related("owner")
    fields = [*CONTACT_COLUMNS, Column("is_primary", _("Primary contact"))]


class ContactEditView(ObjectEditView):
    model = Contact
    form_class = forms.ContactForm


class ContactDeleteView(ObjectDeleteView):
    model = Contact


# Users (system administrators)

USER_COLUMNS = [
    Column("username", _("User name"), link=True),
    Column("first_name", _("Full name")),
    Column("organisation.name", User._meta.get_field("organisation").verbose_name),
    Column("role", _("Role")),
    Column("is_active", _("Active")),
    Column("last_login", _("Last sign-in")),
]


class UserListView(ObjectListView):
    model = User
    queryset = User.objects.select_related("organisation")
    filterset_class = filters.UserFilterSet
    columns = USER_COLUMNS
    hidden_filters = ("organisation",)


class UserDetailView(ObjectDetailView):
    model = User
    queryset = User.objects.select_related("organisation")
    fields = [*USER_COLUMNS, Column("email", _("Email")), Column("mobile", _("Mobile"))]


class UserEditView(ObjectEditView):
    model = User
    form_class = forms.UserForm


class UserDeleteView(ObjectDeleteView):
    model = User


# Logs


class ChangeListView(ObjectListView):
    model = ObjectChange
    queryset = ObjectChange.objects.select_related("content_type")
    filterset_class = filters.ObjectChangeFilterSet
    template_name = "core/change_list.html"
    columns = [
        Column("time", _("Time"), link=True),
        Column("user_name", _("User")),
        Column("action", _("Action")),
        Column("content_type.name", _("Type")),
        Column("object_repr", _("Object")),
        Column("request_id", _("Request id")),
    ]


class ChangeDetailView(ObjectDetailView):
    model = ObjectChange
    queryset = ObjectChange.objects.select_related("content_type")
    template_name = "core/change_detail.html"


class AuthEventListView(ObjectListView):
    model = AuthEvent
    queryset = AuthEvent.objects.all()
    filterset_class = filters.AuthEventFilterSet
    columns = [
        Column("time", _("Time")),
        Column("username", _("User name")),
        Column("kind", _("Event")),
        Column("ip_address", _("IP address")),
        Column("user_agent", _("Browser")),
    ]


@login_required
def notifications(request):
    items = request.user.notifications.all()[:100]
    return render(request, "core/notifications.html", {"items": items, "title": _("Notifications")})


@login_required
@require_POST
def notifications_read(request):
    request.user.notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
    return redirect("core:notifications")


@login_required
def api_token(request):
    """Show, create or renew the user's API token."""
    if request.method == "POST":
        Token.objects.filter(user=request.user).delete()
        token = Token.objects.create(user=request.user)
        return render(
            request, "core/api_token.html", {"token": token, "fresh": True, "title": _("API token")}
        )
    token = Token.objects.filter(user=request.user).first()
    return render(request, "core/api_token.html", {"token": token, "fresh": False, "title": _("API token")})
