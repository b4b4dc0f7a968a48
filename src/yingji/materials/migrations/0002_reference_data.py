"""The GB/T 38565-2020 top classes and the default item catalogue, from their data files."""

import csv
from decimal import Decimal
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"


def rows(name: str):
    with (DATA / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def load(apps, schema_editor):
    MaterialClass = apps.get_model("materials", "MaterialClass")
    Item = apps.get_model("materials", "Item")
    classes = {}
    for row in rows("material_classes.csv"):
        classes[row["code"]], _ = MaterialClass.objects.update_or_create(code=row["code"], defaults=row)
    for row in rows("items.csv"):
        Item.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "material_class": classes[row["class"]],
                "specification": row["specification"],
                "unit": row["unit"],
                "minimum_stock": Decimal(row["minimum_stock"] or 0),
                "shelf_life_days": int(row["shelf_life_days"]) if row["shelf_life_days"] else None,
                "source": row["source"],
            },
        )


class Migration(migrations.Migration):
    dependencies = [("materials", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
