"""The demo city's contact network and duty system.

- Two call lists of 梅州市应急管理局: the flood command's member units (防汛指挥部成员单位) and the duty offices of
  the eight counties (各县（市、区）总值班室, shared with every organisation).
- The duty roster of the current month (today's month in Beijing time; run again in another month and that month
  is added): the city bureau works day and night shifts with a leader on duty around the clock; each county's
  应急管理局 works 24-hour shifts.
- A few entries of the city's duty log on the first day of the month, two of them still awaiting follow-up, and
  the handover of that day's day shift, acknowledged by the night shift.

Deterministic and idempotent: call lists are known by owner and name, members by list and contact, shifts by
office, kind and start, log entries by office, time and content; nothing is added twice.
"""

import datetime
from collections import Counter

from django.db import transaction
from django.utils import timezone

from yingji.core.context import acting_as
from yingji.core.models import Contact, Organisation, User
from yingji.duty import services
from yingji.duty.models import CallList, DutyRole, Handover, LogEntry, Shift

ADMIN = "city_admin"
CITY = "梅州市应急管理局"
COUNTIES = ["mj", "mx", "dp", "fs", "wh", "py", "jl", "xn"]
COUNTY_EMA = {
    "mj": "梅州市梅江区应急管理局",
    "mx": "梅州市梅县区应急管理局",
    "dp": "大埔县应急管理局",
    "fs": "丰顺县应急管理局",
    "wh": "五华县应急管理局",
    "py": "平远县应急管理局",
    "jl": "蕉岭县应急管理局",
    "xn": "兴宁市应急管理局",
}
COUNTY_USERS = {"mx": "meixian_office", "xn": "xingning_office"}

# The flood command's member units: (organisation, the contact's name) as 成员, then their liaisons (联络员).
FLOOD_MEMBERS = [
    ("梅州市应急管理局", "邱永康", "成员（办公室主任）"),
    ("梅州市水利局", "温少华", "成员"),
    ("梅州市自然资源局", "叶明辉", "成员"),
    ("梅州市气象局", "彭丽华", "成员"),
    ("梅州市公安局", "朱建平", "成员"),
    ("梅州市卫生健康局", "蓝天宇", "成员"),
    ("梅州市住房和城乡建设局", "梁文斌", "成员"),
    ("梅州市交通运输局", "丘雅琴", "成员"),
    ("梅州市民政局", "侯晓玲", "成员"),
    ("梅州市农业农村局", "潘美玲", "成员"),
    ("梅州市城市管理和综合执法局", "范小燕", "成员"),
    ("梅州市消防救援支队", "池丽君", "成员"),
    ("梅州市水利局", "廖春梅", "联络员"),
    ("梅州市自然资源局", "林嘉欣", "联络员"),
    ("梅州市气象局", "吴振华", "联络员"),
    ("梅州市公安局", "何志明", "联络员"),
    ("梅州市卫生健康局", "饶红英", "联络员"),
    ("梅州市消防救援支队", "卢国强", "联络员"),
]

# The city duty team's staff who have no login (DOMAIN.md section 8: dispatcher, information and technical officer).
CITY_DUTY_STAFF = [
    ("陈嘉怡", "值班调度员", "13707531001", "0753-2180211"),
    ("刘子豪", "值班信息员", "13707531002", "0753-2180212"),
    ("张志成", "值班技术保障员", "13707531003", "0753-2180213"),
    ("李思敏", "值班调度员", "13707531004", "0753-2180211"),
]

