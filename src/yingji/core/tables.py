"""Columns declared once per model, shared by list pages and CSV / XLSX exports."""

from dataclasses import dataclass

from django.db.models import Model


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
                return getattr(target, f"get_{part}_display")()
            target = getattr(target, part)
            if callable(target) and not isinstance(target, Model):
                target = target()
        return "" if target is None else target
