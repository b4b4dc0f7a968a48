"""The demo city's warnings, one in each state, two received from elsewhere, and monitoring stations with a week
of readings.

- 梅州市应急管理局 drafts (city_office), 黄建明 (leader_city) approves, and they are published: an orange rainstorm
  warning for 梅县区 and 兴宁市, a yellow gale warning for a polygon over 五华县, and a blue heat warning for
  梅江区 marked **Exercise**; a yellow cold-wave warning is published and then cancelled; a red warning stays a
  draft awaiting approval; a yellow fog warning is approved and awaits publication; a yellow thunder warning is
  published and then superseded by an orange update; a blue frost warning was published two days ago and has
  expired.
- Two received CAP messages from the files in this folder: a CAP 1.2 gale warning of the provincial observatory
  (a polygon) and a CAP 1.1 flood warning in two languages (a circle).
- 29 monitoring stations across the counties (rain gauges, river and reservoir levels, wind, visibility, a
  landslide's displacement, a mine's gas) with hourly readings for the last 7 days, fed through
  `monitoring.ingest` as a sender would: a rainstorm two days ago takes 松口镇's gauge past yellow and orange and
  back, two more gauges and a wind station past their first level; a morning fog some days ago passes the
  visibility threshold. The duty officer (duty_city) has drafted the warning the orange crossing proposed.

Deterministic and idempotent: warnings are known by owner and headline, received ones by (sender, identifier,
sent), stations by code (a station already held gets no readings: a second load writes nothing); times are
relative to now (a warning is in force for the next days, the readings end at the current hour).
"""

import datetime
import math
import random
from collections import Counter
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from yingji.core.context import acting_as
from yingji.core.models import Division, Organisation, User
from yingji.core.services import save_scoped
from yingji.incidents.models import EventType
from yingji.rules import cap
from yingji.warnings import monitoring, proposals, services
from yingji.warnings.models import CapStatus, ExternalWarning, Station, StationAlert, Warning

HERE = Path(__file__).parent
ISSUER = "梅州市应急管理局"
AUTHOR, APPROVER = "city_office", "leader_city"

WARNINGS = [
    {
        "code": "11B03",
        "level": "orange",
        "divisions": ["441403", "441481"],
        "description": "受强降雨云团影响，预计未来6小时梅县区、兴宁市将出现50毫米以上降水，局部可达100毫米。",
        "instruction": "转移低洼地带和危险区域人员；暂停户外作业；注意防范山洪、地质灾害。",
        "hours": 24,
        "end": "published",
    },
    {
        "code": "11B06",
        "level": "yellow",
        "divisions": [],
        "area_desc": "五华县北部山区",
        "polygons": [[[24.05, 115.65], [24.05, 115.90], [23.90, 115.90], [23.90, 115.65], [24.05, 115.65]]],
        "description": "预计12小时内五华县北部将出现8级以上阵风。",
        "instruction": "加固易被风吹动的搭建物，停止高空作业。",
        "hours": 12,
        "end": "published",
    },
    {
        "code": "11B09",
        "level": "blue",
        "divisions": ["441402"],
        "status": CapStatus.EXERCISE,
        "description": "【演练】梅江区高温预警发布流程演练。",
        "instruction": "演练信息，无需采取行动。",
        "hours": 6,
        "end": "published",
    },
    {
        "code": "11B05",
        "level": "yellow",
        "divisions": ["441426", "441427"],
        "description": "受强冷空气影响，平远县、蕉岭县48小时内气温将下降8℃以上。",
        "instruction": "注意防寒保暖，做好农作物防冻工作。",
        "hours": 48,
        "end": "cancelled",
    },
    {
        "code": "11B03",
        "level": "red",
        "divisions": ["441422"],
        "description": "大埔县3小时内降雨量将达100毫米以上（草稿，待审批）。",
        "instruction": "立即转移危险区域人员。",
        "hours": 12,
        "end": "draft",
    },
    {
        "code": "11B17",
        "level": "yellow",
        "divisions": ["441426", "441427"],
        "description": "预计未来12小时平远县、蕉岭县将出现能见度小于500米的雾。",
        "instruction": "驾驶人员注意雾天行车安全，减速慢行。",
        "hours": 12,
        "end": "approved",
    },
    {
        "code": "11B14",
        "level": "yellow",
        "divisions": ["441422"],
        "description": "预计6小时内大埔县将发生雷电活动，可能伴有短时强降水。",
        "instruction": "户外人员尽快到安全场所躲避。",
        "hours": 18,
        "end": "updated",
        "update": {
            "level": "orange",
            "description": "大埔县雷电活动加强，2小时内可能发生强雷电，局部伴有冰雹。",
            "instruction": "停止户外活动，远离高大建筑物和树木，切断危险电源。",
        },
    },
    {
        "code": "11B16",
        "level": "blue",
        "divisions": ["441426"],
        "description": "受冷空气影响，平远县北部山区凌晨最低气温将降至0℃以下，有霜冻。",
        "instruction": "做好农作物和设施农业的防冻工作。",
        "hours": 18,
        "end": "expired",
        "sent_hours_ago": 48,
    },
]


RECEIVED = ["weather_province.xml", "flood_basin_cap11.xml"]


def _headline(owner, event_type, level: str, status: str = CapStatus.ACTUAL) -> str:
    headline = cap.headline(owner.name, services.event_word(event_type), level)
    return headline if status == CapStatus.ACTUAL else f"【演练】{headline}"


def _backdate(warning: Warning, hours: int) -> None:
    """A warning published `hours` ago (sent, effective, approval, identifier and CAP message moved back with it),
    so that it has expired by now; `services.expire_due` then marks it as the worker would."""
    shift = datetime.timedelta(hours=hours)
    warning.sent -= shift
    warning.effective -= shift
    warning.approved_at -= shift
    warning.expires -= shift
    warning.identifier = services._allocate_identifier(warning, warning.sent)
    xml = cap.to_xml(services.build_alert(warning))
    cap.validate(xml)
    warning.cap_xml = xml.decode("utf-8")
    warning.save()


def load_warnings() -> Counter:
    tally: Counter = Counter()
    author, approver = User.objects.get(username=AUTHOR), User.objects.get(username=APPROVER)
    owner = Organisation.objects.get(name=ISSUER)
    with transaction.atomic():
        for spec in WARNINGS:
            event_type = EventType.objects.get(code=spec["code"])
            status = spec.get("status", CapStatus.ACTUAL)
            headline = _headline(owner, event_type, spec["level"], status)
            if Warning.objects.filter(owner=owner, headline=headline, msg_type="Alert").exists():
                continue
            now = timezone.now().replace(microsecond=0)
            warning = Warning(
                owner=owner,
                event_type=event_type,
                level=spec["level"],
                headline=headline,
                description=spec["description"],
                instruction=spec["instruction"],
                area_desc=spec.get("area_desc", ""),
                polygons=spec.get("polygons", []),
                status=status,
                expires=now + datetime.timedelta(hours=spec["hours"]),
            )
            divisions = list(Division.objects.filter(code__in=spec["divisions"]))
            with acting_as(author):
                services.save_draft(author, warning, divisions)
            tally["drafts"] += 1
            if spec["end"] == "draft":
                continue
            with acting_as(approver):
                services.approve(approver, warning)
            if spec["end"] == "approved":
                tally["approved"] += 1
                continue
            with acting_as(author):
                warning = services.publish(author, warning)
            tally["published"] += 1
            if spec["end"] == "cancelled":
                with acting_as(author):
                    services.cancel(author, warning, "冷空气强度减弱，解除预警。")
                tally["cancelled"] += 1
            elif spec["end"] == "updated":
                with acting_as(author):
                    update = services.start_update(author, warning)
                    for name, value in spec["update"].items():
                        setattr(update, name, value)
                    update.headline = _headline(owner, event_type, update.level)
                    services.save_draft(author, update, divisions)
                with acting_as(approver):
                    services.approve(approver, update)
                with acting_as(author):
                    services.publish(author, update)
                tally["updated"] += 1
            elif spec["end"] == "expired":
                with acting_as(author):
                    _backdate(warning, spec["sent_hours_ago"])
                tally["expired"] += services.expire_due()
        for name in RECEIVED:
            data = (HERE / name).read_bytes()
            with acting_as(author):
                _, created = services.import_cap(author, data, ExternalWarning.Channel.UPLOAD)
            tally["received"] += created
        tally.update(load_stations())
    return tally


# ---- Monitoring stations and a week of readings --------------------------------------------------------------

OBSERVER = "city_office"  # sends the readings, as the stations' gateway would with its account
DUTY_OFFICER = "duty_city"  # drafts the warning the orange crossing proposes
HOURS = 7 * 24
RAIN_PEAK_HOURS_AGO = 50  # the rainstorm, two days ago
# 1-hour rainfall (mm) at 松口镇, hour by hour; other gauges get a share of it, a few hours earlier or later.
RAIN_PROFILE = [2, 6, 14, 28, 45, 58, 72, 104, 86, 52, 31, 12, 4, 1]
RAIN_PEAK_INDEX = 7
# a morning fog three or four days ago: visibility (m) hour by hour
FOG_PROFILE = [6000, 3000, 1200, 650, 420, 360, 480, 900, 2500, 6000]

# code, name, kind, rule, division, owner, share of the event (rain: of RAIN_PROFILE; wind: peak m/s; river,
# reservoir: rise in m; displacement: jump in mm), base value, hours the event comes later (west to east)
STATIONS = [
    ("YL-441403104", "松口镇雨量站", "rain", "rain_1h", "441403104", "梅州市气象局", 1.0, 0, 0),
    ("YL-441403105", "雁洋镇雨量站", "rain", "rain_1h", "441403105", "梅州市梅县区水利局", 0.6, 0, 0),
    ("YL-441403103", "畲江镇雨量站", "rain", "rain_1h", "441403103", "梅州市梅县区水利局", 0.3, 0, -1),
    ("YL-441481101", "罗浮镇雨量站", "rain", "rain_1h", "441481101", "梅州市气象局", 0.55, 0, -2),
    ("YL-441481102", "叶塘镇雨量站", "rain", "rain_1h", "441481102", "兴宁市水利局", 0.35, 0, -2),
    ("YL-441402101", "三角镇雨量站", "rain", "rain_1h", "441402101", "梅州市气象局", 0.4, 0, 0),
    ("YL-441402103", "西阳镇雨量站", "rain", "rain_1h", "441402103", "梅州市梅江区水利局", 0.3, 0, 1),
    ("YL-441422102", "三河镇雨量站", "rain", "rain_1h", "441422102", "梅州市气象局", 0.35, 0, 2),
    ("YL-441422104", "高陂镇雨量站", "rain", "rain_1h", "441422104", "大埔县水利局", 0.2, 0, 2),
    ("YL-441423105", "八乡山镇雨量站", "rain", "rain_1h", "441423105", "丰顺县水利局", 0.25, 0, 0),
    ("YL-441423104", "留隍镇雨量站", "rain", "rain_1h", "441423104", "梅州市气象局", 0.15, 0, 2),
    ("YL-441424102", "华城镇雨量站", "rain", "rain_1h", "441424102", "梅州市气象局", 0.3, 0, -2),
    ("YL-441424103", "安流镇雨量站", "rain", "rain_1h", "441424103", "五华县水利局", 0.2, 0, -1),
    ("YL-441426102", "仁居镇雨量站", "rain", "rain_1h", "441426102", "梅州市气象局", 0.25, 0, -1),
    ("YL-441427102", "长潭镇雨量站", "rain", "rain_1h", "441427102", "蕉岭县水利局", 0.3, 0, 1),
    ("SW-441402001", "梅江梅州水文站", "river", "", "441402001", "梅州市梅江区水利局", 3.2, 73.6, 3),
    ("SW-441403104", "梅江松口水位站", "river", "", "441403104", "梅州市梅县区水利局", 3.8, 52.4, 4),
    ("SW-441422102", "韩江三河坝水文站", "river", "", "441422102", "大埔县水利局", 4.5, 38.9, 6),
    ("SW-441481002", "宁江兴宁水位站", "river", "", "441481002", "兴宁市水利局", 2.1, 104.2, 1),
    ("SW-441423104", "韩江留隍水位站", "river", "", "441423104", "丰顺县水利局", 3.0, 21.5, 8),
    ("SK-441427102", "长潭水库水位站", "reservoir", "", "441427102", "蕉岭县水利局", 0.9, 146.3, 2),
    ("SK-441424102", "益塘水库水位站", "reservoir", "", "441424102", "五华县水利局", 0.6, 117.8, 1),
    ("FS-441424102", "华城镇风速站", "wind", "wind_mean", "441424102", "梅州市气象局", 12.4, 3.0, -2),
    ("FS-441426101", "大柘镇风速站", "wind", "wind_mean", "441426101", "梅州市气象局", 7.6, 2.5, -1),
    ("FS-441402003", "西郊街道风速站", "wind", "wind_mean", "441402003", "梅州市气象局", 7.8, 2.0, 0),
    ("NJD-441403101", "程江镇能见度站", "visibility", "visibility", "441403101", "梅州市气象局", 1.0, 0, 0),
    (
        "WY-441403103",
        "畲江镇滑坡位移监测点",
        "displacement",
        "",
        "441403103",
        "梅州市梅县区自然资源局",
        4.0,
        12.0,
        1,
    ),
    (
        "WY-441422105",
        "百侯镇滑坡位移监测点",
        "displacement",
        "",
        "441422105",
        "梅州市自然资源局",
        2.5,
        8.5,
        3,
    ),
    ("WS-441481101", "罗浮镇矿井瓦斯监测点", "gas", "", "441481101", "兴宁市应急管理局", 0, 0.18, 0),
]