DAY_ENTRIES = [
    # (hh:mm, kind, from whom, content, passed on to, follow-up needed, closing entry hh:mm or "")
    (
        "09:05",
        LogEntry.Kind.CALL,
        "梅州市气象局 吴振华",
        "市气象台发布暴雨黄色预警信号，预计未来12小时梅县区、大埔县累计降雨量可达60毫米以上。",
        "带班领导；各县（市、区）总值班室",
        True,
        "11:40",
    ),
    (
        "10:20",
        LogEntry.Kind.MESSAGE,
        "省应急管理厅总值班室",
        "传真通知：做好强降雨防御工作，落实24小时值班和领导带班制度，重要情况及时报告。",
        "值班领导 黄建明",
        True,
        "",
    ),
    (
        "11:40",
        LogEntry.Kind.FOLLOW_UP,
        "各县（市、区）总值班室",
        "八县（市、区）总值班室均已收到预警并回复落实情况。",
        "",
        False,
        "",
    ),
    (
        "14:15",
        LogEntry.Kind.REPORT,
        "大埔县应急管理局 黎美华",
        "大埔县三河镇一处山体小面积滑坡，未造成人员伤亡，已设置警示并转移下方2户7人。",
        "市自然资源局；带班领导",
        True,
        "",
    ),
    (
        "16:30",
        LogEntry.Kind.INSTRUCTION,
        "带班领导",
        "要求大埔县持续监测滑坡点，每2小时报告一次情况。",
        "大埔县应急管理局",
        False,
        "",
    ),
]


