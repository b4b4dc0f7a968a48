"""Monitoring stations have pages: a list anyone signed in reads, and a station's page that draws its recent
readings against its thresholds; a raised alert proposes a draft warning to the duty officer."""

import datetime
import re
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from tests.warnings.conftest import user
from yingji.core.models import Division, Notification
from yingji.incidents.models import EventType
from yingji.warnings import monitoring, services
from yingji.warnings.models import Observation, Station, StationAlert, Warning

pytestmark = pytest.mark.django_db
# 1-hour rainfall: yellow at 50 (left below 45), orange at 100 (left below 95).
STORM = [10, 30, 55, 104, 80, 20]


@pytest.fixture
def gauge():
    return Station.objects.create(
        code="MX-RAIN-09",
        name="雁洋雨量站",
        kind="rain",
        rule="rain_1h",
        owner=user("meixian_office").organisation,
        division=Division.objects.get(code="441403105"),  # 雁洋镇, 梅县区
    )


def feed(station, values, *, hours_ago=None):
    """Hourly readings ending at the last full hour, through the same path as the API."""
    end = timezone.now().replace(minute=0, second=0, microsecond=0)
    hours_ago = len(values) - 1 if hours_ago is None else hours_ago
    rows = [
        {
            "station": station.code,
            "time": (end - datetime.timedelta(hours=hours_ago - i)).isoformat(),
            "value": v,
        }
        for i, v in enumerate(values)
    ]
    return monitoring.ingest(user("city_office"), rows)


def raised(station, level) -> StationAlert:
    return StationAlert.objects.get(station=station, level=level, raised=True)


def draft_url(alert) -> str:
    return f"{reverse('warnings:warning_from_alert')}?{urlencode({'alert': alert.pk})}"


# ---- The station's page -------------------------------------------------------------------------------------


def test_the_chart_has_one_dashed_line_per_threshold_labelled_with_its_level_and_a_point_per_reading(
    gauge, login
):
    feed(gauge, STORM)
    html = login("xingning_office").get(gauge.get_absolute_url()).content.decode()  # readings are no secret
    svg = html[html.index("<svg") : html.index("</svg>")]
    lines = re.findall(r'data-testid="threshold" data-level="(\w+)"><line[^>]*stroke-dasharray', svg)
    assert lines == ["yellow", "orange"]
    labels = re.findall(r'data-testid="threshold-label">([^<]+)<', svg)
    assert labels == ["Yellow 50 mm", "Orange 100 mm"]
    points = re.findall(r'<circle [^>]*data-level="(\w*)" data-testid="observation"', svg)
    assert points == [
        "",
        "",
        "yellow",
        "orange",
        "yellow",
        "",
    ]  # each coloured by the level its value reaches
    assert "1小时降雨量 (mm)" in svg
    assert "<script" not in html[html.index("<svg") : html.index("</svg>")]


def test_the_page_shows_the_thresholds_their_source_and_the_alerts(gauge, login):
    feed(gauge, STORM)
    page = login("city_office").get(gauge.get_absolute_url())
    html = page.content.decode()
    thresholds = html[html.index('data-testid="thresholds"') :]
    assert "≥ 50" in thresholds and "≥ 100" in thresholds and "平台默认值" in thresholds
    alerts = page.context["alerts"]
    assert [(a.previous, a.level, a.raised) for a in alerts] == [
        ("yellow", "", False),
        ("orange", "yellow", False),
        ("yellow", "orange", True),
        ("", "yellow", True),
    ]
    assert 'data-testid="last-value">20 mm' in html


def test_a_station_without_readings_or_rule_says_so(login):
    quiet = Station.objects.create(
        code="DP-RIVER-01",
        name="三河坝水位站",
        kind="river",
        owner=user("city_office").organisation,
        division=Division.objects.get(code="441422"),
    )
    html = login("city_office").get(quiet.get_absolute_url()).content.decode()
    assert 'data-testid="no-observations"' in html and "<svg" not in html
    assert "No threshold rule" in html


def test_the_station_page_runs_a_fixed_number_of_queries(gauge, login, django_assert_num_queries):
    client = login("city_office")
    feed(gauge, STORM[:2], hours_ago=30)
    client.get(gauge.get_absolute_url())
    with django_assert_num_queries(STATION_PAGE_QUERIES):
        client.get(gauge.get_absolute_url())
    feed(gauge, [12.5] * 20 + STORM)  # many more readings and four alerts
    client.get(gauge.get_absolute_url())  # the alerts' notifications renew the cached unread count
    with django_assert_num_queries(STATION_PAGE_QUERIES):
        assert client.get(gauge.get_absolute_url()).context["reading_count"] == 28


