"""The demo city's plans, as the seed describes them: at city level 1 overall, 16 special and 91 department
plans; 15 of the 24 required special plans exist (9 are missing); counties, towns, communities, enterprises and
schools hold plans of their own in every state the coverage matrix knows.

Deterministic (a fixed random seed and fixed dates) and idempotent: a plan is known by its owner and title.
"""

import datetime
import random
from collections import Counter

from django.core.files.base import ContentFile
from django.db import transaction

from yingji.core.context import acting_as
from yingji.core.models import Division, DivisionLevel, Organisation, OrganisationKind, User
from yingji.plans import services
from yingji.plans.models import (
    Drill,
    FilingStep,
    Kind,
    Plan,
    PlanVersion,
    RequiredPlan,
    ResponseLevel,
    UnitDuty,
)

USERNAME = "city_admin"
CITY_MISSING = {5, 12, 13, 14, 17, 19, 20, 21, 24}  # orders of the required plans the city lacks (9 of 24)
# The city's special plan for floods is being refiled after its revision: the browser test files it.
CITY_UNFILED = {1}
CITY_SUBMITTED = {2}
CITY_EVALUATION_OVERDUE = {11}
CITY_DRILL_OVERDUE = {3, 18}

DEPARTMENT_TOPICS = {
    "水利局": ["水库大坝安全", "山洪灾害防御", "水利工程建设安全事故", "水文监测保障", "堤防险情抢护"],
    "自然资源局": ["地质灾害技术支撑", "测绘地理信息保障", "矿产资源开发安全", "国土空间生态修复工程安全"],
    "公安局": ["大型活动安全保卫", "道路交通管控", "群体性事件处置", "恐怖袭击事件处置", "网络安全事件"],
    "民政局": ["受灾群众生活救助", "养老机构突发事件", "流浪乞讨人员救助", "殡葬服务保障"],
    "卫生健康局": ["传染病疫情", "突发中毒事件卫生应急", "院前急救", "医疗机构火灾", "血液保障"],
    "生态环境局": ["饮用水水源地污染", "重污染天气", "危险废物污染事件", "辐射安全"],
    "交通运输局": ["公路交通突发事件", "水上交通搜救", "道路运输保障", "公路桥梁隧道安全"],
    "住房和城乡建设局": [
        "建设工程施工安全事故",
        "城市燃气事故",
        "房屋建筑安全",
        "城市桥梁安全",
        "城镇供水水质",
    ],
    "气象局": ["重大气象灾害预警服务", "人工影响天气作业安全", "气象通信保障", "突发事件预警信息发布"],
    "地震局": ["地震监测预报", "震后趋势会商", "地震灾害损失评估", "地震应急通信保障"],
    "财政局": ["应急资金保障", "救灾资金拨付", "财政预算应急调度", "应急物资政府采购"],
    "发展和改革局": ["电力供应保障", "成品油供应保障", "价格异常波动", "重要物资储备调运", "天然气供应保障"],
    "教育局": ["学校安全事故", "校园传染病防控", "考试安全", "学生食物中毒", "校舍安全"],
    "农业农村局": ["农作物重大病虫害", "农业自然灾害", "农产品质量安全", "农机安全事故"],
    "林业局": ["林业有害生物", "野生动物疫源疫病", "森林消防队伍调度"],
    "工业和信息化局": ["工业企业安全生产", "民用爆炸物品", "无线电安全保障", "应急通信保障"],
    "市场监督管理局": ["特种设备事故", "药品安全事件", "食品安全事故处置", "计量检测保障", "市场价格监管"],
    "消防救援支队": ["高层建筑火灾扑救", "化工火灾扑救", "地震救援", "水域救援"],
    "城市管理和综合执法局": [
        "城市内涝防治",
        "市政设施安全",
        "城市照明保障",
        "垃圾处理设施安全",
        "户外广告设施安全",
    ],
    "文化广电旅游体育局": [
        "旅游突发事件",
        "大型体育赛事安全",
        "广播电视安全播出",
        "文物安全",
        "A级景区游客疏散",
    ],
    "商务局": ["生活必需品市场供应", "商贸流通领域安全", "涉外商务突发事件"],
}

OVERVIEW = (
    "1 总则\n1.1 编制目的\n为建立健全{name}应急机制，规范应急处置工作，最大程度减少{topic}造成的人员伤亡和财产损失，"
    "依据《中华人民共和国突发事件应对法》等法律法规，结合本地实际，制定本预案。\n"
    "1.2 适用范围\n本预案适用于本行政区域内{topic}的预防与应急准备、监测与预警、应急处置与救援、事后恢复与重建等工作。\n"
    "2 组织指挥体系\n在本级人民政府统一领导下，成立应急指挥部，指挥部办公室设在牵头部门，成员单位按照职责分工开展工作。\n"
    "3 监测预警\n各成员单位加强对{topic}风险的监测，及时研判，按照蓝色、黄色、橙色、红色四级发布预警。\n"
    "4 应急响应\n按照事件的严重程度和发展态势，应急响应分为Ⅰ级、Ⅱ级、Ⅲ级、Ⅳ级。"
    "发生{topic}后，事发单位应立即报告，接报单位应在规定时限内向上级报告。\n"
    "5 后期处置\n做好善后处置、调查评估和恢复重建工作。\n6 保障措施\n做好队伍、物资、资金、通信、交通和医疗卫生保障。"
)


def _d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


class _Loader:
    def __init__(self):
        self.user = User.objects.get(username=USERNAME)
        self.calendar = services.working_calendar()
        self.cycles = services.review_cycles()
        self.existing = set(Plan.objects.values_list("owner_id", "title"))
        self.tally = Counter(created=0, unchanged=0)
        self.required = {r.order: r for r in RequiredPlan.objects.all()}
        self.city = Division.objects.get(level=DivisionLevel.CITY)
        self.orgs = list(Organisation.objects.select_related("division"))

    def org(self, division: Division, kind: str, suffix: str = "") -> Organisation | None:
        for o in self.orgs:
            if o.division_id == division.pk and o.kind == kind and o.name.endswith(suffix):
                return o
        return None

    def lead_for(self, division: Division, required: RequiredPlan) -> Organisation:
        return (
            self.org(division, OrganisationKind.DEPARTMENT, required.lead_department)
            or self.org(division, OrganisationKind.OFFICE)
            or self.org(division, OrganisationKind.GOVERNMENT)
        )

    def plan(
        self, owner: Organisation, title: str, *, state: str = "filed", issued: str = "", **fields
    ) -> Plan | None:
        if (owner.pk, title) in self.existing:
            self.tally["unchanged"] += 1
            return None
        rng = _rng(owner.name, title)
        issued_on = (
            _d(issued)
            if issued
            else datetime.date(rng.choice([2022, 2023, 2024, 2025]), rng.randint(1, 12), rng.randint(1, 28))
        )
        plan = Plan(
            owner=owner,
            title=title,
            status=Plan.Status.DRAFT if state == "draft" else Plan.Status.ISSUED,
            issued_on=None if state == "draft" else issued_on,
            effective_on=None if state == "draft" else issued_on,
            approved_by=fields.pop("approved_by", ""),
            **fields,
        )
        if state == "evaluation_overdue":
            plan.issued_on = plan.effective_on = _d("2021-06-18")
            plan.last_drilled_on = _d("2025-05-20")
        elif state in ("filed", "submitted", "unfiled"):
            # Evaluated and drilled recently enough that only the filing decides the cell.
            plan.last_evaluated_on = max(issued_on, _d("2024-03-01"))
            plan.last_drilled_on = _d("2026-09-15")
        if state == "drill_overdue":
            plan.issued_on = plan.effective_on = _d("2022-04-12")
            plan.last_evaluated_on = _d("2025-04-01")
            plan.last_drilled_on = None
        services.refresh(plan, self.calendar, self.cycles)
        if state in ("filed", "evaluation_overdue", "drill_overdue"):
            plan.filing = Plan.Filing.FILED
            plan.submitted_at = _at(self.calendar.add_working_days(plan.issued_on, rng.randint(3, 15)))
            plan.filed_at = plan.submitted_at + datetime.timedelta(days=rng.randint(1, 6))
        elif state == "submitted":
            plan.filing = Plan.Filing.SUBMITTED
            plan.submitted_at = _at(self.calendar.add_working_days(plan.issued_on, 5))
        plan.created_by = self.user
        plan.save()
        if plan.submitted_at:
            FilingStep.objects.create(
                plan=plan, step=Plan.Filing.SUBMITTED, at=plan.submitted_at, by=self.user
            )
        if plan.filed_at:
            FilingStep.objects.create(plan=plan, step=Plan.Filing.FILED, at=plan.filed_at, by=self.user)
        if plan.last_drilled_on:
            Drill.objects.create(
                plan=plan,
                date=plan.last_drilled_on,
                organiser=owner.short_name or owner.name,
                participants=rng.randint(30, 300),
                scenario=f"{title.removesuffix('应急预案')}桌面推演与实战演练",
                evaluation="响应启动及时，信息报送基本规范。",
                problems="部分成员单位联络员变更未及时更新。",
            )
        self.tally["created"] += 1
        return plan

    def version(self, plan: Plan | None, topic: str) -> None:
        if plan is None:
            return
        text = OVERVIEW.format(name=plan.owner.name, topic=topic)
        version = PlanVersion(
            plan=plan,
            number=1,
            file_name=f"{plan.title}.txt",
            approved_by=plan.approved_by,
            approved_on=plan.issued_on,
            changes="首次发布",
            text=text,
            created_by=self.user,
        )
        version.file.save(f"{plan.uuid.hex}-v1.txt", ContentFile(text.encode()), save=False)
        version.save()

    def load(self) -> None:
        city_gov = self.org(self.city, OrganisationKind.GOVERNMENT)
        ema = self.org(self.city, OrganisationKind.OFFICE)
        overall = self.plan(
            city_gov,
            "梅州市突发事件总体应急预案",
            kind=Kind.OVERALL,
            category="safety",
            issued="2024-09-20",
            number="梅府〔2024〕31号",
            approved_by="梅州市人民政府",
        )
        self.version(overall, "各类突发事件")
        city_special = {}
        for order, required in self.required.items():
            if order in CITY_MISSING:
                continue
            state = (
                "unfiled"
                if order in CITY_UNFILED
                else "submitted"
                if order in CITY_SUBMITTED
                else "evaluation_overdue"
                if order in CITY_EVALUATION_OVERDUE
                else "drill_overdue"
                if order in CITY_DRILL_OVERDUE
                else "filed"
            )
            plan = self.plan(
                self.lead_for(self.city, required),
                f"梅州市{required.name}",
                state=state,
                issued="2026-11-16" if order in CITY_UNFILED else "",
                kind=Kind.SPECIAL,
                category=required.category,
                required=required,
                event_types=required.event_types,
                approved_by="梅州市人民政府",
            )
            if order not in CITY_UNFILED:  # the flood plan's revised text is uploaded in the browser test
                self.version(plan, required.name.removesuffix("应急预案"))
            city_special[order] = plan
        self.plan(
            self.org(self.city, OrganisationKind.DEPARTMENT, "城市管理和综合执法局"),
            "梅州市城区内涝灾害应急预案",
            kind=Kind.SPECIAL,
            category="natural",
            event_types="11A01",
            approved_by="梅州市人民政府",
        )
        self.department_plans()
        self.county_plans()
        self.response_sections(city_special, ema)
        self.legal_basis(overall, city_special)

    def legal_basis(self, overall: Plan | None, city_special: dict[int, Plan | None]) -> None:
        from yingji.regulations.models import Regulation

        regulations = list(Regulation.objects.all())

        def named(words):
            return [r for r in regulations if any(w in r.title for w in words)]

        if overall is not None:
            overall.regulations.add(*named(["突发事件应对法"]))
        for order, words in LEGAL_BASIS.items():
            plan = city_special.get(order)
            if plan is not None:
                plan.regulations.add(*named(["突发事件应对法", *words]))

    def department_plans(self, total: int = 91) -> None:
        made = 0
        for suffix, topics in DEPARTMENT_TOPICS.items():
            owner = self.org(self.city, OrganisationKind.DEPARTMENT, suffix)
            for topic in topics:
                if made == total or owner is None:
                    break
                self.plan(
                    owner,
                    f"{owner.name}{topic}应急预案",
                    kind=Kind.DEPARTMENT,
                    category=_category(topic),
                    approved_by=owner.name,
                )
                made += 1
        assert made == total, f"{made} department plans"

    def county_plans(self) -> None:
        states = [
            "filed",
            "filed",
            "filed",
            "unfiled",
            "draft",
            "evaluation_overdue",
            "drill_overdue",
            "submitted",
        ]
        for county in Division.objects.filter(level=DivisionLevel.COUNTY).order_by("code"):
            gov = self.org(county, OrganisationKind.GOVERNMENT)
            self.plan(
                gov,
                f"{county.name}突发事件总体应急预案",
                kind=Kind.OVERALL,
                category="safety",
                approved_by=gov.name,
            )
            orders = set(_rng(county.code).sample(sorted(self.required), 14))
            if county.name == "兴宁市":
                orders.add(8)  # its hazardous chemicals plan is the one that differs from the city's
            for order in sorted(orders):
                required = self.required[order]
                self.plan(
                    self.lead_for(county, required),
                    f"{county.name}{required.name}",
                    state="filed"
                    if (county.name, order) == ("兴宁市", 8)
                    else _rng(county.code, required.name).choice(states),
                    kind=Kind.SPECIAL,
                    category=required.category,
                    required=required,
                    event_types=required.event_types,
                    approved_by=gov.name,
                )
            for org in self.orgs:
                self.unit_plan(org, county)

    def unit_plan(self, org: Organisation, county: Division) -> None:
        if not org.division.path.startswith(county.path):
            return
        kind_by_org = {
            OrganisationKind.GOVERNMENT: Kind.TOWN,
            OrganisationKind.COMMUNITY: Kind.COMMUNITY,
            OrganisationKind.ENTERPRISE: Kind.ENTERPRISE,
            OrganisationKind.SCHOOL: Kind.SCHOOL,
            OrganisationKind.DEPARTMENT: Kind.DEPARTMENT,
        }
        kind = kind_by_org.get(org.kind)
        if kind is None or (kind == Kind.TOWN and org.division_id == county.pk):
            return
        title = {
            Kind.TOWN: f"{org.name.removesuffix('人民政府').removesuffix('办事处')}突发事件总体应急预案",
            Kind.COMMUNITY: f"{org.name}突发事件应急预案",
            Kind.ENTERPRISE: f"{org.name}生产安全事故应急预案",
            Kind.SCHOOL: f"{org.name}突发事件应急预案",
            Kind.DEPARTMENT: f"{org.name}部门应急预案",
        }[kind]
        high_risk = kind == Kind.ENTERPRISE and any(w in org.name for w in ("化工", "石场", "材料"))
        self.plan(
            org,
            title,
            state=_rng(org.name).choice(["filed", "filed", "unfiled", "drill_overdue"]),
            kind=kind,
            category="safety",
            high_risk=high_risk,
            approved_by=org.name,
        )

    def response_sections(self, city_special: dict[int, Plan | None], ema: Organisation) -> None:
        safety_body = next(
            o for o in self.orgs if o.kind == OrganisationKind.COMMAND_BODY and "安全生产" in o.name
        )
        dept = {
            s: self.org(self.city, OrganisationKind.DEPARTMENT, s)
            for s in ("消防救援支队", "卫生健康局", "公安局", "生态环境局", "交通运输局", "住房和城乡建设局")
        }
        duties = [
            (ema, "组织协调事故救援，调度救援队伍和物资，汇总报送信息", 1),
            (dept["消防救援支队"], "开展灭火、侦检、堵漏和人员搜救", 1),
            (dept["卫生健康局"], "组织伤员救治和卫生防疫", 2),
            (dept["公安局"], "实施现场警戒、交通管制和人员疏散", 1),
            (dept["生态环境局"], "开展环境应急监测，防范次生环境污染", 2),
        ]
        for order in (7, 8):
            plan = city_special.get(order)
            if plan is None:
                continue
            for level in (1, 2, 3, 4):
                lead = safety_body if level <= 3 else ema
                response = ResponseLevel.objects.create(
                    plan=plan,
                    level=level,
                    trigger_incident_level=level,
                    trigger=["发生特别重大事故", "发生重大事故", "发生较大事故", "发生一般事故"][level - 1],
                    lead=lead,
                    actions="启动应急响应，成立现场指挥部，组织各成员单位按职责开展处置。",
                )
                for unit, duty, hours in duties[: 5 if level <= 2 else 4 if level == 3 else 3]:
                    UnitDuty.objects.create(response_level=response, unit=unit, duty=duty, within_hours=hours)
        # 兴宁市's hazardous chemicals plan differs from the city's: the consistency check lists it.
        xingning = Division.objects.filter(name="兴宁市").first()
        county_plan = (
            Plan.objects.filter(owner__division=xingning, required__order=8).first() if xingning else None
        )
        if county_plan is not None and not county_plan.response_levels.exists():
            county_ema = self.org(xingning, OrganisationKind.OFFICE)
            for level in (2, 3, 4):
                ResponseLevel.objects.create(
                    plan=county_plan,
                    level=level,
                    trigger_incident_level=level,
                    lead=county_ema,
                    trigger="发生危险化学品事故",
                    actions="启动县级响应。",
                )


