"""The required special plans, the holiday calendar and the review cycles, from their data files."""

import csv
import datetime
from pathlib import Path

from django.db import migrations

PLANS_DATA = Path(__file__).resolve().parent.parent / "data"
RULES_DATA = Path(__file__).resolve().parent.parent.parent / "rules" / "data"


def rows(path: Path):
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def load(apps, schema_editor):
    RequiredPlan = apps.get_model("plans", "RequiredPlan")
    CalendarDay = apps.get_model("plans", "CalendarDay")
    ReviewCycle = apps.get_model("plans", "ReviewCycle")
    for row in rows(PLANS_DATA / "required_plans.csv"):
        RequiredPlan.objects.update_or_create(name=row["name"], defaults={**row, "order": int(row["order"])})
    for row in rows(RULES_DATA / "calendar.csv"):
        CalendarDay.objects.update_or_create(
            date=datetime.date.fromisoformat(row["date"]),
            defaults={"kind": row["kind"], "name": row["name"], "source": row["source"]},
        )
    for row in rows(RULES_DATA / "plan_cycles.csv"):
        flag = row["high_risk"]
        ReviewCycle.objects.update_or_create(
            kind=row["kind"],
            category=row["category"],
            high_risk=None if flag == "*" else flag == "yes",
            defaults={
                "evaluation_months": int(row["evaluation_months"]),
                "drill_months": int(row["drill_months"]),
                "mark": row["mark"],
                "source": row["source"],
            },
        )


class Migration(migrations.Migration):
    dependencies = [("plans", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
