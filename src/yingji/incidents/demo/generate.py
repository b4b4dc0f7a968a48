"""Generate incidents_2025.csv: a made-up but plausible year of incidents in the demo city of 梅州市.

The year's totals follow the mayor's speech in the project's seed document (its figures are for an earlier
year; the demo moves them to 2025):

- 434 road traffic accidents with 255 dead; 14 industrial accidents (工矿) with 19 dead;
- 39 fires with 5 dead, 2 injured and 97万元 direct loss; 7 food poisonings with 53 poisoned and 4 dead;
- three typhoons (named "珍珠", "碧利斯" and "格美" as in the speech) with their rainstorms and floods:
  30 dead, 23 injured, over 20亿元 direct loss, mostly in 兴宁市, 梅县区, 大埔县, 五华县 and 丰顺县.

Everything else is invented: how the totals split over events, places, times, titles, people, roads (road
numbers are plausible, not checked). Run ``python -m yingji.incidents.demo.generate`` to rewrite the CSV; the
random seed is fixed, so the file comes out byte for byte the same until this script or divisions.csv changes.
"""

import csv
import datetime
import io
import random
import uuid
from pathlib import Path

from yingji.rules import grading

HERE = Path(__file__).resolve().parent
OUT = HERE / "incidents_2025.csv"
DIVISIONS = HERE.parent.parent / "core" / "demo" / "divisions.csv"
SEED = 2025
TZ = datetime.timezone(datetime.timedelta(hours=8))
# Row n gets uuid5(NAMESPACE, "n"): stable across runs, so the loader can match rows to incidents.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_DNS, "incidents-2025.demo.yingji.invalid")
CITY = "441400"
LATE_SHARE = 0.05
# 较大 and above must reach the province within 2 h of occurrence (the seed's rule). Such events are called in
# at once, and the county's first report leaves the city RELAY minutes to pass it on in time.
PROVINCE_MINUTES = 120
RELAY = 15

COLUMNS = (
    "uuid", "event_type", "title", "division", "address", "latitude", "longitude", "occurred_at", "received_at",
    "channel", "reporter_name", "deaths", "missing", "serious_injuries", "injuries", "evacuated", "relocated",
    "direct_loss_yuan", "status", "closed_at", "reporting_unit", "first_report_delay_minutes", "late_reason",
)  # fmt: skip

# County code: short name (as in "G205国道兴宁段"), reporting unit (organisations.csv key), trunk roads,
# share of the road traffic accidents (roughly population and traffic).
COUNTIES = {
    "441402": ("梅江", "mj_ema", ("G205国道", "梅州大道", "彬芳大道", "剑英大道", "江南路"), 10),
    "441403": ("梅县", "mx_ema", ("G205国道", "G206国道", "S223省道", "梅龙高速", "宪梓大道"), 14),
    "441422": ("大埔", "dp_ema", ("S222省道", "S335省道", "大潮高速"), 9),
    "441423": ("丰顺", "fs_ema", ("G206国道", "S335省道", "梅汕高速"), 11),
    "441424": ("五华", "wh_ema", ("G205国道", "S120省道", "济广高速", "水寨大道"), 20),
    "441426": ("平远", "py_ema", ("G206国道", "S227省道"), 6),
    "441427": ("蕉岭", "jl_ema", ("G205国道", "S333省道"), 7),
    "441481": ("兴宁", "xn_ema", ("G205国道", "S120省道", "济广高速", "兴城大道"), 18),
}
HIGHWAY_MARKS = ("国道", "省道", "高速")

SURNAMES = "李张陈黄刘钟曾罗杨叶古廖温邱赖丘谢侯林吴何朱"
GIVEN = "志国建文春秋晓海伟丽敏华强明清平辉玲芳军勇俊燕红锋"
VILLAGE_FIRST = "上下新石黄大长河塘坑岭桥龙白东西南北高"
VILLAGE_SECOND = "坑塘岭坪田坝寨围洋湖排岗"

LATE_REASONS = (
    "事发地处偏远山区，通信信号差，现场信息回传延迟",
    "夜间接报后需核实伤亡人数，核实耗时较长",
    "值班人员交接班时遗漏，发现后立即补报",
    "首次接报信息不全，待公安、卫健部门核实后报告",
    "报送系统故障，改用电话报告后补录",
)

