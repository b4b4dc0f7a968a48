from django import forms
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from yingji.search.models import SearchEntry
from yingji.search.query import MAX_QUERY_CHARS, visible_kinds
from yingji.search.registry import KINDS

LEVELS_KEY = "yingji.search.levels"


def known_levels() -> list[str]:
    """The level labels in the index (kept a few minutes: a scan of the whole index otherwise)."""
    levels = cache.get(LEVELS_KEY)
    if levels is None:
        levels = list(
            SearchEntry.objects.exclude(level="").order_by("level").values_list("level", flat=True).distinct()
        )
        cache.set(LEVELS_KEY, levels, 300)
    return levels


class SearchForm(forms.Form):
    """The query string of /search/ and /api/v1/search/: q, kind, type, level, from, to, page."""

    q = forms.CharField(label=_("Search"), required=False, max_length=MAX_QUERY_CHARS)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    type = forms.CharField(
        label=_("Event type"),
        required=False,
        max_length=5,
        help_text=_("A GB/T 35561 code or its beginning, e.g. 11A (floods and droughts)."),
    )
    # A free label (the choices shown are those in the index, kept a few minutes): any value is accepted.
    level = forms.CharField(label=_("Level"), required=False, max_length=40, widget=forms.Select)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    page = forms.IntegerField(required=False, min_value=1, max_value=1000, widget=forms.HiddenInput)

    def __init__(self, data, *, user, **kwargs):
        data = data.copy()
        # The URL says from= and to=; Python cannot name a field "from".
        for short, name in (("from", "date_from"), ("to", "date_to")):
            if short in data and name not in data:
                data[name] = data[short]
        super().__init__(data, **kwargs)
        self.fields["kind"].choices = [("", _("All kinds"))] + [
            (name, KINDS[name].label) for name in visible_kinds(user)
        ]
        levels = known_levels()
        chosen = self.data.get("level")
        if chosen and chosen not in levels:
            levels = [*levels, chosen]
        self.fields["level"].widget.choices = [("", _("All levels"))] + [(v, v) for v in levels]

    def filters(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data.get("kind") or "",
            "event_type": data.get("type") or "",
            "level": data.get("level") or "",
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }
