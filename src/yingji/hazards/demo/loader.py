"""The demo city's hazards: hazard sources (chemical plants, tailings dams, gas stations) in every county, danger
zones (landslide bodies and flood-prone low ground drawn as polygons near towns of 梅县区 and 大埔县), inspections
whose findings became safety hazards, assessments, and rectifications in every state (some overdue).

Deterministic: each record's randomness comes from a generator seeded with its own name. Idempotent: a record is
matched on its natural key (hazard: name and division; inspection: date and unit; assessment: hazard, date and
method; rectification: hazard and measures) and created only when missing, so a second run writes nothing.
A rectification's deadline is set relative to the day it is first loaded (so some are overdue) and never moved.

Names, people, phone numbers and positions are made up (see core/demo/README.md).
"""

import datetime
import hashlib
import math
import random
from collections import Counter
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yingji.core.context import acting_as
from yingji.core.models import Division, DivisionLevel, Organisation, OrganisationKind, User
from yingji.hazards import services
from yingji.hazards.models import Hazard, Inspection

ANCHOR = datetime.date(2026, 1, 5)  # assessments and inspections are dated from here (fixed: idempotent)

SOURCES = [  # (name pattern, category, event types, people range, property range in 万元)
    ("{place}化工有限公司液氯储罐区", "化工企业", "12D", (50, 400), (2000, 20000)),
    ("{place}尾矿库", "尾矿库", "12A 12J", (100, 2000), (500, 5000)),
    ("{place}加油站", "加油站", "12D 12C", (20, 200), (300, 1500)),
    ("{place}液化气储配站", "燃气", "12D 12C", (50, 800), (500, 3000)),
]
ZONE_TOWNS = ["雁洋镇", "松口镇", "畲江镇", "程江镇", "湖寮镇", "三河镇", "茶阳镇", "高陂镇", "百侯镇"]
FINDINGS = [
    "消防通道被货物堵塞",
    "储罐区可燃气体报警器失效",
    "应急照明灯不亮",
    "特种作业人员无证上岗",
    "配电箱未接地",
    "安全出口指示标志缺失",
]


def rng(key: str) -> random.Random:
    return random.Random(int(hashlib.sha256(key.encode()).hexdigest()[:16], 16))


def _polygon(r: random.Random, lat: float, lon: float, radius: float) -> list[list[float]]:
    """An irregular ring of 7 points around (lat, lon): a landslide body or a low-lying area."""
    points = []
    for i in range(7):
        angle = 2 * math.pi * i / 7
        d = radius * (0.6 + 0.4 * r.random())
        points.append([round(lat + d * math.sin(angle), 6), round(lon + d * math.cos(angle), 6)])
    return points


class Loader:
    def __init__(self, user, checker):
        self.user, self.checker = user, checker
        self.counts: Counter = Counter()
        self.today = timezone.localdate()

    def hazard(self, **values) -> Hazard:
        found = Hazard.objects.filter(name=values["name"], division=values["division"]).first()
        if found:
            return found
        hazard = services.save_hazard(self.user, Hazard(**values))
        self.counts["hazards"] += 1
        return hazard

    def assess(self, hazard: Hazard, method: str, inputs: dict, when: datetime.date) -> None:
        if hazard.assessments.filter(assessed_on=when, method=method).exists():
            return
        services.assess(self.user, hazard, method, inputs, assessed_on=when)
        self.counts["assessments"] += 1

    def rectify(self, hazard: Hazard, measures: str, unit, offset: int, state: str) -> None:
        if hazard.rectifications.filter(measures=measures).exists():
            return
        deadline = self.today + datetime.timedelta(days=offset)
        item = services.add_rectification(self.user, hazard, measures=measures, unit=unit, deadline=deadline)
        services.add_progress(self.user, item, "已制定整改方案，落实责任人。")
        if state in ("done", "closed"):
            item = services.report_done(self.checker, item, "整改完成，请复核。")
        if state == "closed":
            services.verify(self.user, item, note="现场复核合格。")
        self.counts["rectifications"] += 1


def load_hazards() -> dict:
    user = User.objects.get(username="city_admin")
    checker = User.objects.get(username="city_office")
    with acting_as(user), transaction.atomic():
        loader = Loader(user, checker)
        divisions = list(Division.objects.filter(latitude__isnull=False).select_related("parent"))
        counties = [d for d in divisions if d.level == DivisionLevel.COUNTY]
        towns = [d for d in divisions if d.level == DivisionLevel.TOWN]
        offices = {o.division_id: o for o in Organisation.objects.filter(kind=OrganisationKind.OFFICE)}
        _sources(loader, counties, towns, offices)
        _zones(loader, towns, offices)
        _inspections(loader, counties, towns, offices)
    return dict(loader.counts)


def _office_for(division, offices):
    while division is not None:
        if division.pk in offices:
            return offices[division.pk]
        division = division.parent
    return None