ROAD_KINDS = {  # code: (share of accidents, what happened)
    "12H02": (55, ("两车相撞", "货车与摩托车相撞", "小车与电动车相撞", "小车追尾大货车", "三车相撞")),
    "12H01": (12, ("货车侧翻", "小型客车翻车", "农用车翻车", "水泥罐车侧翻")),
    "12H03": (8, ("小车坠入山沟", "面包车冲出路面坠河", "摩托车坠入水渠")),
    "12H04": (3, ("货车行驶中起火", "小车自燃")),
    "12H99": (22, ("行人被撞", "摩托车撞护栏", "电动车与行人碰撞", "小车撞上路边房屋")),
}
NOT_ON_EXPRESSWAYS = ("摩托", "电动", "行人", "农用", "房屋", "水渠")
SEVERE_ROAD = (("12H02", "客车与货车相撞"), ("12H01", "小型客车翻车"), ("12H03", "面包车冲出路面坠河"))
# Deaths per accident: most reported accidents kill nobody or one person; eight kill three or more (较大).
ROAD_DEATHS = [0] * 222 + [1] * 180 + [2] * 24 + [3, 3, 3, 3, 3, 4, 3, 5]

FIRE_TITLES = {
    "12G03": ("{town}{village}一民房起火", "{town}一居民自建房起火", "{town}{village}一老屋起火"),
    "12G04": ("{town}一高层住宅楼起火",),
    "12G01": ("{town}某五金厂厂房起火", "{town}某家具厂起火", "{town}某木材加工厂起火", "{town}某制衣厂起火"),
    "12G06": ("{town}某农贸市场起火", "{town}某酒店起火", "{town}某卡拉OK歌舞厅起火", "{town}某网吧起火"),
    "12G99": ("{town}{village}废品回收站起火", "{town}某仓库杂物起火", "{town}一电动车停放点起火"),
}
# (type, dead, injured) of the 39 fires: 5 dead and 2 injured in all, as in the speech.
FIRES = [("12G03", 2, 0), ("12G03", 1, 0), ("12G03", 1, 0), ("12G04", 1, 1), ("12G01", 0, 1)]
FIRES += [("12G03", 0, 0)] * 15 + [("12G01", 0, 0)] * 6 + [("12G06", 0, 0)] * 4 + [("12G04", 0, 0)]
FIRES += [("12G99", 0, 0)] * 8
FIRE_LOSS = 970_000

