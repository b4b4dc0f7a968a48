"""Every create, update and delete of a platform record lands in ObjectChange.

The state before an update is read from the database in pre_save, so the log is right
whoever saves (view, API, service, command). Bulk `update()` and `delete()` bypass
signals: services must not use them on logged models.
"""

import datetime
import decimal
import uuid

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from yingji.core import context
from yingji.core.models import ChangeAction, Division, ObjectChange, Organisation, TimestampedModel

SKIPPED_FIELDS = {"updated_at", "path", "password", "last_login"}


def _json_value(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if hasattr(value, "name") and hasattr(value, "url"):  # file fields
        return value.name or None
    return value


def snapshot(instance: Model) -> dict:
    data = {}
    for f in instance._meta.concrete_fields:
        if f.name in SKIPPED_FIELDS:
            continue
        data[f.attname if f.is_relation else f.name] = _json_value(f.value_from_object(instance))
    return data


def is_logged(model) -> bool:
    return issubclass(model, TimestampedModel) or getattr(model, "change_logged", False)


def _owner_paths(instance) -> tuple[str, str]:
    if hasattr(instance, "change_log_paths"):
        return instance.change_log_paths()
    if isinstance(instance, Division):
        return instance.path, ""
    lookup = getattr(type(instance), "owner_lookup", "owner")
    org = instance if lookup is not None else None
    for name in lookup.split("__") if lookup else []:  # "plan__owner": through the record it belongs to
        org = getattr(org, name, None)
    if not isinstance(org, Organisation):
        return "", ""
    return org.division.path, org.path


def record(instance, action: str, before: dict | None, after: dict | None) -> ObjectChange:
    change = _change(instance, action, before, after)
    change.save()
    return change


def record_created(instances) -> None:
    """Log records made with bulk_create, which sends no signals: one insert for all their change rows."""
    ObjectChange.objects.bulk_create([_change(i, ChangeAction.CREATE, None, snapshot(i)) for i in instances])


def _change(instance, action: str, before: dict | None, after: dict | None) -> ObjectChange:
    ctx = context.current()
    user = ctx.actor()
    division_path, org_path = _owner_paths(instance)
    return ObjectChange(
        user=user,
        user_name=user.get_username() if user else "system",
        request_id=ctx.request_id,
        action=action,
        content_type=ContentType.objects.get_for_model(type(instance)),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        before=before,
        after=after,
        division_path=division_path,
        organisation_path=org_path,
    )


@receiver(pre_save)
def _remember_before(sender, instance, raw=False, **kwargs):
    if raw or not is_logged(sender):
        return
    if instance._state.adding:
        actor = context.current().actor()
        if actor is not None and getattr(instance, "created_by_id", False) is None:
            instance.created_by = actor
        instance._changelog_before = None
        return
    old = sender._default_manager.filter(pk=instance.pk).first()
    instance._changelog_before = snapshot(old) if old is not None else None


@receiver(post_save)
def _log_save(sender, instance, created, raw=False, **kwargs):
    if raw or not is_logged(sender):
        return
    before = None if created else getattr(instance, "_changelog_before", None)
    after = snapshot(instance)
    if not created and before == after:
        return
    record(instance, ChangeAction.CREATE if created else ChangeAction.UPDATE, before, after)


@receiver(post_delete)
def _log_delete(sender, instance, **kwargs):
    if not is_logged(sender):
        return
    record(instance, ChangeAction.DELETE, snapshot(instance), None)


def history(instance) -> "list[ObjectChange]":
    return ObjectChange.objects.filter(
        content_type=ContentType.objects.get_for_model(type(instance)), object_id=str(instance.pk)
    ).select_related("user")
