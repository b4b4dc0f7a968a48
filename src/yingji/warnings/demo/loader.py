"""The demo city's warnings, one in each state, and two received from elsewhere.

- 梅州市气象局 drafts (city_office), 黄建明 (leader_city) approves, and they are published: an orange rainstorm
  warning for 梅县区 and 兴宁市, a yellow gale warning for a polygon over 五华县, and a blue heat warning for
  梅江区 marked **Exercise**; a yellow cold-wave warning is published and then cancelled; a red warning stays a
  draft awaiting approval.
- Two received CAP messages from the files in this folder: a CAP 1.2 gale warning of the provincial observatory
  (a polygon) and a CAP 1.1 flood warning in two languages (a circle).

Deterministic and idempotent: warnings are known by owner and headline, received ones by (sender, identifier,
sent); times are relative to now (a warning is in force for the next days).
"""

import datetime
from collections import Counter
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from yingji.core.context import acting_as
from yingji.core.models import Division, Organisation, User
from yingji.incidents.models import EventType
from yingji.warnings import services
from yingji.warnings.models import CapStatus, ExternalWarning, Warning

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
]

RECEIVED = ["weather_province.xml", "flood_basin_cap11.xml"]


def load_warnings() -> Counter:
    tally: Counter = Counter()
    author, approver = User.objects.get(username=AUTHOR), User.objects.get(username=APPROVER)
    owner = Organisation.objects.get(name=ISSUER)
    with transaction.atomic():
        for spec in WARNINGS:
            event_type = EventType.objects.get(code=spec["code"])
            from yingji.rules import cap

            headline = cap.headline(owner.name, services.event_word(event_type), spec["level"])
            if spec.get("status", CapStatus.ACTUAL) != CapStatus.ACTUAL:
                headline = f"【演练】{headline}"
            if Warning.objects.filter(owner=owner, headline=headline, msg_type="Alert").exists():
                continue
            warning = Warning(
                owner=owner,
                event_type=event_type,
                level=spec["level"],
                headline=headline,
                description=spec["description"],
                instruction=spec["instruction"],
                area_desc=spec.get("area_desc", ""),
                polygons=spec.get("polygons", []),
                status=spec.get("status", CapStatus.ACTUAL),
                expires=timezone.now().replace(microsecond=0) + datetime.timedelta(hours=spec["hours"]),
            )
            divisions = list(Division.objects.filter(code__in=spec["divisions"]))
            with acting_as(author):
                services.save_draft(author, warning, divisions)
            tally["drafts"] += 1
            if spec["end"] == "draft":
                continue
            with acting_as(approver):
                services.approve(approver, warning)
            with acting_as(author):
                warning = services.publish(author, warning)
            tally["published"] += 1
            if spec["end"] == "cancelled":
                with acting_as(author):
                    services.cancel(author, warning, "冷空气强度减弱，解除预警。")
                tally["cancelled"] += 1
        for name in RECEIVED:
            data = (HERE / name).read_bytes()
            with acting_as(author):
                _, created = services.import_cap(author, data, ExternalWarning.Channel.UPLOAD)
            tally["received"] += created
    return tally