STATION_PAGE_QUERIES = 7  # session, user, unread count, history; station, readings, alerts


def test_the_list_filters_by_kind_division_and_level(gauge, login):
    feed(gauge, [60])
    Station.objects.create(
        code="XN-WIND-01",
        name="罗浮风速站",
        kind="wind",
        rule="wind_mean",
        owner=user("xingning_office").organisation,
        division=Division.objects.get(code="441481"),
    )
    client = login("meixian_office")

    def listed(**query):
        return [s.code for s in client.get(reverse("warnings:station_list"), query).context["object_list"]]

    assert listed() == ["MX-RAIN-09", "XN-WIND-01"]  # another county's station is readable
    assert listed(kind="wind") == ["XN-WIND-01"]
    assert listed(division=Division.objects.get(code="441403").pk) == ["MX-RAIN-09"]
    assert listed(level="yellow") == ["MX-RAIN-09"]
    assert listed(level="normal") == ["XN-WIND-01"]
    export = client.get(reverse("warnings:station_list"), {"kind": "rain", "export": "csv"}).content.decode()
    assert "MX-RAIN-09" in export and "XN-WIND-01" not in export and "Yellow" in export


def test_only_the_owner_edits_a_station_and_the_rule_is_chosen_from_the_table(gauge, login):
    assert login("xingning_office").get(reverse("warnings:station_edit", args=[gauge.pk])).status_code == 404
    client = login("meixian_office")
    form = client.get(reverse("warnings:station_edit", args=[gauge.pk])).context["form"]
    assert ("wind_mean", "wind_mean · 平均风速 (m/s)") in form.fields["rule"].choices
    data = {
        "owner": gauge.owner_id,
        "code": gauge.code,
        "name": gauge.name,
        "kind": "wind",
        "rule": "wind_mean",
        "direction": "rising",
        "hysteresis": "0",
        "division": gauge.division_id,
    }
    assert client.post(reverse("warnings:station_edit", args=[gauge.pk]), data).status_code == 302
    gauge.refresh_from_db()
    assert gauge.rule == "wind_mean"
    bad = client.post(reverse("warnings:station_edit", args=[gauge.pk]), {**data, "rule": "rain_24h"})
    assert bad.status_code == 200 and "rain_24h" in str(bad.context["form"].errors["rule"])


def test_a_river_station_with_its_own_thresholds_alerts_on_them_and_draws_them(login):
    river = Station.objects.create(
        code="SW-MX-01",
        name="梅江松口水位站",
        kind="river",
        owner=user("meixian_office").organisation,
        division=Division.objects.get(code="441403105"),
        yellow_at=Decimal("54.50"),  # 警戒水位
        orange_at=Decimal("55.80"),
        red_at=Decimal("57.00"),  # 保证水位
        hysteresis=Decimal("0.10"),
        unit="m",
    )
    feed(river, [53.2, 54.5, 54.45, 54.5, 55.9, 55.75])
    alerts = StationAlert.objects.filter(station=river).order_by("observed_at")
    # 54.45 stays within yellow's 0.10 m of hysteresis; 55.75 within orange's: two alerts, no flapping.
    assert [(a.level, a.raised, a.edge) for a in alerts] == [
        ("yellow", True, Decimal("54.5")),
        ("orange", True, Decimal("55.8")),
    ]
    page = login("city_office").get(river.get_absolute_url()).content.decode()
    assert "54.5" in page and "55.8" in page and "57" in page


def test_thresholds_out_of_order_are_refused_naming_the_field(gauge, login):
    client = login("meixian_office")
    data = {
        "owner": gauge.owner_id,
        "code": gauge.code,
        "name": gauge.name,
        "kind": "river",
        "yellow_at": "55",
        "orange_at": "54",
        "direction": "rising",
        "hysteresis": "0.1",
        "division": gauge.division_id,
    }
    bad = client.post(reverse("warnings:station_edit", args=[gauge.pk]), data, HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 200 and "orange_at" in bad.context["form"].errors
    gauge.refresh_from_db()
    assert gauge.orange_at is None and gauge.kind == "rain"


# ---- A raised alert proposes a draft warning ---------------------------------------------------------------


def test_the_duty_officers_notification_links_to_the_proposed_warning(gauge):
    feed(gauge, STORM)
    orange = raised(gauge, "orange")
    note = Notification.objects.get(recipient__username="duty_city", subject__contains="104")
    assert note.link == draft_url(orange)
    assert draft_url(orange) in note.body and "100" in note.body


def test_the_proposal_form_is_prefilled_from_the_alert(gauge, login):
    feed(gauge, STORM)
    orange = raised(gauge, "orange")
    response = login("duty_city").get(draft_url(orange))
    assert response.status_code == 200
    initial = {name: response.context["form"][name].value() for name in response.context["form"].fields}
    assert initial["event_type"] == EventType.objects.get(code="11B03").pk  # rain → rainstorm
    assert initial["level"] == "orange"
    assert initial["owner"] == user("duty_city").organisation_id
    assert initial["divisions"] == [gauge.division_id]
    assert initial["area_desc"] == "梅县区雁洋镇"
    assert "雁洋雨量站" in initial["headline"] and "暴雨橙色预警" in initial["headline"]
    when = timezone.localtime(orange.observed_at).strftime("%Y-%m-%d %H:%M")
    for words in ("雁洋雨量站", "MX-RAIN-09", "104", "100", "mm", when):
        assert words in initial["description"]
    assert initial["expires"] - initial["effective"] == datetime.timedelta(hours=24)
    effective = timezone.make_aware(initial["effective"])  # the form shows local time
    assert abs(effective - timezone.now()) < datetime.timedelta(minutes=2)


def form_data(response) -> dict:
    form = response.context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, datetime.datetime):  # the form shows local time
            value = value.strftime("%Y-%m-%dT%H:%M")
        data[name] = value
    return data