def _own_thresholds(kind: str, share: float, base: float) -> dict:
    """Site thresholds for the stations the threshold table has no rule for: a river's 警戒水位 and 保证水位, a
    reservoir's 汛限水位, a slope's displacement, a mine's methane (煤矿安全规程: 1.0 % stops the work)."""

    def at(value: float) -> Decimal:
        return Decimal(f"{value:.2f}")

    if kind == "river":
        levels = {"yellow_at": at(base + 0.55 * share), "orange_at": at(base + 0.8 * share)}
        return {**levels, "red_at": at(base + 1.1 * share), "hysteresis": Decimal("0.1"), "unit": "m"}
    if kind == "reservoir":
        return {"yellow_at": at(base + 0.7 * share), "hysteresis": Decimal("0.05"), "unit": "m"}
    if kind == "displacement":
        levels = {"yellow_at": at(base + 3), "orange_at": at(base + 5.5), "red_at": at(base + 10)}
        return {**levels, "hysteresis": Decimal("0.5"), "unit": "mm"}
    if kind == "gas":
        levels = {"yellow_at": Decimal("0.8"), "orange_at": Decimal("1.0"), "red_at": Decimal("1.5")}
        return {**levels, "hysteresis": Decimal("0.05"), "unit": "%"}
    return {}


def _smooth(x: float) -> float:
    x = min(max(x, 0.0), 1.0)
    return x * x * (3 - 2 * x)


def _reading(kind: str, share: float, base: float, lag: int, ago: int, rnd: random.Random) -> float:
    """The reading `ago` hours before now: the week's weather, the same for every load of the demo."""
    since_rain = RAIN_PEAK_HOURS_AGO - lag - ago  # hours after the rain's peak at this station
    local_hour = (timezone.localtime().hour - ago) % 24
    if kind == "rain":
        index = RAIN_PEAK_INDEX + since_rain
        if 0 <= index < len(RAIN_PROFILE):
            return round(RAIN_PROFILE[index] * share, 1)
        return round(rnd.uniform(0.2, 3.0), 1) if rnd.random() < 0.06 else 0.0
    if kind == "wind":
        calm = base + 1.2 * math.sin((local_hour - 8) / 24 * 2 * math.pi) + rnd.uniform(0, 1.2)
        gust = (share - base) * math.exp(-((since_rain + 1) ** 2) / 6)
        return round(max(calm + gust, 0.0), 1)
    if kind == "visibility":
        # thickest at 06:00, three to four days ago
        thickest = 72 + (timezone.localtime().hour - 6) % 24
        index = thickest - ago + FOG_PROFILE.index(min(FOG_PROFILE))
        if 0 <= index < len(FOG_PROFILE):
            return float(FOG_PROFILE[index])
        return float(round(rnd.uniform(8000, 15000), -1))
    if kind == "river":
        rise = ((since_rain + 6) / 14) ** 2 if -6 <= since_rain <= 8 else 0.0
        if since_rain > 8:
            rise = math.exp(-(since_rain - 8) / 18)
        return round(base + share * rise + rnd.uniform(-0.03, 0.03), 2)
    if kind == "reservoir":
        fall = 0.004 * max(since_rain - 12, 0)
        return round(base + share * _smooth((since_rain + 4) / 16) - fall + rnd.uniform(-0.01, 0.01), 2)
    if kind == "displacement":
        creep = 0.012 * (HOURS - ago)
        return round(base + creep + share * _smooth(since_rain / 10) + rnd.uniform(-0.05, 0.05), 2)
    return round(base + rnd.uniform(-0.05, 0.05), 2)  # gas: a mine's methane (%), no event


