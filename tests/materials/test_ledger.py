from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.materials.conftest import days, item, user
from yingji.core.models import ObjectChange
from yingji.materials import services
from yingji.materials.models import Balance, Movement

pytestmark = pytest.mark.django_db


def balances_equal_their_movements() -> None:
    for balance in Balance.objects.all():
        assert balance.quantity >= 0
        assert balance.quantity == services.ledger_sum(balance.warehouse, balance.item, balance.batch_number)


def test_a_receipt_makes_the_batch_balance_and_one_logged_movement(make_warehouse):
    warehouse = make_warehouse()
    entry = services.receive(
        user("meixian_office"), warehouse, item("1-TENT-12"), "12", batch_number="T1", expires_on=days(300)
    )
    (movement,) = entry.movements
    assert (
        movement.quantity == 12 and movement.balance_after == 12 and movement.by.username == "meixian_office"
    )
    balance = Balance.objects.get(warehouse=warehouse, item__code="1-TENT-12", batch_number="T1")
    assert balance.quantity == 12 and balance.expires_on == days(300)
    change = ObjectChange.objects.get(content_type__model="movement", object_id=str(movement.pk))
    assert change.after["quantity"] == "12.000"
    assert change.division_path == warehouse.owner.division.path


def test_an_issue_takes_the_batch_that_expires_first(stocked):
    entry = services.issue(user("meixian_office"), stocked, item("2-LIFEJ"), 40, reason="发放下游村组")
    assert [(m.batch_number, m.quantity) for m in entry.movements] == [("B1", -30), ("B2", -10)]
    assert services.balance_of(stocked, item("2-LIFEJ")) == 40
    balances_equal_their_movements()


def test_an_overdraw_is_refused_naming_the_field_the_item_and_what_is_available(stocked):
    before = Movement.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.issue(user("meixian_office"), stocked, item("2-LIFEJ"), 81, reason="超量领用")
    message = refused.value.message_dict["quantity"][0]
    assert "救生衣" in message and "80" in message and "81" in message
    with pytest.raises(ValidationError) as refused:
        services.issue(user("meixian_office"), stocked, item("2-LIFEJ"), 31, reason="超量", batch_number="B1")
    assert "30" in refused.value.message_dict["quantity"][0]
    assert Movement.objects.count() == before and services.balance_of(stocked, item("2-LIFEJ")) == 80


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda w, u: services.receive(u, w, item("1-QUILT"), -5), "quantity"),
        (lambda w, u: services.receive(u, w, item("1-QUILT"), "0"), "quantity"),
        (lambda w, u: services.receive(u, w, item("1-QUILT"), "1.2345"), "quantity"),
        (lambda w, u: services.receive(u, w, item("1-QUILT"), "很多"), "quantity"),
        (lambda w, u: services.issue(u, w, item("2-LIFEJ"), 1, reason=" "), "reason"),
        (lambda w, u: services.adjust(u, w, item("2-LIFEJ"), 3, reason="", batch_number="B1"), "reason"),
        (
            lambda w, u: services.adjust(u, w, item("2-LIFEJ"), -3, reason="盘点", batch_number="B1"),
            "counted",
        ),
        (lambda w, u: services.dispatch(u, w, item("2-LIFEJ"), 1, incident=None, reason="支援"), "incident"),
        (lambda w, u: services.transfer(u, w, w, item("2-LIFEJ"), 1), "destination"),
        (
            lambda w, u: services.receive(u, w, item("2-LIFEJ"), 5, batch_number="B1", expires_on=days(1)),
            "expires_on",
        ),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(stocked, call, field):
    before = Movement.objects.count()
    with pytest.raises(ValidationError) as refused:
        call(stocked, user("meixian_office"))
    assert field in refused.value.message_dict
    assert Movement.objects.count() == before


def test_a_transfer_writes_both_legs_under_one_entry_or_nothing(stocked, make_warehouse):
    city_store = make_warehouse("梅州市应急管理局", "市级测试仓库")
    office = user("city_office")
    with pytest.raises(ValidationError):
        services.transfer(office, stocked, city_store, item("2-LIFEJ"), 81)
    assert not Movement.objects.filter(warehouse=city_store).exists()
    entry = services.transfer(office, stocked, city_store, item("2-LIFEJ"), 35, reason="集中调配")
    out_legs = [m for m in entry.movements if m.kind == "transfer_out"]
    in_legs = [m for m in entry.movements if m.kind == "transfer_in"]
    assert [(m.batch_number, m.quantity) for m in out_legs] == [("B1", -30), ("B2", -5)]
    assert [(m.batch_number, m.quantity, m.expires_on) for m in in_legs] == [
        ("B1", 30, days(400)),
        ("B2", 5, days(900)),
    ]
    assert {m.entry for m in entry.movements} == {entry.entry}
    assert {m.counterpart for m in out_legs} == {city_store} and {m.counterpart for m in in_legs} == {stocked}
    assert services.balance_of(stocked, item("2-LIFEJ")) == 45
    assert services.balance_of(city_store, item("2-LIFEJ")) == 35
    balances_equal_their_movements()