class _Loader:
    def __init__(self):
        self.user = User.objects.get(username=ADMIN)
        self.tally = Counter()
        self.orgs = {o.name: o for o in Organisation.objects.filter(name__in=[CITY, *COUNTY_EMA.values()])}
        self.city = self.orgs[CITY]

    def contact(self, org_name: str, name: str) -> Contact:
        return Contact.objects.get(owner__name=org_name, name=name)

    # -- call lists --------------------------------------------------------------------------------------------

    def call_list(self, name: str, purpose: str, shared: bool, members):
        call_list = CallList.objects.filter(owner=self.city, name=name).first()
        if call_list is None:
            call_list = services.save_scoped(
                self.user, CallList(owner=self.city, name=name, purpose=purpose, shared=shared)
            )
            self.tally["call lists created"] += 1
        present = set(call_list.members.values_list("contact_id", flat=True))
        for order, (contact, role) in enumerate(members, start=1):
            if contact.pk not in present:
                services.add_to_call_list(self.user, call_list, contact, role, order * 10)
                self.tally["call list members created"] += 1

    def call_lists(self):
        self.call_list(
            "梅州市防汛指挥部成员单位",
            "汛期防汛会商、预警叫应和应急响应启动时逐一通知。",
            False,
            [(self.contact(org, name), role) for org, name, role in FLOOD_MEMBERS],
        )
        county_members = []
        for key in COUNTIES:
            org = COUNTY_EMA[key]
            county_members += [
                (c, "总值班室" if "值班" in c.post else "分管领导", key)
                for c in Contact.objects.filter(owner__name=org).order_by("-is_primary", "name")
            ]
        self.call_list(
            "各县（市、区）总值班室",
            "向各县（市、区）传达预警、通知和上级指示，核实突发事件信息。",
            True,
            [
                (c, role)
                for c, role, _key in sorted(
                    county_members, key=lambda m: (m[1] != "总值班室", COUNTIES.index(m[2]))
                )
            ],
        )

    # -- roster ------------------------------------------------------------------------------------------------

    def staff(self) -> list[Contact]:
        staff = []
        for name, post, mobile, phone in CITY_DUTY_STAFF:
            contact = Contact.objects.filter(owner=self.city, name=name).first()
            if contact is None:
                contact = services.save_scoped(
                    self.user,
                    Contact(owner=self.city, name=name, post=post, mobile=mobile, office_phone=phone),
                )
                self.tally["duty staff contacts created"] += 1
            staff.append(contact)
        return staff

    def fill(self, office, slots, rotation, year, month):
        result = services.fill_month(self.user, office, year, month, slots, rotation)
        self.tally["shifts created"] += result.created
        self.tally["shifts unchanged"] += result.skipped

    def roster(self, year: int, month: int):
        users = {
            u.username: u
            for u in User.objects.filter(
                username__in=["duty_city", "city_office", "leader_city", *COUNTY_USERS.values()]
            )
        }
        dispatcher_a, information, technical, dispatcher_b = self.staff()
        gu = self.contact(CITY, "古俊杰")
        xie = self.contact(CITY, "谢婉婷")
        qiu = self.contact(CITY, "邱永康")
        self.fill(
            self.city,
            services.PATTERNS["day_night"],
            {
                DutyRole.DUTY_OFFICER: [users["duty_city"], users["city_office"], gu],
                DutyRole.SHIFT_LEADER: [xie, qiu],
                DutyRole.DISPATCHER: [dispatcher_a, dispatcher_b],
                DutyRole.INFORMATION_OFFICER: [information],
                DutyRole.TECHNICAL_OFFICER: [technical],
            },
            year,
            month,
        )
        # The leader on duty (值班领导) answers for the city around the clock, a day each in turn.
        leader = services.Slot(Shift.Kind.KEY.value, datetime.time(8, 30), datetime.time(8, 30))
        self.fill(self.city, [leader], {DutyRole.LEADER_ON_DUTY: [users["leader_city"], qiu]}, year, month)
        for key in COUNTIES:
            office = self.orgs[COUNTY_EMA[key]]
            contacts = list(Contact.objects.filter(owner=office).order_by("-is_primary", "name"))
            chief = next((c for c in contacts if c.is_primary), contacts[0])
            duty_room = next((c for c in contacts if not c.is_primary), chief)
            officers = [duty_room]
            if key in COUNTY_USERS:
                officers.insert(0, users[COUNTY_USERS[key]])
            self.fill(
                office,
                services.PATTERNS["full"],
                {DutyRole.DUTY_OFFICER: officers, DutyRole.SHIFT_LEADER: [chief]},
                year,
                month,
            )

    # -- log and handover --------------------------------------------------------------------------------------

    def log_and_handover(self, year: int, month: int):
        day = datetime.date(year, month, 1)
        known = set(LogEntry.objects.filter(owner=self.city).values_list("at", "content"))
        by_time = {}
        for hhmm, kind, source, content, passed_to, follow_up, _closed_at in DAY_ENTRIES:
            at = services.local(day, datetime.time.fromisoformat(hhmm))
            by_time[hhmm] = (at, content)
            if (at, content) in known:
                continue
            entry = LogEntry(
                owner=self.city,
                at=at,
                kind=kind,
                source=source,
                content=content,
                passed_to=passed_to,
                follow_up_needed=follow_up,
            )
            if kind == LogEntry.Kind.FOLLOW_UP:
                opened = next(h for h, *_rest, closed in DAY_ENTRIES if closed == hhmm)
                entry.follows_up = LogEntry.objects.get(owner=self.city, at=by_time[opened][0])
                entry.follow_up_done = True
            services.log(self.user, entry)
            self.tally["log entries created"] += 1
        day_shift = Shift.objects.filter(
            owner=self.city, kind=Shift.Kind.DAY, starts_at=services.local(day, datetime.time(8, 30))
        ).first()
        if day_shift is None or Handover.objects.filter(shift=day_shift).exists():
            return
        handover = services.hand_over(
            self.user,
            day_shift,
            open_matters="大埔县三河镇滑坡点需每2小时跟踪一次；省厅强降雨防御通知待值班领导批示。",
            equipment_status="卫星电话、视频会商系统、值班电话录音设备运行正常；无人机电池已充满。",
            at=day_shift.ends_at,
        )
        incoming = (
            handover.next_shift.members.filter(role=DutyRole.DUTY_OFFICER).first()
            if handover.next_shift
            else None
        )
        if incoming is not None and incoming.user_id:
            services.acknowledge(incoming.user, handover)
        elif incoming is not None:
            services.acknowledge(self.user, handover)
        self.tally["handovers created"] += 1


@transaction.atomic
def load_duty(today: datetime.date | None = None) -> Counter:
    today = today or timezone.localdate()
    with acting_as(User.objects.get(username=ADMIN)):
        loader = _Loader()
        loader.call_lists()
        loader.roster(today.year, today.month)
        loader.log_and_handover(today.year, today.month)
    return loader.tally