def _demo_texts(alert: StationAlert, warning: Warning) -> None:
    """The demo's warning text, written in Chinese as a duty officer would (the proposal's template is
    translated with the platform's messages)."""
    station, rule = alert.station, alert.station.threshold_rule()
    _divisions, area = proposals.area_of(station)
    when = timezone.localtime(alert.observed_at)
    warning.description = (
        f"{when:%m月%d日%H时}，{area}{station.name}监测到{rule.name}{alert.value.normalize():f}{rule.unit}，"
        f"超过橙色预警阈值{alert.edge.normalize():f}{rule.unit}；预计未来6小时仍有强降雨，"
        "山洪、中小河流洪水和地质灾害风险高。"
    )
    warning.instruction = "转移山洪危险区和地质灾害隐患点人员；暂停户外作业；注意防范城乡积涝。"


def load_stations() -> Counter:
    tally: Counter = Counter()
    held = set(Station.objects.filter(code__in=[s[0] for s in STATIONS]).values_list("code", flat=True))
    new = [s for s in STATIONS if s[0] not in held]
    if not new:
        return tally
    observer = User.objects.get(username=OBSERVER)
    owners = {o.name: o for o in Organisation.objects.filter(name__in={s[5] for s in new})}
    divisions = {d.code: d for d in Division.objects.filter(code__in={s[4] for s in new})}
    end = timezone.now().replace(minute=0, second=0, microsecond=0)
    with acting_as(observer):
        for code, name, kind, rule, division, owner, share, base, lag in new:
            place = divisions[division]
            rnd = random.Random(code)  # the same week on every load
            station = Station(
                code=code,
                name=name,
                kind=kind,
                rule=rule,
                owner=owners[owner],
                division=place,
                latitude=place.latitude + Decimal(rnd.randint(-60, 60)) / 10000 if place.latitude else None,
                longitude=place.longitude + Decimal(rnd.randint(-60, 60)) / 10000
                if place.longitude
                else None,
            )
            for field, value in _own_thresholds(kind, share, base).items():
                setattr(station, field, value)
            save_scoped(observer, station)
            rows = [
                {
                    "station": code,
                    "time": (end - datetime.timedelta(hours=ago)).isoformat(),
                    "value": _reading(kind, share, base, lag, ago, rnd),
                }
                for ago in range(HOURS - 1, -1, -1)
            ]
            result = monitoring.ingest(observer, rows)
            tally["stations"] += 1
            tally["observations"] += result["stored"]
            tally["station alerts"] += len(result["alerts"])
    orange = (
        StationAlert.objects.filter(station__code=STATIONS[0][0], level="orange", raised=True, warning=None)
        .select_related("station__division__parent", "station__owner")
        .first()
    )
    if orange is not None:
        duty = User.objects.get(username=DUTY_OFFICER)
        values = proposals.initial(duty, orange)
        warning = Warning(
            owner=Organisation.objects.get(pk=values["owner"]),
            event_type=EventType.objects.get(pk=values["event_type"]),
            level=values["level"],
            headline=values["headline"],
            area_desc=values["area_desc"],
            effective=values["effective"],
            expires=values["expires"],
        )
        _demo_texts(orange, warning)
        with acting_as(duty):
            proposals.draft_from_alert(
                duty, orange, warning, Division.objects.filter(pk__in=values["divisions"])
            )
        tally["drafted from alerts"] += 1
    return tally