LEGAL_BASIS = {  # required plan order -> words in the titles of the regulations it rests on
    2: ["地质灾害防治条例"],
    4: ["自然灾害救助条例"],
    5: ["气象灾害防御条例"],
    6: ["破坏性地震应急条例"],
    7: ["生产安全事故应急条例", "生产安全事故报告和调查处理条例"],
    8: ["生产安全事故应急条例"],
    15: ["突发公共卫生事件应急条例"],
}


def _rng(*key: str) -> random.Random:
    """A generator seeded by the record it is for: the same plan gets the same figures on every run."""
    return random.Random("/".join(key))


def _category(topic: str) -> str:
    for words, category in (
        (("疫", "卫生", "急救", "血液", "食品", "药品", "中毒", "病虫"), "health"),
        (("污染", "环境", "辐射", "废物", "天气"), "environment"),
        (("地震", "震后"), "earthquake"),
        (("洪", "水库", "山洪", "地质", "气象", "灾害", "内涝", "堤防", "水文", "林业", "森林"), "natural"),
        (
            (
                "群体",
                "恐怖",
                "网络",
                "活动",
                "价格",
                "涉外",
                "供应",
                "市场",
                "储备",
                "考试",
                "资金",
                "财政",
                "救助",
            ),
            "social",
        ),
    ):
        if any(w in topic for w in words):
            return category
    return "safety"


def _at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(10, 0), tzinfo=datetime.timezone(datetime.timedelta(hours=8))
    )


def load_plans() -> dict[str, int]:
    with transaction.atomic(), acting_as(None):
        loader = _Loader()
        loader.load()
    return dict(loader.tally)
