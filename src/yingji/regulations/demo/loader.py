"""Load the demo regulations (regulations.csv + laws/*.md) idempotently; see README.md."""

import csv
import datetime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from yingji.core import services
from yingji.core.context import acting_as
from yingji.core.demo.loader import DemoDataError
from yingji.core.models import User
from yingji.regulations.models import Regulation

HERE = Path(__file__).resolve().parent
USERNAME = "city_admin"  # the records are kept by this user's organisation, the city's emergency bureau
FIELDS = (
    "title",
    "kind",
    "issuing_body",
    "document_number",
    "level",
    "issued_on",
    "effective_on",
    "amended_on",
    "status",
    "source",
)


def read_rows() -> list[dict[str, str]]:
    with (HERE / "regulations.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def law_text(filename: str) -> str:
    """The file without its title line and the end-of-header marker (the title is a field of its own)."""
    lines = (HERE / "laws" / filename).read_text(encoding="utf-8").splitlines()
    kept = [
        line.rstrip() for line in lines if not line.startswith("# ") and line.strip() != "<!-- INFO END -->"
    ]
    return "\n".join(kept).strip() + "\n"


def _date(text: str) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


def values(row: dict[str, str]) -> dict:
    data = {name: row[name] for name in FIELDS}
    for name in ("issued_on", "effective_on", "amended_on"):
        data[name] = _date(row[name])
    data["text"] = law_text(row["file"])
    return data


@transaction.atomic
def load_regulations(stdout=None) -> dict[str, int]:
    user = User.objects.filter(username=USERNAME).select_related("organisation").first()
    if user is None:
        raise DemoDataError(f"the demo user {USERNAME} is missing: load the demo city first (yingji demo)")
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    with acting_as(user):
        for line, row in enumerate(read_rows(), start=2):
            try:
                data = values(row)
            except (OSError, ValueError) as exc:
                raise DemoDataError(f"regulations.csv line {line}: {exc}") from exc
            obj = Regulation.objects.filter(
                title=data["title"], document_number=data["document_number"]
            ).first()
            if obj is None:
                obj, state = Regulation(owner=user.organisation, **data), "created"
            elif any(getattr(obj, k) != v for k, v in data.items()):
                for k, v in data.items():
                    setattr(obj, k, v)
                state = "updated"
            else:
                counts["unchanged"] += 1
                continue
            try:
                services.save_scoped(user, obj)
            except ValidationError as exc:
                raise DemoDataError(f"regulations.csv line {line}: {exc}") from exc
            counts[state] += 1
            if stdout is not None:
                stdout.write(f"  {state}: {obj}")
    return counts