# Events written out one by one. Columns: type | county | town ("-": any) | month | day ("-": any) | title |
# figures (and a status other than "closed"). "{town}" and "{village}" in a title are filled in.
INDUSTRIAL = """
12B01 | 441424 | 华城镇 | 5  | - | {town}某采石场边坡坍塌               | deaths=4 serious_injuries=1 injuries=2 direct_loss_yuan=1850000 status=evaluated
12D04 | 441403 | 畲江镇 | 8  | - | {town}某化工企业储罐清洗作业中毒窒息 | deaths=3 serious_injuries=2 injuries=1 direct_loss_yuan=1200000 status=evaluated
12C01 | 441402 | -      | 3  | - | {town}某住宅项目施工升降机坠落       | deaths=2 injuries=1 direct_loss_yuan=620000
12C01 | 441481 | -      | 6  | - | {town}某在建厂房脚手架坍塌           | deaths=1 injuries=2 direct_loss_yuan=310000
12C02 | 441422 | -      | 10 | - | {town}某水电站引水隧洞施工塌方       | deaths=1 direct_loss_yuan=280000
12B08 | 441426 | -      | 4  | - | {town}某矿场爆破作业飞石伤人         | deaths=1 injuries=1 direct_loss_yuan=160000
12B07 | 441427 | -      | 9  | - | {town}某石灰石矿运输车辆伤害         | deaths=1 direct_loss_yuan=150000
12F00 | 441423 | 汤坑镇 | 11 | - | {town}某电声器材厂机械伤害           | deaths=1 direct_loss_yuan=130000
12F00 | 441481 | -      | 12 | - | {town}某纺织厂员工被卷入设备         | deaths=1 direct_loss_yuan=140000
12D03 | 441403 | -      | 2  | - | {town}某加油站卸油时起火             | deaths=1 injuries=1 direct_loss_yuan=450000
12C01 | 441424 | 水寨镇 | 7  | - | {town}某住宅项目工人高处坠落         | deaths=1 direct_loss_yuan=120000
12B01 | 441481 | 罗浮镇 | 3  | - | {town}某铁矿井下冒顶                 | deaths=1 injuries=1 direct_loss_yuan=260000
12F00 | 441422 | 高陂镇 | 10 | - | {town}某陶瓷厂窑炉作业灼烫           | deaths=1 serious_injuries=1 direct_loss_yuan=90000
12C02 | 441403 | -      | 11 | - | {town}{village}道路施工挖掘机倾覆    | injuries=2 direct_loss_yuan=85000
"""
# The poisoned go in serious_injuries, the form's "seriously injured (incl. poisoned)".
FOOD_POISONINGS = """
13B03 | 441481 | -        | 3  | -  | {town}某工地食堂集体食物中毒             | serious_injuries=14
13B03 | 441424 | -        | 2  | 3  | {town}{village}春节宴席食物中毒          | serious_injuries=11
13B03 | 441402 | 金山街道 | 9  | -  | {town}某学校食堂学生疑似食物中毒         | serious_injuries=9
13B03 | 441423 | 八乡山镇 | 6  | -  | {town}{village}村民误食毒蘑菇中毒        | serious_injuries=3 deaths=2
13B03 | 441422 | -        | 10 | -  | {town}某农家乐宴席食物中毒               | serious_injuries=7
13B03 | 441426 | -        | 4  | -  | {town}{village}村民误食断肠草中毒        | serious_injuries=4 deaths=1
13B03 | 441403 | -        | 8  | -  | {town}{village}一家人食用自制发酵米粉中毒 | serious_injuries=5 deaths=1
"""
GEOLOGICAL = """
11D01 | 441403 | 雁洋镇 | 5 | 24 | {town}{village}后山滑坡冲毁民房     | deaths=1 injuries=1 relocated=35 direct_loss_yuan=420000
11D04 | 441427 | -      | 4 | -  | {town}{village}农田出现岩溶塌陷     | relocated=20 direct_loss_yuan=150000
11D03 | 441422 | 茶阳镇 | 6 | 14 | {town}{village}山体崩塌阻断村道     | relocated=60 direct_loss_yuan=800000
11D01 | 441481 | 罗浮镇 | 7 | 16 | {town}{village}大型滑坡威胁百余村民 | relocated=120 direct_loss_yuan=1500000
11D02 | 441426 | 仁居镇 | 7 | 16 | {town}{village}暴雨引发泥石流       | relocated=45 direct_loss_yuan=300000
"""
# Fireworks at Spring Festival and 元宵, grave-sweeping at 清明, burning field edges in the dry season.
FOREST_FIRES = """
11G01 | 441424 | -      | 1  | 29 | {town}{village}燃放烟花引发山火         | direct_loss_yuan=180000
11G01 | 441481 | -      | 2  | 12 | {town}{village}元宵节山林起火           | direct_loss_yuan=95000
11G01 | 441423 | -      | 3  | -  | {town}{village}烧田埂引发山火           | direct_loss_yuan=60000
11G01 | 441403 | 雁洋镇 | 4  | 4  | {town}{village}清明祭祀用火引发森林火灾 | direct_loss_yuan=230000 evacuated=80
11G01 | 441422 | -      | 4  | 5  | {town}{village}清明祭扫引发山火         | direct_loss_yuan=120000
11G01 | 441426 | -      | 12 | -  | {town}{village}山林起火                 | direct_loss_yuan=70000
"""
PUBLIC_HEALTH = """
13E01 | 441427 | -        | 2  | - | {town}某养殖场发生H5N1高致病性禽流感疫情         |
13C03 | 441426 | -        | 1  | - | {town}{village}一家四口烧炭取暖一氧化碳中毒       | serious_injuries=3 deaths=1
13E99 | 441424 | -        | 6  | - | {town}某养猪场发生非洲猪瘟疫情                   |
13A07 | 441402 | 江南街道 | 9  | - | {town}出现登革热聚集性疫情（14例）               |
13A99 | 441481 | -        | 11 | - | {town}某小学发生诺如病毒感染聚集性疫情（23例）   |
"""
SOCIAL_SAFETY = """
14A16 | 441403 | 松口镇   | 3  | 10 | {town}抓赌引发群众聚集               | injuries=3
14A05 | 441424 | -        | 4  | 5  | {town}两村清明祭祀纠纷引发械斗       | injuries=6
14A02 | 441481 | -        | 5  | -  | {town}村民因征地补偿集体上访         |
14A13 | 441423 | -        | 8  | -  | {town}{village}村民因矿山开采纠纷堵路 |
14B01 | 441402 | 西郊街道 | 10 | -  | {town}斗殴致一人死亡                 | deaths=1 injuries=1
14A02 | 441426 | -        | 11 | -  | {town}原矿山职工集体上访             |
"""
# The speech's typhoon season: 30 dead, 23 injured, over 20亿元. Each storm is one city-wide record (the city
# office's) and the floods and rainstorms it brought to the counties. Columns: storm | type | county | town |
# title | figures.
TYPHOON_ARRIVALS = {"珍珠": (6, 13, 16), "碧利斯": (7, 15, 9), "格美": (7, 26, 21)}  # month, day, hour
TYPHOONS = """
珍珠   | 11B01 | 441400 | -        | 台风“珍珠”影响我市，全市启动防风Ⅳ级应急响应      | injuries=1 evacuated=8000 relocated=2600 direct_loss_yuan=60000000
珍珠   | 11B03 | 441422 | 茶阳镇   | 受台风“珍珠”影响大埔县普降暴雨，{town}等地受灾   | deaths=2 injuries=2 evacuated=6000 relocated=2100 direct_loss_yuan=120000000
珍珠   | 11B03 | 441423 | 八乡山镇 | 丰顺县{town}暴雨引发山洪                         | deaths=2 injuries=1 evacuated=4500 relocated=1600 direct_loss_yuan=110000000
珍珠   | 11A01 | 441403 | 松口镇   | 松源河、梅江水位超警，{town}部分村庄受淹         | deaths=1 injuries=2 evacuated=5200 relocated=1900 direct_loss_yuan=90000000
碧利斯 | 11B01 | 441400 | -        | 台风“碧利斯”带来强降雨，全市启动防汛Ⅱ级应急响应  | injuries=2 evacuated=20000 relocated=7000 direct_loss_yuan=150000000
碧利斯 | 11A01 | 441481 | 宁新街道 | 宁江流域发生特大洪水，兴宁城区及多个镇受淹       | deaths=7 injuries=4 evacuated=42000 relocated=18000 direct_loss_yuan=520000000
碧利斯 | 11A01 | 441424 | 华城镇   | 琴江、五华河洪水，{town}等镇受灾                  | deaths=5 injuries=2 evacuated=28000 relocated=11000 direct_loss_yuan=310000000
碧利斯 | 11A01 | 441403 | 畲江镇   | 梅江干流洪水，{town}沿岸村庄受淹                  | deaths=3 injuries=2 evacuated=15000 relocated=6200 direct_loss_yuan=180000000
碧利斯 | 11B03 | 441426 | 仁居镇   | 平远县{town}特大暴雨                             | deaths=3 injuries=1 evacuated=6800 relocated=2400 direct_loss_yuan=120000000
格美   | 11B01 | 441400 | -        | 台风“格美”影响我市，全市启动防汛Ⅲ级应急响应      | injuries=1 evacuated=9000 relocated=3000 direct_loss_yuan=70000000
格美   | 11B03 | 441422 | 三河镇   | 大埔县{town}、茶阳等镇暴雨成灾                   | deaths=3 injuries=2 evacuated=9000 relocated=3500 direct_loss_yuan=180000000
格美   | 11A01 | 441423 | 留隍镇   | 韩江丰顺段洪水，{town}沿江低洼地带受淹           | deaths=2 injuries=2 evacuated=7500 relocated=2800 direct_loss_yuan=130000000
格美   | 11A01 | 441481 | 罗浮镇   | 兴宁市{town}山洪暴发                             | deaths=2 injuries=1 evacuated=5000 relocated=1700 direct_loss_yuan=90000000
"""

