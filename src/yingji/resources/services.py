"""Writes to the resource libraries. Every write goes through a function here (views, API, importers, demo)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from yingji.core.scoping import in_scope, scoped
from yingji.core.services import save_scoped
from yingji.resources.models import Deployment, Equipment, Expert, Mission, Shelter, Team


@transaction.atomic
def save_team(user, team: Team, contacts=None) -> Team:
    team = save_scoped(user, team)
    if contacts is not None:
        team.contacts.set(contacts)
    return team


@transaction.atomic
def save_expert(user, expert: Expert, fields=None) -> Expert:
    expert = save_scoped(user, expert)
    if fields is not None:
        expert.fields.set(fields)
    return expert


@transaction.atomic
def save_shelter(user, shelter: Shelter, divisions_served=None, contacts=None) -> Shelter:
    shelter = save_scoped(user, shelter)
    if divisions_served is not None:
        shelter.divisions_served.set(divisions_served)
    if contacts is not None:
        shelter.contacts.set(contacts)
    return shelter


def _editable(user, obj):
    if not in_scope(user, obj, "change"):
        raise PermissionDenied(_("This record is outside your organisation."))


@transaction.atomic
def set_occupancy(user, shelter: Shelter, occupancy: int, status: str | None = None) -> Shelter:
    """Record how many people a shelter houses now (never more than its capacity); full when it is full."""
    locked = scoped(Shelter.objects.select_for_update(), user, "change").filter(pk=shelter.pk).first()
    if locked is None:
        raise PermissionDenied(_("This record is outside your organisation."))
    if occupancy < 0 or occupancy > locked.capacity:
        raise ValidationError(
            {
                "occupancy": _("Occupancy must lie between 0 and the capacity (%(c)s).")
                % {"c": locked.capacity}
            }
        )
    locked.occupancy = occupancy
    if status:
        locked.status = status
    if occupancy == locked.capacity and locked.status == Shelter.Status.OPEN:
        locked.status = Shelter.Status.FULL
    elif occupancy < locked.capacity and locked.status == Shelter.Status.FULL:
        locked.status = Shelter.Status.OPEN
    return save_scoped(user, locked)


@transaction.atomic
def record_mission(user, mission: Mission, mark_on_mission: bool = False) -> Mission:
    _editable(user, mission.expert)
    mission.full_clean()
    mission.save()
    if mark_on_mission:
        mission.expert.availability = Expert.Availability.ON_MISSION
        save_scoped(user, mission.expert)
    return mission


@transaction.atomic
def record_deployment(user, deployment: Deployment, mark_deployed: bool = False) -> Deployment:
    _editable(user, deployment.team)
    deployment.full_clean()
    deployment.save()
    if mark_deployed:
        deployment.team.readiness = Team.Readiness.DEPLOYED
        save_scoped(user, deployment.team)
    return deployment


@transaction.atomic
def set_equipment(user, team: Team, kind: str, count: int) -> Equipment | None:
    """Set how many of `kind` the team has; 0 removes the row."""
    _editable(user, team)
    kind = kind.strip()
    if not kind:
        raise ValidationError({"kind": _("Name the equipment.")})
    row = Equipment.objects.filter(team=team, kind=kind).first()
    if count <= 0:
        if row is not None:
            row.delete()
        return None
    row = row or Equipment(team=team, kind=kind)
    row.count = count
    row.full_clean()
    row.save()
    return row
