"""The demo city's resource libraries: a few hundred teams and experts and about a hundred shelters across the
counties and towns of 梅州市, each placed near the seat of its division.

Deterministic: each record's randomness comes from a generator seeded with its own name, so adding or removing
one record changes no other. Idempotent: a record is matched on its natural key (team: name; expert: name and
phone; shelter: division and name; equipment: team and kind; deployment and mission: their parent, date and
text) and only what differs is written, through save(), so a second run writes nothing.

Names, people, phone numbers and positions are made up (see core/demo/README.md).
"""

import datetime
import hashlib
import importlib
import random
from collections import Counter
from decimal import Decimal

from django.apps import apps
from django.db import transaction

from yingji.core.context import acting_as
from yingji.core.models import Division, DivisionLevel, Organisation, OrganisationKind
from yingji.resources.models import (
    Deployment,
    Equipment,
    Expert,
    ExpertField,
    Mission,
    Shelter,
    Team,
    TeamClass,
    TeamKind,
)

# Chinese names of the team kinds, as the teams are called.
TEAM_NAMES = {
    TeamKind.FLOOD_RESCUE: "防汛抢险队",
    TeamKind.FOREST_FIRE: "森林消防队",
    TeamKind.FIRE: "消防救援站",
    TeamKind.MINE_RESCUE: "矿山救护队",
    TeamKind.HAZCHEM: "危化品应急救援队",
    TeamKind.GEOLOGICAL: "地质灾害应急队",
    TeamKind.MEDICAL: "医疗救护队",
    TeamKind.EPIDEMIC: "疾控应急队",
    TeamKind.POWER: "电力抢修队",
    TeamKind.COMMUNICATIONS: "通信保障队",
    TeamKind.ROAD_REPAIR: "道路抢通队",
    TeamKind.WATER_RESCUE: "水上搜救队",
    TeamKind.VOLUNTEER: "志愿救援队",
}
EQUIPMENT = {
    TeamKind.FLOOD_RESCUE: [("冲锋舟", 2, 6), ("橡皮艇", 2, 8), ("救生衣", 40, 200), ("抽水泵", 2, 10)],
    TeamKind.FOREST_FIRE: [("风力灭火机", 10, 40), ("水泵", 2, 8), ("灭火水枪", 10, 30)],
    TeamKind.FIRE: [("消防车", 2, 8), ("破拆工具组", 2, 6), ("空气呼吸器", 10, 40)],
    TeamKind.MINE_RESCUE: [("正压氧气呼吸器", 10, 30), ("气体检测仪", 4, 12)],
    TeamKind.HAZCHEM: [("防化服", 10, 40), ("有毒气体检测仪", 2, 8), ("洗消帐篷", 1, 3)],
    TeamKind.GEOLOGICAL: [("无人机", 1, 4), ("GNSS 监测仪", 2, 8)],
    TeamKind.MEDICAL: [("救护车", 2, 6), ("急救包", 20, 60)],
    TeamKind.EPIDEMIC: [("消杀设备", 4, 12), ("采样箱", 4, 20)],
    TeamKind.POWER: [("发电车", 1, 3), ("发电机", 2, 10), ("抢修车", 2, 6)],
    TeamKind.COMMUNICATIONS: [("应急通信车", 1, 2), ("卫星电话", 4, 12)],
    TeamKind.ROAD_REPAIR: [("挖掘机", 1, 4), ("装载机", 1, 4), ("运输车", 2, 8)],
    TeamKind.WATER_RESCUE: [("救生艇", 2, 6), ("潜水装具", 4, 12)],
    TeamKind.VOLUNTEER: [("对讲机", 10, 30), ("救生衣", 10, 50)],
}
HEADCOUNT = {TeamClass.PROFESSIONAL: (30, 120), TeamClass.SEMI: (20, 60), TeamClass.VOLUNTEER: (10, 50)}
# Town teams: every town has a flood-rescue team and a volunteer team, some more.
TOWN_KINDS = [TeamKind.FLOOD_RESCUE, TeamKind.VOLUNTEER, TeamKind.FOREST_FIRE, TeamKind.MEDICAL]
SURNAMES = "李张陈黄刘林罗钟曾邱温叶古廖赖谢朱杨何吴"
GIVEN = [
    "志强",
    "建华",
    "晓敏",
    "国平",
    "文清",
    "春华",
    "海燕",
    "伟",
    "芳",
    "军",
    "丽娟",
    "明辉",
    "小龙",
    "秀英",
    "振宇",
    "慧",
    "剑锋",
    "立新",
    "嘉怡",
    "子健",
]
TITLES = ["教授", "研究员", "高级工程师", "主任医师", "副主任医师", "正高级工程师", "工程师", "副教授"]
EMPLOYERS = {
    "flood": ["梅州市水利局", "梅州市水文局", "广东省水利水电第二工程局"],
    "geology": ["广东省地质局七〇六地质大队", "梅州市自然资源局"],
    "hazchem": ["梅州市应急管理局", "广东塔牌集团"],
    "mining": ["梅州市煤矿安全监察站", "广东省矿山救护中心梅州分中心"],
    "medicine": ["梅州市人民医院", "梅州市中医医院", "梅县区人民医院"],
    "epidemiology": ["梅州市疾病预防控制中心", "嘉应学院医学院"],
    "structural": ["嘉应学院土木工程学院", "梅州市建筑设计院"],
    "fire": ["梅州市消防救援支队"],
    "forest-fire": ["梅州市林业局", "广东省森林消防总队梅州支队"],
    "meteorology": ["梅州市气象局"],
    "earthquake": ["梅州市地震局"],
    "environment": ["梅州市生态环境局"],
    "transport": ["梅州市交通运输局"],
    "power": ["广东电网梅州供电局"],
    "communications": ["中国移动梅州分公司", "中国电信梅州分公司"],
    "psychology": ["梅州市第三人民医院", "嘉应学院心理健康教育中心"],
}
SHELTER_PLACES = [
    ("中心小学", Shelter.Setting.INDOOR, Shelter.ShelterClass.III),
    ("中学", Shelter.Setting.INDOOR, Shelter.ShelterClass.II),
    ("文化广场", Shelter.Setting.OUTDOOR, Shelter.ShelterClass.III),
    ("体育馆", Shelter.Setting.INDOOR, Shelter.ShelterClass.I),
    ("公园", Shelter.Setting.OUTDOOR, Shelter.ShelterClass.II),
]
TODAY = datetime.date(2026, 11, 1)  # fixed: the demo is the same whenever it is loaded