# Weights by month (Jan..Dec) and by hour (0..23).
ROAD_MONTHS = (115, 120, 90, 100, 90, 85, 90, 95, 90, 110, 95, 100)  # Spring Festival, 清明, National Day
ROAD_HOURS = (3, 2, 2, 1.5, 1.5, 2, 3, 5, 6, 5, 4, 4, 5, 4, 4, 5, 6, 7, 7, 6, 5, 4, 4, 3)
FIRE_MONTHS = (12, 11, 8, 6, 5, 4, 4, 4, 4, 6, 8, 11)  # dry winters, heating, Spring Festival fireworks
FIRE_HOURS = (5, 5, 4, 4, 3, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 4, 5, 5, 5, 5, 5, 5)
WORK_HOURS = (0, 0, 0, 0, 0, 0, 1, 3, 6, 8, 8, 6, 2, 3, 7, 8, 7, 5, 2, 1, 1, 0, 0, 0)
MEAL_HOURS = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 6, 2, 0, 0, 0, 2, 6, 5, 1, 0, 0, 0)
DAY_HOURS = (0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 4, 6, 7, 7, 6, 5, 3, 1, 0, 0, 0, 0, 0, 0)
ANY_HOUR = (1,) * 24


def _cell(text: str):
    if text == "-":
        return None
    return int(text) if text.isdigit() and len(text) <= 2 else text  # a month or a day; codes stay text