def test_saving_makes_an_ordinary_draft_by_the_user_links_the_alert_and_the_author_cannot_approve(
    gauge, login
):
    feed(gauge, STORM)
    orange = raised(gauge, "orange")
    client = login("duty_city")
    assert [a.pk for a in client.get(reverse("warnings:warning_list")).context["proposals"]] == [
        orange.pk,
        raised(gauge, "yellow").pk,
    ]
    response = client.post(draft_url(orange), form_data(client.get(draft_url(orange))))
    assert response.status_code == 302, response.context["form"].errors
    orange.refresh_from_db()
    warning = orange.warning
    assert (warning.state, warning.created_by, warning.level) == ("draft", user("duty_city"), "orange")
    assert response["Location"] == warning.get_absolute_url()
    # The yellow alert before it is covered by the warning: no proposal is left for this station.
    assert client.get(reverse("warnings:warning_list")).context["proposals"] == []
    assert client.get(gauge.get_absolute_url()).context["proposals"] == []
    again = client.get(draft_url(orange))
    assert again.status_code == 302 and again["Location"] == warning.get_absolute_url()
    detail = login("duty_city").get(warning.get_absolute_url()).content.decode()
    assert 'data-testid="approve"' not in detail
    source = detail[detail.index('data-testid="source-alerts"') :]  # the warning names the alert it came from
    assert "雁洋雨量站" in source
    with pytest.raises(PermissionDenied):
        services.approve(user("duty_city"), warning)
    assert services.approve(user("leader_city"), warning).state == Warning.State.APPROVED


def test_a_user_of_another_county_cannot_draft_from_an_alert_outside_their_division(gauge, login):
    feed(gauge, STORM)
    orange = raised(gauge, "orange")
    client = login("xingning_office")
    assert client.get(draft_url(orange)).status_code == 404
    assert client.post(draft_url(orange), {"level": "orange"}).status_code == 404
    assert client.get(reverse("warnings:warning_list")).context["proposals"] == []
    assert client.get(gauge.get_absolute_url()).context["proposals"] == []
    assert login("meixian_office").get(draft_url(orange)).status_code == 200  # the station's own county may


def test_a_role_that_may_not_add_warnings_sees_no_proposal_and_cannot_draft(gauge, login):
    feed(gauge, STORM)
    client = login("leader_city")
    assert client.get(draft_url(raised(gauge, "orange"))).status_code == 403
    assert client.get(gauge.get_absolute_url()).context["proposals"] == []


def test_a_lowering_alert_or_an_unknown_one_proposes_nothing(gauge, login):
    feed(gauge, STORM)
    lowered = StationAlert.objects.filter(station=gauge, raised=False).first()
    client = login("city_office")
    assert client.get(draft_url(lowered)).status_code == 404
    assert client.get(reverse("warnings:warning_from_alert") + "?alert=x").status_code == 404
    assert client.get(reverse("warnings:warning_from_alert")).status_code == 404


def test_readings_are_kept_when_a_drafted_warning_is_deleted_and_the_alert_proposes_again(gauge, login):
    feed(gauge, STORM)
    orange = raised(gauge, "orange")
    client = login("duty_city")
    client.post(draft_url(orange), form_data(client.get(draft_url(orange))))
    orange.refresh_from_db()
    login("city_office").post(reverse("warnings:warning_delete", args=[orange.warning_id]))
    orange.refresh_from_db()
    assert orange.warning is None and Observation.objects.filter(station=gauge).count() == len(STORM)
    assert login("duty_city").get(draft_url(orange)).status_code == 200
