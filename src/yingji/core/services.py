"""Writes shared by every module: save and delete within the user's scope, in one transaction."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from yingji.core.scoping import can, in_scope


def validate(obj: Model) -> None:
    """Model validation, without queries the database's constraints make redundant: re-reading related records
    the caller already holds, and looking up a fresh UUID."""
    held = [f.name for f in obj._meta.concrete_fields if f.is_relation and f.is_cached(obj)]
    # A UUID is random (or the client's idempotency key, which the caller looks up itself); the unique
    # constraint still stands behind it.
    obj.full_clean(exclude=[*held, "uuid"])


@transaction.atomic
def save_scoped(user, obj: Model) -> Model:
    """Save `obj` for `user`; refuse (and roll back) when the result would lie outside the user's reach."""
    action = "add" if obj._state.adding else "change"
    if not can(user, action, type(obj)):
        raise PermissionDenied(_("Your role may not make this change."))
    if action == "change" and not in_scope(user, obj, "change"):
        raise PermissionDenied(_("This record is outside your organisation."))
    validate(obj)
    obj.save()
    if not in_scope(user, obj, action):
        raise PermissionDenied(_("The record would lie outside your organisation."))
    return obj


@transaction.atomic
def delete_scoped(user, obj: Model) -> None:
    if not in_scope(user, obj, "delete"):
        raise PermissionDenied(_("Your role may not delete this record."))
    obj.delete()
