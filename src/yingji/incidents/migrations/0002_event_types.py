"""Load the GB/T 35561 event type table (data/event_types.csv, a candidate table: see its notes)."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "event_types.csv"


def parent_code(code: str) -> str | None:
    if code == "10000":
        return None
    if code[2:] == "000":
        return "10000"
    if code[3:] == "00":
        return code[:2] + "000"
    return code[:3] + "00"


def load(apps, schema_editor):
    EventType = apps.get_model("incidents", "EventType")
    with DATA.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    by_code = {}
    for row in rows:  # parents precede children in the file
        obj, _ = EventType.objects.update_or_create(
            code=row["code"],
            defaults={"name": row["name"], "level": row["level"], "note": row["note"],
                      "parent": by_code.get(parent_code(row["code"]))},
        )
        by_code[row["code"]] = obj


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
