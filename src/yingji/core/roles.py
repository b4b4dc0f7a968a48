"""Roles, what each may do, and how far each sees.

A role sees either its jurisdiction (every record whose owning organisation lies in the
user's division or below it) or its organisation (the user's organisation and those
under it). Actions are checked per model family: "library" data (organisations,
contacts, and later plans, resources...) and "admin" data (users).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    JURISDICTION = "jurisdiction", _("Own division and below")
    ORGANISATION = "organisation", _("Own organisation and below")


class Action(models.TextChoices):
    VIEW = "view", _("view")
    ADD = "add", _("add")
    CHANGE = "change", _("change")
    DELETE = "delete", _("delete")


class Role(models.TextChoices):
    ADMIN = "admin", _("System administrator")
    OFFICE = "office", _("Emergency office staff")
    DUTY = "duty", _("Duty officer")
    LEADER = "leader", _("Leader")
    LIAISON = "liaison", _("Department liaison")

    @property
    def scope(self) -> Scope:
        return Scope.ORGANISATION if self is Role.LIAISON else Scope.JURISDICTION


ALL = frozenset(Action)
READ = frozenset({Action.VIEW})

# Permission families: a model declares `permission_family`; the default is "library".
PERMISSIONS: dict[str, dict[Role, frozenset]] = {
    "library": {
        Role.ADMIN: ALL,
        Role.OFFICE: ALL,
        Role.LIAISON: ALL,
        Role.DUTY: READ,
        Role.LEADER: READ,
    },
    "reporting": {  # incidents and their obligations: duty officers take reports, leaders decide
        Role.ADMIN: ALL,
        Role.OFFICE: ALL,
        Role.DUTY: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.LEADER: frozenset({Action.VIEW, Action.CHANGE}),
        Role.LIAISON: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
    },
    "reference": {  # divisions and other shared reference data
        Role.ADMIN: ALL,
        Role.OFFICE: READ,
        Role.LIAISON: READ,
        Role.DUTY: READ,
        Role.LEADER: READ,
    },
    "security": {  # users and sign-in events
        Role.ADMIN: ALL,
    },
    "audit": {  # the change log and sign-in events: read only, for everyone in scope
        Role.ADMIN: READ,
        Role.OFFICE: READ,
        Role.LIAISON: READ,
        Role.DUTY: READ,
        Role.LEADER: READ,
    },
}


def allowed(role: str, family: str, action: str) -> bool:
    try:
        return Action(action) in PERMISSIONS[family][Role(role)]
    except (KeyError, ValueError):
        return False