def table(text: str) -> list[list]:
    """Rows of a table above: cells split on "|"; the last cell becomes a dict of figures."""
    rows = []
    for line in text.strip().splitlines():
        *cells, figures = (cell.strip() for cell in line.split("|"))
        pairs = (pair.split("=") for pair in figures.split())
        values = {name: int(value) if value.isdigit() else value for name, value in pairs}
        rows.append([_cell(cell) for cell in cells] + [values])
    return rows


class Year:
    """Builds the rows; one random generator, used in a fixed order, makes the result deterministic."""

    def __init__(self):
        self.rng = random.Random(SEED)
        self.rows: list[dict] = []
        with DIVISIONS.open(encoding="utf-8", newline="") as f:
            divisions = list(csv.DictReader(f))
        self.division = {d["code"]: d for d in divisions}
        self.towns = {
            c: [d for d in divisions if d["parent"] == c and d["level"] == "town"] for c in COUNTIES
        }

    # --- random pieces -------------------------------------------------------------------------------------

    def pick(self, weights: dict):
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def person(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(self.rng.sample(GIVEN, self.rng.choice((1, 2))))

    def village(self) -> str:
        return self.rng.choice(VILLAGE_FIRST) + self.rng.choice(VILLAGE_SECOND) + "村"

    def town(self, county: str, name: str | None = None) -> dict:
        towns = self.towns[county]
        return next(t for t in towns if t["name"] == name) if name else self.rng.choice(towns)

    def moment(self, months, hours, month: int | None = None, day: int | None = None) -> datetime.datetime:
        month = month or self.rng.choices(range(1, 13), weights=months)[0]
        days = (datetime.date(2025 + month // 12, month % 12 + 1, 1) - datetime.date(2025, month, 1)).days
        day = day or self.rng.randint(1, days)
        hour = self.rng.choices(range(24), weights=hours)[0]
        return datetime.datetime(2025, month, day, hour, self.rng.randrange(60), tzinfo=TZ)

    def after(self, start: datetime.datetime, low: float, high: float, unit="minutes") -> datetime.datetime:
        moment = start + datetime.timedelta(**{unit: self.rng.uniform(low, high)})
        return moment.replace(second=0, microsecond=0)

    def county_name(self, county: str) -> str:
        name = self.division[county]["name"]
        return f"梅州市{name}" if name.endswith("区") else name  # as the organisations' addresses read

    def local(self, county: str, town: str | None = None) -> tuple[dict, str, str]:
        """A town of the county, a village in it, and the village's address."""
        where = self.town(county, town)
        village = self.village()
        return where, village, f"{self.county_name(county)}{where['name']}{village}"

    # --- rows ----------------------------------------------------------------------------------------------

    def add(
        self,
        code,
        title,
        division,
        occurred,
        *,
        address="",
        received=(10, 40),
        closed=(2, 24),
        channel=None,
        status="closed",
        **figures,
    ):
        """One incident; `received` is in minutes after it occurred, `closed` in hours after it was received."""
        # By closure the casualties are known: none unless given. People moved and losses stay empty unless given.
        figures = {"deaths": 0, "missing": 0, "serious_injuries": 0, "injuries": 0, **figures}
        level = grading.grade(grading.family_for(code), figures).level
        if level is not None and level <= 3:
            received = (5, 30)  # see PROVINCE_MINUTES
        latitude = longitude = ""
        if division != CITY:  # a city-wide event has no single point
            # About ±3 km around the division's seat, so markers do not sit on top of each other.
            place = self.division[division]
            latitude = f"{float(place['latitude']) + self.rng.uniform(-0.027, 0.027):.6f}"
            longitude = f"{float(place['longitude']) + self.rng.uniform(-0.03, 0.03):.6f}"
        received_at = self.after(occurred, *received)
        closed_at = self.after(received_at, *closed, unit="hours")
        row = dict.fromkeys(COLUMNS, "")
        row.update(
            event_type=code,
            title=title,
            division=division,
            address=address,
            latitude=latitude,
            longitude=longitude,
            occurred_at=occurred.isoformat(),
            received_at=received_at.isoformat(),
            channel=channel or self.pick({"phone": 60, "api": 20, "duty_form": 15, "on_behalf": 5}),
            reporter_name=self.person(),
            status=status,
            closed_at=closed_at.isoformat(),
            reporting_unit="city_ema" if division == CITY else COUNTIES[division[:6]][1],
            _level=level,
            _received_after=(received_at - occurred).total_seconds() // 60,
        )
        row.update({name: str(value) for name, value in figures.items()})
        self.rows.append(row)

    def listed(self, text: str, hours=WORK_HOURS, **defaults):
        for code, county, town_name, month, day, title, figures in table(text):
            town, village, address = self.local(county, town_name)
            occurred = self.moment(None, hours, month, day)
            title = title.format(town=town["name"], village=village)
            self.add(code, title, town["code"], occurred, address=address, **{**defaults, **figures})

    def road_accidents(self):
        deaths = ROAD_DEATHS[:]
        self.rng.shuffle(deaths)
        counties = {code: info[3] for code, info in COUNTIES.items()}
        kinds = {code: info[0] for code, info in ROAD_KINDS.items()}
        for dead in deaths:
            county = self.pick(counties)
            town, village, address = self.local(county)
            short, _, roads, _ = COUNTIES[county]
            road = self.rng.choice(roads)
            if dead >= 3:
                code, what = self.rng.choice(SEVERE_ROAD)
            else:
                code = self.pick(kinds)
                while dead and code == "12H04":  # vehicle fires here burn out without victims
                    code = self.pick(kinds)
                what = self.rng.choice(ROAD_KINDS[code][1])
                if "高速" in road and any(word in what for word in NOT_ON_EXPRESSWAYS):
                    what = "小车追尾大货车"
            if self.rng.random() < 0.2:  # village and county roads
                title = f"{town['name']}{village}村道{what}"
                address += "村道"
            elif any(mark in road for mark in HIGHWAY_MARKS):
                title = f"{road}{short}段{what}"
                stake = f"K{self.rng.randint(3, 980)}+{self.rng.randrange(0, 1000, 100):03d}"
                address = f"{self.county_name(county)}{town['name']}境内{road}{stake}处"
            else:
                title = f"{town['name']}{road}{what}"
                address = f"{self.county_name(county)}{town['name']}{road}{self.rng.randint(1, 300)}号附近"
            if dead >= 3:  # a bus or a van: more people hurt, more damage
                hurt = {
                    "serious_injuries": self.rng.randint(1, 5),
                    "injuries": self.rng.randint(2, 9),
                    "direct_loss_yuan": self.rng.randrange(200_000, 800_000, 100),
                }
            else:
                hurt = {
                    "serious_injuries": self.rng.choice((0, 0, 0, 1, 1, 2)),
                    "injuries": self.rng.choice((0, 0, 1, 1, 1, 2, 3)) + (dead == 0),
                    "direct_loss_yuan": self.rng.randrange(3_000, 120_000, 100),
                }
            self.add(
                code,
                title,
                town["code"],
                self.moment(ROAD_MONTHS, ROAD_HOURS),
                address=address,
                received=(5, 40),
                closed=(3, 30),
                status="evaluated" if dead >= 3 else "closed",  # a 较大 accident is investigated, evaluated
                channel=self.pick({"phone": 55, "api": 30, "duty_form": 10, "on_behalf": 5}),
                deaths=dead,
                **hurt,
            )

    def fires(self):
        weights = [self.rng.lognormvariate(0, 1) for _ in FIRES]
        losses = [max(500, 100 * round(FIRE_LOSS / 100 * w / sum(weights))) for w in weights]  # whole 100 元
        losses[losses.index(max(losses))] += FIRE_LOSS - sum(losses)  # exactly the year's total
        counties = {code: info[3] for code, info in COUNTIES.items()}
        for (code, dead, injured), loss in zip(FIRES, losses, strict=True):
            town, village, address = self.local(self.pick(counties))
            title = self.rng.choice(FIRE_TITLES[code]).format(town=town["name"], village=village)
            self.add(
                code,
                title,
                town["code"],
                self.moment(FIRE_MONTHS, FIRE_HOURS),
                address=address,
                received=(3, 15),
                closed=(1, 8),
                channel=self.pick({"phone": 50, "api": 40, "duty_form": 10}),
                deaths=dead,
                injuries=injured,
                direct_loss_yuan=loss,
            )

    def typhoons(self):
        for storm, code, county, town_name, title, figures in table(TYPHOONS):
            month, day, hour = TYPHOON_ARRIVALS[storm]
            arrival = datetime.datetime(2025, month, day, hour, 0, tzinfo=TZ)
            if county == CITY:  # the storm as a whole: the city office records it as it arrives
                self.add(
                    code,
                    title,
                    CITY,
                    arrival,
                    received=(20, 60),
                    closed=(240, 400),
                    status="evaluated",
                    channel="duty_form",
                    **figures,
                )
                continue
            town = self.town(county, town_name)
            self.add(
                code,
                title.format(town=town["name"]),
                town["code"],
                self.after(arrival, 4, 30, unit="hours"),
                address=f"{self.county_name(county)}{town['name']}",
                received=(30, 180),
                closed=(240, 600),
                status="evaluated",
                **figures,
            )

    def reports(self):
        """When the first report was made after receipt: mostly within the hour; LATE_SHARE late with a reason."""
        # The city office's own records of 一般 events owe no first report upward: none of them is late.
        counties = [n for n, row in enumerate(self.rows) if row["reporting_unit"] != "city_ema"]
        late = set(self.rng.sample(counties, round(len(self.rows) * LATE_SHARE)))
        for n, row in enumerate(self.rows):
            if n in late:
                row["first_report_delay_minutes"] = str(self.rng.randint(150, 420))
                row["late_reason"] = self.rng.choice(LATE_REASONS)
                continue
            longest = 50
            if row["_level"] is not None and row["_level"] <= 3:
                longest = min(longest, int(PROVINCE_MINUTES - RELAY - row["_received_after"]))
            row["first_report_delay_minutes"] = str(self.rng.randint(8, longest))

    def build(self) -> list[dict]:
        self.road_accidents()
        self.fires()
        self.listed(INDUSTRIAL, received=(15, 90), closed=(48, 240))
        # Received hours after the meal: the hospital reports once several patients have come in.
        self.listed(FOOD_POISONINGS, MEAL_HOURS, received=(120, 600), closed=(48, 168), channel="phone")
        self.typhoons()
        self.listed(GEOLOGICAL, ANY_HOUR, received=(30, 180), closed=(72, 360))
        self.listed(FOREST_FIRES, DAY_HOURS, received=(10, 60), closed=(4, 36))
        self.listed(PUBLIC_HEALTH, received=(120, 1440), closed=(240, 960), channel="phone")
        self.listed(SOCIAL_SAFETY, received=(10, 90), closed=(6, 96))
        self.rows.sort(key=lambda row: (row["occurred_at"], row["title"]))
        self.reports()
        for n, row in enumerate(self.rows, start=1):
            row["uuid"] = str(uuid.uuid5(NAMESPACE, str(n)))
        return self.rows


def render() -> str:
    """The CSV's text (what `main` writes), so a test can compare it with the committed file."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(Year().build())
    return out.getvalue()


def main():
    OUT.write_text(render(), encoding="utf-8", newline="")  # newline="": "\n" on every platform
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
