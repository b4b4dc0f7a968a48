"""Load the demo typical cases (cases_2025.toml) from the demo year's closed incidents, idempotently.

Each entry names an incident of incidents/demo/incidents_2025.csv by uuid; the case is written through
`services.create_from_incident()` (figures, place and the event log's chronology come from the incident), with the
entry's texts on top. An incident that already has a case is left alone, so a second run creates nothing.
"""

import tomllib
import uuid
from pathlib import Path

from django.db import transaction

from yingji.cases import services
from yingji.core.context import acting_as
from yingji.core.demo.loader import DemoDataError, read_csv
from yingji.core.models import Organisation, User
from yingji.incidents.models import Incident

DATA = Path(__file__).resolve().parent / "cases_2025.toml"
USERNAME = "city_office"  # the city office keeps the library; it reaches every county's incidents
TEXTS = ("response", "lessons", "rectification", "sources")


def read_entries() -> list[dict]:
    with DATA.open("rb") as f:
        return tomllib.load(f)["case"]


def _organisation(key: str) -> Organisation:
    for row in read_csv("organisations.csv"):
        if row["key"] == key:
            return Organisation.objects.get(name=row["name"], division__code=row["division"])
    raise DemoDataError(f"{DATA.name}: unknown organisation key {key!r}")


def load_cases(stdout=None) -> dict[str, int]:
    """Write the demo cases in one transaction as the user "system"; return {"created": n, "unchanged": n}.

    The incidents must be loaded first (`yingji demo_incidents`); a missing one raises DemoDataError naming it.
    """
    counts = {"created": 0, "unchanged": 0}
    user = User.objects.filter(username=USERNAME).first()
    if user is None:
        raise DemoDataError(f"the demo user {USERNAME} is missing: load the demo city first (yingji demo)")
    entries = read_entries()
    incidents = Incident.objects.in_bulk([uuid.UUID(e["incident"]) for e in entries], field_name="uuid")
    with transaction.atomic(), acting_as(None):
        for entry in entries:
            incident = incidents.get(uuid.UUID(entry["incident"]))
            if incident is None:
                raise DemoDataError(
                    f"{DATA.name}: incident {entry['incident']} is missing: load the demo incidents first"
                )
            if services.existing_case(incident) is not None:
                counts["unchanged"] += 1
                continue
            prefilled = services.prefill(incident)
            values = {name: entry[name].strip() for name in TEXTS if name in entry}
            values["course"] = "\n\n".join(
                p for p in (entry.get("course", "").strip(), prefilled["course"]) if p
            )
            values["published"] = entry.get("published", False)
            if "owner" in entry:
                values["owner"] = _organisation(entry["owner"])
            case = services.create_from_incident(user, incident, values)
            counts["created"] += 1
            if stdout:
                stdout.write(f"created Case {case}\n")
    return counts
