import django_filters
from django.utils.translation import gettext_lazy as _

from yingji.core.filters import SearchFilterSet, WithinDivisionFilter
from yingji.warnings.models import CapStatus, Colour, ExternalWarning, FeedSource, MsgType, Station, Warning


class WarningFilterSet(SearchFilterSet):
    search_fields = ("headline", "description", "area_desc", "identifier", "owner__name")
    division = WithinDivisionFilter(label=_("Issued in (and below)"), lookup="owner__division")
    level = django_filters.ChoiceFilter(label=_("Level"), choices=Colour.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=CapStatus.choices)
    msg_type = django_filters.ChoiceFilter(label=_("Message type"), choices=MsgType.choices)
    state = django_filters.ChoiceFilter(label=_("State"), choices=Warning.State.choices)

    class Meta:
        model = Warning
        fields = ["q", "division", "level", "status", "msg_type", "state", "event_type"]


class ExternalWarningFilterSet(SearchFilterSet):
    search_fields = ("headline", "event", "area_desc", "sender", "identifier", "sender_name")
    level = django_filters.ChoiceFilter(label=_("Level"), choices=Colour.choices)
    status = django_filters.CharFilter(label=_("Status"))
    channel = django_filters.ChoiceFilter(label=_("Received by"), choices=ExternalWarning.Channel.choices)

    class Meta:
        model = ExternalWarning
        fields = ["q", "level", "status", "channel", "feed"]


class FeedSourceFilterSet(SearchFilterSet):
    search_fields = ("name", "url")

    class Meta:
        model = FeedSource
        fields = ["q", "active"]


NORMAL = "normal"


class StationFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "division__name", "owner__name")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Station.Kind.choices)
    division = WithinDivisionFilter(label=_("Division (and below)"))
    level = django_filters.ChoiceFilter(
        label=_("Current level"), choices=[(NORMAL, _("Normal")), *Colour.choices], method="by_level"
    )

    class Meta:
        model = Station
        fields = ["q", "kind", "division", "level", "owner"]

    def by_level(self, queryset, name, value):
        return queryset.filter(level="" if value == NORMAL else value)
