"""Teams, experts and shelters in the search index: read city-wide, so every entry is public."""

from django.utils.translation import gettext_lazy as _

from yingji.resources.models import Expert, Shelter, Team


def _join(*parts) -> str:
    return "\n".join(str(p) for p in parts if p)


def team_entry(team: Team):
    from yingji.search.registry import Entry

    equipment = "、".join(f"{e.kind}×{e.count}" for e in team.equipment.all())
    return Entry(
        title=team.name,
        text=_join(
            team.get_kind_display(), team.get_team_class_display(), team.address, equipment, team.notes
        ),
        url=team.get_absolute_url(),
        owner=team.owner,
        public=True,
    )


def expert_entry(expert: Expert):
    from yingji.search.registry import Entry

    return Entry(
        title=_join(expert.name, expert.title).replace("\n", " "),
        text=_join(expert.employer, "、".join(f.name for f in expert.fields.all()), expert.notes),
        url=expert.get_absolute_url(),
        owner=expert.owner,
        public=True,
    )


def shelter_entry(shelter: Shelter):
    from yingji.search.registry import Entry

    return Entry(
        title=shelter.name,
        text=_join(shelter.get_shelter_class_display(), shelter.address),
        url=shelter.get_absolute_url(),
        owner=shelter.owner,
        public=True,
    )


def register_libraries() -> None:
    from yingji.search.registry import register

    register(
        Team,
        kind="team",
        label=_("Teams"),
        entry=team_entry,
        queryset=lambda: Team.objects.select_related("owner").prefetch_related("equipment"),
    )
    register(
        Expert,
        kind="expert",
        label=_("Experts"),
        entry=expert_entry,
        queryset=lambda: Expert.objects.select_related("owner").prefetch_related("fields"),
    )
    register(
        Shelter,
        kind="shelter",
        label=_("Shelters"),
        entry=shelter_entry,
        queryset=lambda: Shelter.objects.all(),
    )
