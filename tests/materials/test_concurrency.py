"""Two real connections writing the same stock at the same moment (PostgreSQL: row locks, READ COMMITTED)."""

import threading
import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from tests.materials.conftest import item, user
from yingji.materials import services
from yingji.materials.models import Balance, Movement

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrent writers need PostgreSQL (SQLite serialises every writer at BEGIN IMMEDIATE)",
    ),
    pytest.mark.django_db(transaction=True),
]


def at_once(*calls, hold: float = 0.3):
    """Run each call in its own thread and database connection, released together; the lock holder keeps its
    locks `hold` seconds, so the others must wait for it. Returns each call's result or exception."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(n, call):
        try:
            barrier.wait()
            results[n] = call()
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            results[n] = exc
        finally:
            connections.close_all()

    take = services._take

    def slow_take(*args, **kwargs):
        taken = take(*args, **kwargs)
        time.sleep(hold)  # the rows are locked now: a second writer must queue behind this one
        return taken

    services._take = slow_take
    try:
        threads = [threading.Thread(target=run, args=(n, c)) for n, c in enumerate(calls)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        services._take = take
    return results


@pytest.fixture
def store(demo_live, make_warehouse):
    import importlib

    from django.apps import apps

    # A transactional test empties the database after it, reference data loaded by migrations included.
    importlib.import_module("yingji.materials.migrations.0002_reference_data").load(apps, None)
    warehouse = make_warehouse(name="并发测试仓库")
    services.receive(user("meixian_office"), warehouse, item("3-SANDB"), 100, batch_number="S1")
    return warehouse


def assert_ledger_holds():
    for balance in Balance.objects.all():
        assert balance.quantity >= 0
        assert balance.quantity == services.ledger_sum(balance.warehouse, balance.item, balance.batch_number)


def test_of_two_issues_that_together_would_overdraw_exactly_one_succeeds(store):
    office, sandbags = user("meixian_office"), item("3-SANDB")
    results = at_once(
        lambda: services.issue(office, store, sandbags, 70, reason="甲组领用"),
        lambda: services.issue(office, store, sandbags, 70, reason="乙组领用"),
    )
    refused = [r for r in results if isinstance(r, ValidationError)]
    done = [r for r in results if isinstance(r, services.Entry)]
    assert len(done) == 1 and len(refused) == 1, results
    assert "30" in refused[0].message_dict["quantity"][0]  # the second one saw the first one's result
    assert services.balance_of(store, sandbags) == 30
    assert Movement.objects.filter(warehouse=store, kind="issue").count() == 1
    assert_ledger_holds()


def test_two_issues_that_fit_together_both_succeed_one_after_the_other(store):
    office, sandbags = user("meixian_office"), item("3-SANDB")
    results = at_once(
        lambda: services.issue(office, store, sandbags, 40, reason="甲"),
        lambda: services.issue(office, store, sandbags, 60, reason="乙"),
    )
    assert all(isinstance(r, services.Entry) for r in results), results
    assert sorted(r.movements[0].balance_after for r in results) == [Decimal(0), Decimal(40)] or sorted(
        r.movements[0].balance_after for r in results
    ) == [Decimal(0), Decimal(60)]
    assert services.balance_of(store, sandbags) == 0
    assert_ledger_holds()


def test_two_first_receipts_of_a_new_batch_both_count(store):
    office, pumps = user("meixian_office"), item("2-PUMP")
    results = at_once(
        lambda: services.receive(office, store, pumps, 3, batch_number="P1"),
        lambda: services.receive(office, store, pumps, 4, batch_number="P1"),
    )
    assert all(isinstance(r, services.Entry) for r in results), results
    assert Balance.objects.get(warehouse=store, item=pumps, batch_number="P1").quantity == 7
    assert_ledger_holds()


def test_transfers_in_opposite_directions_do_not_deadlock_and_keep_the_ledger(store, make_warehouse):
    other = make_warehouse(name="并发测试仓库乙")
    office, sandbags = user("meixian_office"), item("3-SANDB")
    services.receive(office, other, sandbags, 100, batch_number="S1")
    results = at_once(
        lambda: services.transfer(office, store, other, sandbags, 80, reason="甲→乙"),
        lambda: services.transfer(office, other, store, sandbags, 90, reason="乙→甲"),
    )
    assert all(isinstance(r, services.Entry) for r in results), results
    assert services.balance_of(store, sandbags) == 110 and services.balance_of(other, sandbags) == 90
    assert_ledger_holds()