def _sources(loader, counties, towns, offices):
    for county in counties:
        owner = _office_for(county, offices)
        county_towns = [t for t in towns if t.parent_id == county.pk] or [county]
        for index, (pattern, category, types, people, money) in enumerate(SOURCES):
            town = county_towns[index % len(county_towns)]
            name = pattern.format(place=f"{county.name}{town.name}" if town != county else county.name)
            r = rng(name)
            hazard = loader.hazard(
                name=name,
                kind=Hazard.Kind.SOURCE,
                category=category,
                event_types=types,
                division=town,
                owner=owner,
                address=f"{county.name}{town.name}",
                latitude=Decimal(f"{float(town.latitude) + r.uniform(-0.02, 0.02):.6f}"),
                longitude=Decimal(f"{float(town.longitude) + r.uniform(-0.02, 0.02):.6f}"),
                people_exposed=r.randint(*people),
                property_exposed=Decimal(r.randint(*money) * 10000),
                responsible_person=r.choice("王李张刘陈杨黄赵吴周")
                + r.choice(["建国", "海峰", "丽萍", "志强", "秀英"]),
                responsible_phone=f"137{r.randint(10000000, 99999999)}",
            )
            when = ANCHOR + datetime.timedelta(days=r.randint(0, 60))
            loader.assess(
                hazard,
                "lec",
                {
                    "likelihood": r.choice(["0.5", "1", "3", "6"]),
                    "exposure": r.choice(["1", "2", "3", "6"]),
                    "consequence": r.choice(["7", "15", "40"]),
                },
                when,
            )
            # One measure per source, in every state across the sources of a county (some overdue).
            state, offset = [("open", -20), ("closed", -30), ("done", -5), ("open", 30)][index]
            loader.rectify(hazard, "完善应急处置设施，开展专项整治", owner, offset, state)


def _zones(loader, towns, offices):
    for town in towns:
        if town.name not in ZONE_TOWNS:
            continue
        owner = _office_for(town, offices)
        for label, category, types, radius in (
            ("滑坡体", "滑坡", "11D", 0.006),
            ("低洼易涝区", "低洼易涝", "11A", 0.01),
        ):
            name = f"{town.name}{label}"
            r = rng(name)
            lat = float(town.latitude) + r.uniform(-0.03, 0.03)
            lon = float(town.longitude) + r.uniform(-0.03, 0.03)
            hazard = loader.hazard(
                name=name,
                kind=Hazard.Kind.ZONE,
                category=category,
                event_types=types,
                division=town,
                owner=owner,
                area=_polygon(r, lat, lon, radius),
                people_exposed=r.randint(30, 600),
                property_exposed=Decimal(r.randint(50, 2000) * 10000),
                responsible_person=r.choice("王李张刘陈杨黄赵吴周") + r.choice(["国平", "小红", "文清"]),
                responsible_phone=f"138{r.randint(10000000, 99999999)}",
            )
            loader.assess(
                hazard,
                "matrix",
                {"likelihood": r.randint(2, 5), "severity": r.randint(2, 5)},
                ANCHOR + datetime.timedelta(days=r.randint(0, 90)),
            )
            if label == "滑坡体":
                loader.rectify(
                    hazard,
                    "设置截排水沟，安装裂缝监测仪，撤离受威胁住户",
                    owner,
                    r.choice([-10, -3, 15]),
                    r.choice(["open", "done"]),
                )


def _inspections(loader, counties, towns, offices):
    for number, county in enumerate(counties[:6]):
        owner = _office_for(county, offices)
        unit = f"{county.name}某工贸有限公司"
        date = ANCHOR + datetime.timedelta(days=30 + number * 7)
        r = rng(unit)
        inspection = Inspection.objects.filter(date=date, inspected_unit=unit).first()
        if inspection is None:
            inspection = services.save_inspection(
                loader.user,
                Inspection(
                    date=date,
                    inspected_unit=unit,
                    division=county,
                    owner=owner,
                    inspectors="、".join(r.sample(["钟晓敏", "李文清", "罗春华", "曾国平"], 2)),
                    findings="\n".join(r.sample(FINDINGS, 2)),
                    event_types="12C",
                    latitude=Decimal(f"{float(county.latitude) + r.uniform(-0.02, 0.02):.6f}"),
                    longitude=Decimal(f"{float(county.longitude) + r.uniform(-0.02, 0.02):.6f}"),
                ),
            )
            loader.counts["inspections"] += 1
        for hazard in services.create_hazards_from_findings(loader.user, inspection):
            loader.counts["hazards"] += 1
            loader.assess(hazard, "lec", {"likelihood": "3", "exposure": "6", "consequence": "7"}, date)
            loader.rectify(hazard, f"立即整改：{hazard.description}", owner, r.choice([-7, -1, 7]), "open")
