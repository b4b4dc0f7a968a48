"""Columns declared once per model, shared by list pages and CSV / XLSX exports."""

from dataclasses import dataclass
from functools import lru_cache

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.utils.translation import get_language


@lru_cache(maxsize=512)
def _choice_labels(model: type[Model], field_name: str, language: str | None) -> dict:
    """A choices field's labels in one language, translated once (get_FOO_display() translates every label of
    the field on every call: a list of 50 rows paid for it 50 times per column)."""
    try:
        field = model._meta.get_field(field_name)
    except FieldDoesNotExist:  # a display method that is not a field's
        return {}
    return {value: str(label) for value, label in field.flatchoices}


@dataclass(frozen=True)
class Column:
    accessor: str  # attribute path, "owner.division.name"; a choices field shows its label
    label: str
    link: bool = False  # link the cell to the object's page

    def value(self, obj: Model):
        target = obj
        parts = self.accessor.split(".")
        for i, part in enumerate(parts):
            if target is None:
                return ""
            if i == len(parts) - 1 and hasattr(target, f"get_{part}_display"):
                labels = _choice_labels(type(target), part, get_language())
                value = getattr(target, part)
                return labels.get(value, value) if labels else getattr(target, f"get_{part}_display")()
            target = getattr(target, part)
            if callable(target) and not isinstance(target, Model):
                target = target()
        return "" if target is None else target
