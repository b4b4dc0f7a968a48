import datetime

import pytest

from tests.incidents.conftest import api, report  # noqa: F401  (the incidents fixtures, reused)
from yingji.core.models import Contact, Organisation, User
from yingji.duty import services
from yingji.duty.models import DutyRole, Shift


def org(name: str) -> Organisation:
    return Organisation.objects.get(name=name)


def user(username: str) -> User:
    return User.objects.get(username=username)


def contact(name: str) -> Contact:
    return Contact.objects.get(name=name)


def bj(text: str) -> datetime.datetime:
    """A Beijing-time moment: bj("2026-12-01 08:30")."""
    return services.local(text)


@pytest.fixture
def make_shift(db):
    """A shift saved through the service as the city administrator:
    make_shift("梅州市应急管理局", "2026-12-01 08:30", "2026-12-01 17:30", duty_officer=user("duty_city"))."""

    def _make(office: str, start: str, end: str, *, kind=Shift.Kind.DAY, by="city_admin", **people) -> Shift:
        shift = Shift(owner=org(office), kind=kind, starts_at=bj(start), ends_at=bj(end))
        return services.save_shift(user(by), shift, {DutyRole(r): p for r, p in people.items()})

    return _make