def rng(name: str) -> random.Random:
    """A generator seeded with the record's own name."""
    return random.Random(int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big"))


def near(r: random.Random, division: Division, spread: float) -> tuple[Decimal, Decimal]:
    lat = float(division.latitude) + r.uniform(-spread, spread)
    lon = float(division.longitude) + r.uniform(-spread, spread)
    return Decimal(f"{lat:.6f}"), Decimal(f"{lon:.6f}")


class Loader:
    def __init__(self):
        self.counts = Counter()

    def put(self, model, key: dict, values: dict, m2m: dict | None = None):
        """Create the record named by `key`, or put back the fields that differ; then the many-to-many sets."""
        obj = model._default_manager.filter(**key).first()
        if obj is None:
            obj = model(**key, **values)
            obj.save()
            self.counts[f"{model.__name__} created"] += 1
        else:
            changed = [f for f, v in values.items() if getattr(obj, f) != v]
            if changed:
                for f in changed:
                    setattr(obj, f, values[f])
                obj.save()
                self.counts[f"{model.__name__} updated"] += 1
            else:
                self.counts[f"{model.__name__} unchanged"] += 1
        for name, targets in (m2m or {}).items():
            manager = getattr(obj, name)
            wanted = {t.pk for t in targets}
            if set(manager.values_list("pk", flat=True)) != wanted:
                manager.set(wanted)
        return obj


def _office(division: Division, offices: dict) -> Organisation:
    """The emergency office of the division's county (or the city's)."""
    while division is not None:
        if division.pk in offices:
            return offices[division.pk]
        division = division.parent
    raise LookupError("no emergency office")


def load_resources() -> dict:
    importlib.import_module("yingji.resources.migrations.0002_expert_fields").load(apps, None)
    with acting_as(None), transaction.atomic():
        loader = Loader()
        divisions = list(Division.objects.filter(latitude__isnull=False).select_related("parent"))
        city = next(d for d in divisions if d.level == DivisionLevel.CITY)
        counties = [d for d in divisions if d.level == DivisionLevel.COUNTY]
        towns = [d for d in divisions if d.level == DivisionLevel.TOWN]
        offices = {o.division_id: o for o in Organisation.objects.filter(kind=OrganisationKind.OFFICE)}
        _teams(loader, city, counties, towns, offices)
        _experts(loader, counties, towns, offices)
        _shelters(loader, counties, towns, offices)
    return dict(loader.counts)


def _short(division: Division) -> str:
    return division.name


def _teams(loader, city, counties, towns, offices):
    plans = []  # (name, kind, class, division, spread)
    for kind in TeamKind:
        plans.append((f"梅州市{TEAM_NAMES[kind]}", kind, TeamClass.PROFESSIONAL, city, 0.04))
    for county in counties:
        for kind in TeamKind:
            team_class = TeamClass.VOLUNTEER if kind == TeamKind.VOLUNTEER else TeamClass.PROFESSIONAL
            plans.append((f"{county.name}{TEAM_NAMES[kind]}", kind, team_class, county, 0.05))
    for town in towns:
        r = rng(town.name + "teams")
        kinds = TOWN_KINDS[:2] + [k for k in TOWN_KINDS[2:] if r.random() < 0.6]
        for kind in kinds:
            team_class = TeamClass.VOLUNTEER if kind == TeamKind.VOLUNTEER else TeamClass.SEMI
            plans.append((f"{town.parent.name}{town.name}{TEAM_NAMES[kind]}", kind, team_class, town, 0.02))
    for name, kind, team_class, division, spread in plans:
        r = rng(name)
        lat, lon = near(r, division, spread)
        roll = r.random()
        readiness = (
            Team.Readiness.READY
            if roll < 0.8
            else Team.Readiness.DEPLOYED
            if roll < 0.9
            else Team.Readiness.RESTING
        )
        if kind == TeamKind.FLOOD_RESCUE and division.path.startswith("441400/441403/"):
            readiness = Team.Readiness.READY  # 梅县区: the flood-rescue teams the browser test expects
        low, high = HEADCOUNT[team_class]
        team = loader.put(
            Team,
            {"name": name},
            {
                "kind": kind,
                "team_class": team_class,
                "headcount": r.randint(low, high),
                "owner": _office(division, offices),
                "division": division,
                "address": f"{division.name}{r.choice(['中心路', '人民路', '新城大道', '滨江路'])}{r.randint(1, 300)}号",
                "latitude": lat,
                "longitude": lon,
                "duty_phone": f"0753-{r.randint(2100000, 2999999)}",
                "readiness": readiness,
            },
        )
        for kind_name, low_n, high_n in EQUIPMENT[kind]:
            loader.put(
                Equipment,
                {"team": team, "kind": kind_name},
                {"count": rng(name + kind_name).randint(low_n, high_n)},
            )
        if r.random() < 0.25:
            date = TODAY - datetime.timedelta(days=r.randint(10, 600))
            loader.put(Deployment, {"team": team, "date": date, "note": "参加防汛抢险"}, {})


def _experts(loader, counties, towns, offices):
    fields = list(ExpertField.objects.all())
    places = counties * 4 + towns
    count = 0
    for i, surname in enumerate(SURNAMES):
        for j, given in enumerate(GIVEN):
            count += 1
            if count > 320:
                return
            name = f"{surname}{given}"
            phone = f"1370753{(i * len(GIVEN) + j) + 5000:04d}"
            r = rng(name + phone)
            chosen = r.sample(fields, r.choice([1, 1, 2]))
            division = r.choice(places)
            roll = r.random()
            availability = (
                Expert.Availability.AVAILABLE
                if roll < 0.85
                else Expert.Availability.ON_MISSION
                if roll < 0.93
                else Expert.Availability.UNAVAILABLE
            )
            own = r.random() < 0.5
            lat, lon = near(r, division, 0.02) if own else (None, None)
            values = {
                "title": r.choice(TITLES),
                "employer": r.choice(EMPLOYERS.get(chosen[0].code, ["梅州市应急管理局"])),
                "division": division,
                "owner": _office(division, offices),
                "availability": availability,
                "unavailable_until": TODAY + datetime.timedelta(days=r.randint(10, 90))
                if availability == Expert.Availability.UNAVAILABLE
                else None,
                "email": "",
            }
            if own:
                values.update(latitude=lat, longitude=lon, position_from_division=False)
            expert = loader.put(Expert, {"name": name, "phone": phone}, values, {"fields": chosen})
            if r.random() < 0.2:
                date = TODAY - datetime.timedelta(days=r.randint(10, 700))
                loader.put(
                    Mission, {"expert": expert, "date": date, "description": f"{chosen[0].name}现场会商"}, {}
                )


def _shelters(loader, counties, towns, offices):
    plans = []
    for county in counties:
        for place, setting, shelter_class in SHELTER_PLACES[2:5]:
            plans.append(
                (county, place, setting, shelter_class, 0.03, [county], (county.population or 0) // 10)
            )
    for town in towns:
        r = rng(town.name + "shelters")
        for place, setting, shelter_class in r.sample(SHELTER_PLACES[:3], r.choice([1, 2, 2, 2])):
            plans.append((town, place, setting, shelter_class, 0.015, [town], town.population or 0))
    for division, place, setting, shelter_class, spread, served, population in plans:
        name = f"{division.name}{place}避难场所"
        r = rng(f"{division.code}{name}")
        lat, lon = near(r, division, spread)
        area = r.randint(2000, 30000)
        capacity = area // (2 if setting == Shelter.Setting.INDOOR else 3)
        roll = r.random()
        status = Shelter.Status.CLOSED if roll < 0.85 else Shelter.Status.OPEN
        occupancy = r.randint(0, capacity // 3) if status == Shelter.Status.OPEN else 0
        loader.put(
            Shelter,
            {"division": division, "name": name},
            {
                "shelter_class": shelter_class,
                "setting": setting,
                "owner": _office(division, offices),
                "address": f"{division.name}{place}",
                "latitude": lat,
                "longitude": lon,
                "area_m2": area,
                "capacity": capacity,
                "occupancy": occupancy,
                "status": status,
                "water": True,
                "power": r.random() < 0.9,
                "toilets": True,
                "medical": r.random() < 0.5,
                "kitchen": setting == Shelter.Setting.INDOOR and r.random() < 0.6,
                "population_served": population,
                "manager": r.choice(SURNAMES) + r.choice(GIVEN),
                "phone": f"0753-{r.randint(2100000, 2999999)}",
            },
            {"divisions_served": served},
        )
