"""The list of fields of expertise (editable afterwards by administrators): data/expert_fields.csv."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "expert_fields.csv"


def load(apps, schema_editor):
    ExpertField = apps.get_model("resources", "ExpertField")  # noqa: N806
    with DATA.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            ExpertField.objects.update_or_create(
                code=row["code"], defaults={"name": row["name"], "order": int(row["order"])}
            )


class Migration(migrations.Migration):
    dependencies = [("resources", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