def test_a_county_may_send_stock_to_the_city_but_not_take_it_from_there(stocked, make_warehouse):
    city_store = make_warehouse("梅州市应急管理局", "市级测试仓库")
    county_office = user("meixian_office")
    with pytest.raises(ValidationError) as refused:
        services.transfer(county_office, stocked, city_store, item("2-LIFEJ"), 5)
    assert "destination" in refused.value.message_dict  # the county cannot see the city's store
    services.receive(user("city_office"), city_store, item("1-QUILT"), 10)
    with pytest.raises(PermissionDenied):
        services.issue(county_office, city_store, item("1-QUILT"), 1, reason="借用")
    with pytest.raises(PermissionDenied):
        services.receive(user("xingning_office"), stocked, item("1-QUILT"), 1)


def test_a_dispatch_links_the_incident_and_shows_on_its_page(stocked, report, login):
    incident = report("meixian_office", "11A02", division="441403")
    entry = services.dispatch(
        user("meixian_office"), stocked, item("2-LIFEJ"), 20, incident=incident, reason="松口镇转移群众"
    )
    assert {m.incident for m in entry.movements} == {incident}
    assert incident.material_movements.count() == 1
    page = login("meixian_office").get(incident.get_absolute_url()).content.decode()
    assert 'data-testid="incident-materials"' in page and "救生衣" in page


def test_a_stock_count_records_the_difference_and_nothing_when_it_agrees(stocked):
    office = user("meixian_office")
    entry = services.adjust(
        office, stocked, item("2-LIFEJ"), 27, reason="月度盘点，破损3件", batch_number="B1"
    )
    assert [m.quantity for m in entry.movements] == [-3]
    assert (
        services.adjust(office, stocked, item("2-LIFEJ"), 27, reason="复盘", batch_number="B1").movements
        == []
    )
    entry = services.adjust(office, stocked, item("2-LIFEJ"), 52, reason="盘盈", batch_number="B2")
    assert [m.quantity for m in entry.movements] == [2]
    balances_equal_their_movements()


def test_movements_are_append_only(stocked):
    movement = Movement.objects.filter(warehouse=stocked).first()
    movement.quantity = 999
    with pytest.raises(ValueError):
        movement.save()
    with pytest.raises(ValueError):
        movement.delete()


def test_a_retried_submission_with_the_same_entry_id_records_once(stocked):
    import uuid

    key = uuid.uuid4()
    office = user("meixian_office")
    first = services.issue(office, stocked, item("2-LIFEJ"), 5, reason="发放", entry=key)
    again = services.issue(office, stocked, item("2-LIFEJ"), 5, reason="发放", entry=key)
    assert again.replayed and [m.pk for m in again.movements] == [m.pk for m in first.movements]
    assert services.balance_of(stocked, item("2-LIFEJ")) == 75


def test_the_database_refuses_a_negative_balance_whatever_the_code_does(stocked):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        Balance.objects.filter(warehouse=stocked).update(quantity=-1)


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["receive", "issue", "transfer", "adjust"]),
        st.sampled_from([0, 1]),  # which warehouse
        st.sampled_from(["", "A", "B"]),  # batch ("" = none given: first expiring first for issues)
        st.decimals(min_value=Decimal("0.001"), max_value=Decimal("60"), places=3),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(OPERATIONS)
def test_balances_always_equal_the_sum_of_their_movements_and_overdraws_are_refused(
    make_warehouse, operations
):
    with transaction.atomic():
        office = user("city_office")
        stores = [make_warehouse(name="随机仓库甲"), make_warehouse("梅州市应急管理局", "随机仓库乙")]
        water = item("1-WATER")
        expiry = {"": None, "A": days(20), "B": days(200)}
        for name, which, batch, quantity in operations:
            store, other = stores[which], stores[1 - which]
            held = services.balance_of(store, water)
            in_batch = (
                Balance.objects.filter(warehouse=store, item=water, batch_number=batch).first()
                if batch
                else None
            )
            available = held if not batch else (in_batch.quantity if in_batch else Decimal(0))
            try:
                if name == "receive":
                    services.receive(
                        office, store, water, quantity, batch_number=batch, expires_on=expiry[batch]
                    )
                elif name == "issue":
                    services.issue(office, store, water, quantity, reason="随机", batch_number=batch or None)
                elif name == "transfer":
                    services.transfer(office, store, other, water, quantity, batch_number=batch or None)
                else:
                    services.adjust(office, store, water, quantity, reason="盘点", batch_number=batch)
                refused = False
            except ValidationError as exc:
                refused = True
                assert name in ("issue", "transfer") and "quantity" in exc.message_dict
            if name in ("issue", "transfer"):
                assert refused == (quantity > available)
            if refused:
                assert services.balance_of(store, water) == held
            balances_equal_their_movements()
        transaction.set_rollback(True)
