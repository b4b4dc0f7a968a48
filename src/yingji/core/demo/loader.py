"""Load the demo city (the CSV files beside this module) into the database, idempotently.

Rows are matched to existing records by a natural key (division code, organisation name and
division, contact owner and name, username); only the fields that differ are written, through
`.save()`, so the change log records each real change and a second run writes nothing at all.
"""

import contextlib
import csv
from collections import Counter
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from yingji.core.context import acting_as
from yingji.core.models import Contact, Division, Organisation, User

DATA_DIR = Path(__file__).resolve().parent
PASSWORD = "Yingji@2026"  # every demo user's; set only when the user is created, never reset
MODELS = (Division, Organisation, Contact, User)
BOOLEANS = {"yes": True, "no": False}


class DemoDataError(Exception):
    """A demo file holds a row that cannot be loaded; the message names the file and line."""


def read_csv(filename: str) -> list[dict[str, str]]:
    with (DATA_DIR / filename).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _rows(filename: str):
    """Yield (where, row); `where` names the file and line for error messages (line 1 is the header)."""
    for line, row in enumerate(read_csv(filename), start=2):
        yield f"{filename}, line {line}", row


@contextlib.contextmanager
def _at(where: str):
    try:
        yield
    except (ValidationError, ValueError, ArithmeticError) as exc:  # ArithmeticError: decimal.InvalidOperation
        raise DemoDataError(f"{where}: {exc}") from exc


def _ref(loaded: dict, key: str, what: str):
    """The object an earlier row defined: parents come before children, so saving follows file order."""
    if not key:
        return None
    if key not in loaded:
        raise ValueError(f"unknown {what} {key!r} (it must be defined on an earlier row)")
    return loaded[key]


def _decimal(text: str) -> Decimal | None:
    return Decimal(text) if text else None


def _int(text: str) -> int | None:
    return int(text) if text else None


def _bool(text: str) -> bool:
    if text not in BOOLEANS:
        raise ValueError(f"expected yes or no, not {text!r}")
    return BOOLEANS[text]


class _Loader:
    def __init__(self, stdout):
        self.stdout = stdout
        self.tally = {model.__name__: Counter(created=0, updated=0, unchanged=0) for model in MODELS}

    def sync(self, model, lookup: dict, values: dict, on_create=None):
        """Create the record, or update only the fields that differ; never save an unchanged record."""
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            obj, outcome = model(**lookup, **values), "created"
            if on_create:
                on_create(obj)
        else:
            changed = {field: value for field, value in values.items() if getattr(obj, field) != value}
            if not changed:
                self.tally[model.__name__]["unchanged"] += 1
                return obj
            for field, value in changed.items():
                setattr(obj, field, value)
            outcome = "updated"
        obj.full_clean()  # the demo files obey the same rules as user input
        obj.save()
        self.tally[model.__name__][outcome] += 1
        if self.stdout:
            self.stdout.write(f"{outcome} {model.__name__} {obj}\n")
        return obj

    def divisions(self) -> dict[str, Division]:
        loaded: dict[str, Division] = {}
        for where, row in _rows("divisions.csv"):
            with _at(where):
                loaded[row["code"]] = self.sync(
                    Division,
                    {"code": row["code"]},
                    {
                        "name": row["name"],
                        "level": row["level"],
                        "parent": _ref(loaded, row["parent"], "parent division"),
                        "latitude": _decimal(row["latitude"]),
                        "longitude": _decimal(row["longitude"]),
                        "population": _int(row["population"]),
                    },
                )
        return loaded

    def organisations(self, divisions: dict[str, Division]) -> dict[str, Organisation]:
        loaded: dict[str, Organisation] = {}
        for where, row in _rows("organisations.csv"):
            with _at(where):
                division = _ref(divisions, row["division"], "division")
                loaded[row["key"]] = self.sync(
                    Organisation,
                    {"name": row["name"], "division": division},
                    {
                        "short_name": row["short_name"],
                        "kind": row["kind"],
                        "parent": _ref(loaded, row["parent"], "parent organisation"),
                        "address": row["address"],
                        "phone": row["phone"],
                        "latitude": _decimal(row["latitude"]),
                        "longitude": _decimal(row["longitude"]),
                        "responsibilities": row["responsibilities"],
                    },
                )
        return loaded

    def contacts(self, organisations: dict[str, Organisation]) -> None:
        for where, row in _rows("contacts.csv"):
            with _at(where):
                owner = _ref(organisations, row["organisation"], "organisation")
                self.sync(
                    Contact,
                    {"owner": owner, "name": row["name"]},
                    {
                        "post": row["post"],
                        "mobile": row["mobile"],
                        "office_phone": row["office_phone"],
                        "email": row["email"],
                        "is_primary": _bool(row["is_primary"]),
                    },
                )

    def users(self, organisations: dict[str, Organisation]) -> None:
        for where, row in _rows("users.csv"):
            with _at(where):
                self.sync(
                    User,
                    {"username": row["username"]},
                    {
                        "first_name": row["first_name"],
                        "email": row["email"],
                        "role": row["role"],
                        "organisation": _ref(organisations, row["organisation"], "organisation"),
                        "mobile": row["mobile"],
                    },
                    on_create=lambda user: user.set_password(PASSWORD),
                )


def load_demo(stdout=None) -> dict[str, dict[str, int]]:
    """Load every demo file in one transaction as the user "system"; return counts per model.

    The result maps a model name to {"created": n, "updated": n, "unchanged": n}. When `stdout`
    is given, each created or updated record is reported on it. A bad row raises DemoDataError
    and nothing is written.
    """
    loader = _Loader(stdout)
    with transaction.atomic(), acting_as(None):
        divisions = loader.divisions()
        organisations = loader.organisations(divisions)
        loader.contacts(organisations)
        loader.users(organisations)
    return {name: dict(counts) for name, counts in loader.tally.items()}
