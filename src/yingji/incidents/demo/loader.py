"""Load the demo year (incidents_2025.csv) through the reporting services, idempotently.

Each row becomes an incident through `services.receive()` with the row's uuid as client id; a row whose
incident exists is left alone (an officer's later edits stay), so a second run creates nothing. The incident is
then given its status, and every report it owed is recorded as made: the first report after the row's
`first_report_delay_minutes` (late ones with the row's `late_reason`), the rest on time, so the year's record
shows no open or missed (漏报) obligations, only the few late first reports (迟报) the file plans.
"""

import contextlib
import csv
import datetime
import random
import uuid
from collections import Counter
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from yingji.core.context import acting_as
from yingji.core.demo.loader import DemoDataError, read_csv
from yingji.core.models import Division, Organisation, User
from yingji.incidents import services
from yingji.incidents.models import EventType, Incident
from yingji.rules import deadlines

DATA = Path(__file__).resolve().parent / "incidents_2025.csv"
# The city office's staff may add and change incidents anywhere in the city (the services check the scope).
USERNAME = "city_office"
COUNTS = ("deaths", "missing", "serious_injuries", "injuries", "evacuated", "relocated")
# A body above the first receiver passes a report on within this time (and by its own deadline when it can).
RELAY = datetime.timedelta(minutes=15)
REPORT_KINDS = ("first", "direct")


def read_rows() -> list[dict[str, str]]:
    with DATA.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _int(text: str) -> int | None:
    return int(text) if text else None


def _decimal(text: str) -> Decimal | None:
    return Decimal(text) if text else None


def _time(text: str) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(text) if text else None


@contextlib.contextmanager
def _at(where: str):
    try:
        yield
    except (ValidationError, ValueError, ArithmeticError) as exc:  # ArithmeticError: decimal.InvalidOperation
        raise DemoDataError(f"{where}: {exc}") from exc


def _ref(known: dict, key: str, what: str):
    if key not in known:
        raise ValueError(f"unknown {what} {key!r}")
    return known[key]


class _Loader:
    def __init__(self, stdout):
        self.stdout = stdout
        self.user = User.objects.filter(username=USERNAME).first()
        if self.user is None:
            raise DemoDataError(
                f"the demo user {USERNAME} is missing: load the demo city first (yingji demo)"
            )
        self.types = EventType.objects.in_bulk(field_name="code")
        self.divisions = Division.objects.in_bulk(field_name="code")
        # Organisations have no key of their own: the core demo file maps its keys to name and division.
        self.organisations = {
            row["key"]: Organisation.objects.get(name=row["name"], division__code=row["division"])
            for row in read_csv("organisations.csv")
            if row["key"].endswith("_ema")
        }
        self.tally = {
            "Incident": Counter(created=0, unchanged=0),
            "Report": Counter(on_time=0, late=0),
        }

    def load(self, rows: list[dict[str, str]]) -> None:
        uuids = Incident.objects.filter(uuid__in=[row["uuid"] for row in rows]).values_list("uuid", flat=True)
        existing = set(map(str, uuids))
        for line, row in enumerate(rows, start=2):
            if row["uuid"] in existing:
                self.tally["Incident"]["unchanged"] += 1
                continue
            with _at(f"{DATA.name}, line {line}"):
                incident = self.receive(row)
                self.report(incident, row)
            self.tally["Incident"]["created"] += 1
            if self.stdout:
                self.stdout.write(f"created Incident {incident}\n")

    def receive(self, row: dict[str, str]) -> Incident:
        data = {
            "event_type": _ref(self.types, row["event_type"], "event type"),
            "title": row["title"],
            "division": _ref(self.divisions, row["division"], "division"),
            "address": row["address"],
            "latitude": _decimal(row["latitude"]),
            "longitude": _decimal(row["longitude"]),
            "occurred_at": _time(row["occurred_at"]),
            "received_at": _time(row["received_at"]),
            "reporter_name": row["reporter_name"],
            "owner": _ref(self.organisations, row["reporting_unit"], "reporting unit"),
            "direct_loss_yuan": _decimal(row["direct_loss_yuan"]),
            **{name: _int(row[name]) for name in COUNTS},
            # receive() dates follow-up reports up to today unless it knows the incident closed: a year-old
            # incident would get hundreds of daily follow-ups, only to withdraw them again.
            "closed_at": _time(row["closed_at"]),
        }
        # Replayed at the times the row gives, so the event log and the deadlines read as they happened.
        with services.as_of(data["received_at"]):
            incident, _ = services.receive(
                self.user, data, channel=row["channel"], client_uuid=uuid.UUID(row["uuid"])
            )
        if row["status"] != incident.status:
            with services.as_of(data["closed_at"] or data["received_at"]):
                incident = services.update(self.user, incident, {"status": row["status"]}, incident.version)
        return incident

    def report(self, incident: Incident, row: dict[str, str]) -> None:
        """Record the reports owed as made: first reports as the row says, the others before they fall due."""
        received = incident.received_at
        first_done = received + datetime.timedelta(minutes=int(row["first_report_delay_minutes"]))
        got = {}  # body -> when the news reached it
        open_ones = incident.obligations.filter(done_at__isnull=True, withdrawn_at__isnull=True)
        reports = [o for o in open_ones if o.kind in REPORT_KINDS]
        # Bottom-up: the first receiver reports after the row's delay; each body above passes it on.
        for obligation in sorted(reports, key=lambda o: (deadlines.BODIES.index(o.owed_by), o.due_at)):
            arrived = got.get(obligation.owed_by)
            # Passed on within RELAY, or by the deadline when that comes sooner and the news is already there.
            done = first_done if arrived is None else max(arrived, min(arrived + RELAY, obligation.due_at))
            self.complete(obligation, done, row)
            got[obligation.owed_to] = min(got.get(obligation.owed_to, done), done)
        # What is left (follow-ups, delay reasons, final reports, 补报 windows) was done on time.
        reported = max(got.values(), default=received)  # none of them comes before the first reports
        rng = random.Random(row["uuid"])
        for obligation in incident.obligations.filter(done_at__isnull=True, withdrawn_at__isnull=True):
            before = datetime.timedelta(minutes=rng.randint(10, 600))
            self.complete(obligation, min(obligation.due_at, max(obligation.due_at - before, reported)), row)

    def complete(self, obligation, done: datetime.datetime, row: dict[str, str]) -> None:
        late = done > obligation.due_at
        if late and not row["late_reason"]:
            raise ValueError(
                f"the {obligation.kind} report to {obligation.owed_to} would be late (due "
                f"{obligation.due_at.isoformat()}, made {done.isoformat()}), but the row gives no late_reason"
            )
        with services.as_of(done):
            services.complete_obligation(
                self.user, obligation, done_at=done, reason=row["late_reason"] if late else ""
            )
        self.tally["Report"]["late" if late else "on_time"] += 1


def load_incidents(stdout=None) -> dict[str, dict[str, int]]:
    """Load the demo year in one transaction as the user "system"; return counts.

    The result maps "Incident" to {"created": n, "unchanged": n} and "Report" (obligations recorded as made)
    to {"on_time": n, "late": n}. A bad row raises DemoDataError naming its line, and nothing is written.
    """
    with transaction.atomic(), acting_as(None):
        loader = _Loader(stdout)
        loader.load(read_rows())
    return {name: dict(counts) for name, counts in loader.tally.items()}
