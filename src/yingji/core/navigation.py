"""The main menu. A module adds its entries with `register()` in its AppConfig.ready()."""

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    model: str = ""  # "app_label.ModelName": shown only to roles that may view it

    @property
    def url(self) -> str:
        return reverse(self.url_name)


@dataclass
class MenuGroup:
    label: str
    items: list[MenuItem] = field(default_factory=list)


MENU: list[MenuGroup] = []
# Panels a module adds to the home page: (template, function(request) -> context dict, or None to hide).
HOME_PANELS: list[tuple[str, object]] = []


def register_home_panel(template: str, context_function) -> None:
    HOME_PANELS.append((template, context_function))


def home_panels(request) -> list[tuple[str, dict]]:
    panels = []
    for template, function in HOME_PANELS:
        context = function(request)
        if context is not None:
            panels.append((template, context))
    return panels


# Panels a module adds to another module's detail pages: model label -> [(template, function(request, obj))].
OBJECT_PANELS: dict[str, list[tuple[str, object]]] = {}


def register_object_panel(model_label: str, template: str, context_function) -> None:
    """Show `template` on the detail page of `model_label` ("incidents.Incident") when the function
    returns a context dict for (request, object); None hides it."""
    OBJECT_PANELS.setdefault(model_label.lower(), []).append((template, context_function))


def object_panels(request, obj) -> list[tuple[str, dict]]:
    panels = []
    for template, function in OBJECT_PANELS.get(obj._meta.label_lower, []):
        context = function(request, obj)
        if context is not None:
            panels.append((template, context))
    return panels


def register(group_label, *items: MenuItem) -> None:
    for group in MENU:
        if group.label == group_label:
            group.items.extend(items)
            return
    MENU.append(MenuGroup(group_label, list(items)))


def menu_for(user) -> list[MenuGroup]:
    from django.apps import apps

    from yingji.core.scoping import can

    visible = []
    for group in MENU:
        items = [i for i in group.items if not i.model or can(user, "view", apps.get_model(i.model))]
        if items:
            visible.append(MenuGroup(group.label, items))
    return visible


register(
    _("Organisation"),
    MenuItem(_("Organisation tree"), "core:tree"),
    MenuItem(_("Organisations"), "core:organisation_list", "core.Organisation"),
    MenuItem(_("Contacts"), "core:contact_list", "core.Contact"),
    MenuItem(_("Divisions"), "core:division_list", "core.Division"),
)
register(
    _("System"),
    MenuItem(_("Change log"), "core:objectchange_list", "core.ObjectChange"),
    MenuItem(_("Sign-in log"), "core:authevent_list", "core.AuthEvent"),
    MenuItem(_("Users"), "core:user_list", "core.User"),
    MenuItem(_("API documentation"), "api-docs"),
)
