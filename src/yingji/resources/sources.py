"""The resources app's own sources for the nearest search: teams, shelters and experts."""

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingji.core.scoping import can, scoped
from yingji.resources.models import Expert, ExpertField, Shelter, Team, TeamKind, everyone
from yingji.resources.nearest import register_source

ANY = "any"


def readable(queryset, user):
    """What `user` may read of a city-wide library. Its model's `visible_q` lets every role that may view it
    read every record, so this is `scoped(queryset, user)` without the condition it would add (a join to the
    owner's division on every row read, which a nearest search over a million rows cannot afford)."""
    if getattr(queryset.model, "visible_q", None) is everyone and can(user, "view", queryset.model):
        return queryset
    return scoped(queryset, user)


def _choice(filters: dict, name: str, choices, default: str = "") -> str:
    value = (filters.get(name) or default).strip()
    if value and value != ANY and value not in dict(choices):
        raise ValidationError(
            {
                name: _("Unknown value %(value)s; one of: %(values)s.")
                % {"value": value[:40], "values": ", ".join(dict(choices))}
            }
        )
    return "" if value == ANY else value


def _whole(filters: dict, name: str, default: int) -> int:
    raw = (filters.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError({name: _("Not a whole number: %(value)s") % {"value": raw[:40]}}) from None
    if value < 0:
        raise ValidationError({name: _("Must be 0 or more.")})
    return value


def teams(user, filters: dict):
    """Teams of a kind (`team_kind`, any by default) that are ready (`readiness`, ready by default; `any`)."""
    queryset = readable(Team.objects.all(), user)
    kinds = [k for k in (filters.get("team_kind") or "").split(",") if k.strip()]
    for k in kinds:
        _choice({"team_kind": k}, "team_kind", TeamKind.choices)
    if kinds:
        queryset = queryset.filter(kind__in=[k.strip() for k in kinds])
    readiness = _choice(filters, "readiness", Team.Readiness.choices, Team.Readiness.READY)
    if readiness:
        queryset = queryset.filter(readiness=readiness)
    return queryset


def _label(choices, value) -> str:
    # Not get_FOO_display(): it hashes every (lazy) label of the field's choices, a gettext each, per call.
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def describe_team(team: Team) -> dict:
    kind = _label(TeamKind, team.kind)
    return {
        "team_kind": team.kind,
        "team_kind_label": kind,
        "readiness": team.readiness,
        "headcount": team.headcount,
        "phone": team.duty_phone,
        "detail": _("%(kind)s · %(n)s people · %(readiness)s")
        % {"kind": kind, "n": team.headcount, "readiness": _label(Team.Readiness, team.readiness)},
    }


def shelters(user, filters: dict):
    """Shelters with free room for at least `free` people (1 by default), not full."""
    free = _whole(filters, "free", 1)
    queryset = readable(Shelter.objects.all(), user).exclude(status=Shelter.Status.FULL)
    queryset = queryset.filter(capacity__gte=F("occupancy") + free)
    shelter_class = _choice(filters, "shelter_class", Shelter.ShelterClass.choices)
    if shelter_class:
        queryset = queryset.filter(shelter_class=shelter_class)
    return queryset


def describe_shelter(shelter: Shelter) -> dict:
    return {
        "capacity": shelter.capacity,
        "free": shelter.free,
        "status": shelter.status,
        "shelter_class": shelter.shelter_class,
        "phone": shelter.phone,
        "detail": _("%(status)s · %(free)s of %(capacity)s places free")
        % {
            "status": _label(Shelter.Status, shelter.status),
            "free": shelter.free,
            "capacity": shelter.capacity,
        },
    }


def experts(user, filters: dict):
    """Experts in a `field` (its code; any by default) who are available (`availability`; `any`)."""
    queryset = readable(Expert.objects.prefetch_related("fields"), user)
    field = (filters.get("field") or "").strip()
    if field:
        if not ExpertField.objects.filter(code=field).exists():
            raise ValidationError(
                {"field": _("Unknown field of expertise: %(value)s") % {"value": field[:40]}}
            )
        queryset = queryset.filter(fields__code=field)
    availability = _choice(
        filters, "availability", Expert.Availability.choices, Expert.Availability.AVAILABLE
    )
    if availability:
        queryset = queryset.filter(availability=availability)
    return queryset


def describe_expert(expert: Expert) -> dict:
    fields = "、".join(f.name for f in expert.fields.all())
    return {
        "fields": fields,
        "employer": expert.employer,
        "phone": expert.phone,
        "availability": expert.availability,
        "detail": " · ".join(x for x in (expert.title, expert.employer, fields) if x),
    }


def register_sources() -> None:
    register_source(
        "team",
        gettext_lazy("Teams"),
        teams,
        describe_team,
        filters={"team_kind": gettext_lazy("Team kind"), "readiness": gettext_lazy("Readiness")},
    )
    register_source(
        "shelter",
        gettext_lazy("Shelters"),
        shelters,
        describe_shelter,
        filters={"free": gettext_lazy("Free places at least"), "shelter_class": gettext_lazy("Class")},
    )
    register_source(
        "expert",
        gettext_lazy("Experts"),
        experts,
        describe_expert,
        filters={"field": gettext_lazy("Field of expertise"), "availability": gettext_lazy("Availability")},
    )
