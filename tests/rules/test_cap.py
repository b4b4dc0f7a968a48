"""CAP 1.2 out, CAP 1.1 and 1.2 in: every built message validates against the OASIS schema, round trips, and
every broken message is refused with the element, the line and the rule.

Plain functions: no database, no Django.
"""

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from yingji.rules.cap import (
    CAP11,
    CAP12,
    CATEGORIES,
    CERTAINTIES,
    MSG_TYPES,
    RESPONSE_TYPES,
    SCOPES,
    SEVERITIES,
    STATUSES,
    URGENCIES,
    XSD_PATH,
    Alert,
    Area,
    CapError,
    Circle,
    Info,
    NamedValue,
    Polygon,
    Reference,
    Resource,
    check,
    colour_for,
    format_time,
    headline,
    is_gb_identifier,
    levels,
    make_identifier,
    parse,
    parse_identifier,
    parse_time,
    severity_for,
    to_xml,
    validate,
)

PROPERTY = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
# Mutations of a generated message: each example builds a whole alert, so fewer examples cover them.
MUTATION = settings(PROPERTY, max_examples=40)
BEIJING = ZoneInfo("Asia/Shanghai")
SHARED_XSD = Path(__file__).resolve().parents[3] / "shared" / "standards" / "cap12.xsd"
T0 = datetime(2026, 7, 1, 8, 0, tzinfo=BEIJING)
D = Decimal


def square(lat="24.30", lon="115.70", size="0.1"):
    lat, lon, size = D(lat), D(lon), D(size)
    return Polygon(((lat, lon), (lat, lon + size), (lat + size, lon + size), (lat + size, lon), (lat, lon)))


def orange_rainstorm(**changes) -> Alert:
    """The issue's example: an orange rainstorm warning for two counties."""
    info = Info(
        categories=("Met",),
        event="暴雨",
        urgency="Expected",
        severity=severity_for("orange"),
        certainty="Likely",
        language="zh-CN",
        response_types=("Prepare", "Monitor"),
        event_codes=(NamedValue("GB/T 35561", "11B01"),),
        effective=T0,
        onset=T0 + timedelta(hours=1),
        expires=T0 + timedelta(hours=12),
        sender_name="梅州市气象台",
        headline=headline("梅州市气象台", "暴雨", "orange"),
        description="预计未来6小时兴宁市、五华县将出现100毫米以上降水。",
        instruction="1. 停止集会、停课、停业；\n2. 做好山洪、滑坡、泥石流等灾害的防御。",
        web="https://yingji.example.gov.cn/warnings/1",
        contact="0753-0000000",
        parameters=(NamedValue("colour", "orange"),),
        areas=(
            Area("兴宁市", geocodes=(NamedValue("GB/T 2260", "441481"),)),
            Area("五华县", polygons=(square(),), circles=(Circle(D("23.93"), D("115.77"), D("15")),)),
        ),
    )
    base = Alert(
        identifier=make_identifier("441400", "101", T0),
        sender="441400.meizhou.gov.cn",
        sent=T0,
        status="Actual",
        msg_type="Alert",
        scope="Public",
        infos=(info,),
    )
    return replace(base, **changes)


def problems_of(excinfo):
    return [str(p) for p in excinfo.value.problems]


# ------------------------------------------------------------------------------------------------------------
# The schema copy


def test_the_schema_copy_keeps_the_oasis_licence_header_and_the_cap_12_namespace():
    text = XSD_PATH.read_text(encoding="utf-8")
    assert "Copyright OASIS Open 2010 All Rights Reserved" in text.splitlines()[1]
    assert f'targetNamespace="{CAP12}"' in text


@pytest.mark.skipif(not SHARED_XSD.exists(), reason="no shared/standards/cap12.xsd beside the repository")
def test_the_schema_copy_is_the_shared_standard_unchanged():
    assert XSD_PATH.read_bytes() == SHARED_XSD.read_bytes()


# ------------------------------------------------------------------------------------------------------------
# Building


def test_the_orange_rainstorm_warning_validates_and_reads_back_the_same():
    alert = orange_rainstorm()
    xml = to_xml(alert)
    validate(xml)
    assert parse(xml) == alert
    text = xml.decode()
    assert text.startswith("<?xml version='1.0' encoding='UTF-8'?>")
    assert f'<alert xmlns="{CAP12}">' in text
    assert "<sent>2026-07-01T08:00:00+08:00</sent>" in text
    assert "<severity>Severe</severity>" in text
    assert "<headline>梅州市气象台发布暴雨橙色预警[Ⅱ级/严重]</headline>" in text
    assert "<polygon>24.30,115.70 24.30,115.80 24.40,115.80 24.40,115.70 24.30,115.70</polygon>" in text
    assert "<circle>23.93,115.77 15</circle>" in text


def test_utc_is_written_minus_zero_and_other_offsets_as_given():
    assert format_time(datetime(2026, 7, 1, 0, 0, tzinfo=UTC)) == "2026-07-01T00:00:00-00:00"
    assert format_time(T0) == "2026-07-01T08:00:00+08:00"
    assert format_time(datetime(2026, 7, 1, 0, 0, tzinfo=timezone(-timedelta(hours=9, minutes=30)))) == (
        "2026-07-01T00:00:00-09:30"
    )
    assert format_time(datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC)) == "0999-01-02T03:04:05-00:00"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (datetime(2026, 7, 1, 8, 0), "has no time zone"),
        (datetime(2026, 7, 1, 8, 0, 0, 500, tzinfo=UTC), "has fractional seconds"),
        (datetime(2026, 7, 1, tzinfo=timezone(timedelta(hours=8, seconds=7))), "not whole minutes"),
        (datetime(2026, 7, 1, tzinfo=timezone(timedelta(hours=15))), "beyond ±14:00"),
    ],
)
def test_times_cap_cannot_carry_are_refused(value, message):
    with pytest.raises(CapError, match=message):
        format_time(value)
    with pytest.raises(CapError, match=f"alert/sent: .*{message}"):
        to_xml(orange_rainstorm(sent=value))


def info_with(**changes):
    return replace(orange_rainstorm().infos[0], **changes)


def area_with(**changes):
    return Area(**{"area_desc": "五华县", **changes})


@pytest.mark.parametrize(
    ("changes", "where", "message"),
    [
        (
            {"identifier": "a b"},
            "alert/identifier",
            "holds whitespace; CAP forbids spaces, commas, '<' and '&'",
        ),
        ({"identifier": "a,b"}, "alert/identifier", "holds ','"),
        ({"sender": "a<b"}, "alert/sender", "holds '<'"),
        ({"sender": "a&b"}, "alert/sender", "holds '&'"),
        ({"identifier": ""}, "alert/identifier", "is required"),
        ({"status": "Real"}, "alert/status", "'Real' is not one of Actual, Exercise, System, Test, Draft"),
        ({"msg_type": "Update"}, "alert/references", "an Update must reference the message"),
        ({"msg_type": "Cancel"}, "alert/references", "a Cancel must reference the message"),
        ({"scope": "Restricted"}, "alert/restriction", "is required when scope is Restricted"),
        ({"scope": "Private"}, "alert/addresses", "is required when scope is Private"),
        ({"note": "bell\x07"}, "alert/note", "holds the character U\\+0007, which XML cannot carry"),
        ({"note": "half\ud800"}, "alert/note", "character U\\+D800"),
        (
            {"infos": (info_with(description="a\x00b"),)},
            "alert/info\\[1\\]/description",
            "character U\\+0000",
        ),
        (
            {"references": (Reference("s", "id 1", T0),)},
            "alert/references\\[1\\]/identifier",
            "holds whitespace",
        ),
        ({"infos": (info_with(categories=()),)}, "alert/info\\[1\\]/category", "at least one category"),
        (
            {"infos": (info_with(categories=("Weather",)),)},
            "alert/info\\[1\\]/category",
            "'Weather' is not one",
        ),
        ({"infos": (info_with(event=" "),)}, "alert/info\\[1\\]/event", "is required"),
        ({"infos": (info_with(language="zh_CN"),)}, "alert/info\\[1\\]/language", "not a language tag"),
        ({"infos": (info_with(urgency="Now"),)}, "alert/info\\[1\\]/urgency", "'Now' is not one"),
        ({"infos": (info_with(expires=datetime(2026, 7, 1)),)}, "alert/info\\[1\\]/expires", "no time zone"),
        ({"infos": (info_with(web="http://a b"),)}, "alert/info\\[1\\]/web", "must not contain whitespace"),
        (
            {"infos": (info_with(resources=(Resource("map", None),)),)},
            "alert/info\\[1\\]/resource\\[1\\]/mimeType",
            "is required",
        ),
        (
            {"infos": (info_with(resources=(Resource("map", "image/png", size=-1),)),)},
            "alert/info\\[1\\]/resource\\[1\\]/size",
            "is negative",
        ),
        ({"infos": (info_with(areas=(area_with(area_desc=""),)),)}, "area\\[1\\]/areaDesc", "is required"),
        (
            {"infos": (info_with(areas=(area_with(polygons=(Polygon(square().points[:3]),)),)),)},
            "area\\[1\\]/polygon\\[1\\]",
            "has 3 points; a polygon needs at least 4",
        ),
        (
            {"infos": (info_with(areas=(area_with(polygons=(Polygon(square().points[:4]),)),)),)},
            "area\\[1\\]/polygon\\[1\\]",
            "is not closed: the first point 24.30,115.70 must equal the last 24.40,115.70",
        ),
        (
            {"infos": (info_with(areas=(area_with(polygons=(square("115.7", "24.3"),)),)),)},
            "area\\[1\\]/polygon\\[1\\]",
            "latitude 115.7 is outside -90..90 \\(CAP writes lat,lon: latitude first\\)",
        ),
        (
            {"infos": (info_with(areas=(area_with(circles=(Circle(D(24), D(181), D(1)),)),)),)},
            "area\\[1\\]/circle\\[1\\]",
            "longitude 181 is outside -180..180",
        ),
        (
            {"infos": (info_with(areas=(area_with(circles=(Circle(D(24), D(115), D(-1)),)),)),)},
            "area\\[1\\]/circle\\[1\\]",
            "radius -1 km must be a number >= 0",
        ),
        ({"infos": (info_with(areas=(area_with(ceiling=D(10)),)),)}, "area\\[1\\]/ceiling", "needs altitude"),
        (
            {"infos": (info_with(areas=(area_with(geocodes=(NamedValue("", "441481"),)),)),)},
            "area\\[1\\]/geocode\\[1\\]/valueName",
            "is required",
        ),
    ],
)
def test_an_alert_breaking_a_cap_rule_is_refused_naming_the_element_and_the_rule(changes, where, message):
    with pytest.raises(CapError, match=f"{where}: .*{message}"):
        to_xml(orange_rainstorm(**changes))


def test_every_problem_is_reported_at_once():
    alert = orange_rainstorm(identifier="a b", msg_type="Cancel", scope="Private")
    assert [p.where for p in check(alert)] == ["alert/identifier", "alert/addresses", "alert/references"]


# ------------------------------------------------------------------------------------------------------------
# Update and Cancel


def test_an_update_and_a_cancel_reference_the_earlier_messages_as_sender_identifier_sent():
    first = orange_rainstorm()
    update = orange_rainstorm(
        identifier=make_identifier("441400", "101", T0 + timedelta(hours=1)),
        sent=T0 + timedelta(hours=1),
        msg_type="Update",
        references=(first.reference(),),
    )
    cancel = orange_rainstorm(
        identifier=make_identifier("441400", "101", T0 + timedelta(hours=2)),
        sent=T0 + timedelta(hours=2),
        msg_type="Cancel",
        references=(first.reference(), update.reference()),
    )
    xml = to_xml(cancel).decode()
    assert (
        "<references>441400.meizhou.gov.cn,44140010100000_20260701080000_0,2026-07-01T08:00:00+08:00 "
        "441400.meizhou.gov.cn,44140010100000_20260701090000_0,2026-07-01T09:00:00+08:00</references>"
    ) in xml
    assert parse(to_xml(update)).references == (first.reference(),)
    assert parse(xml.encode()).references == (first.reference(), update.reference())


# ------------------------------------------------------------------------------------------------------------
# Reading real-world style messages

CAP11_MULTI = f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- a CAP 1.1 message as agencies publish them: two languages, polygons, circles, geocodes, a signature -->
<cap:alert xmlns:cap="{CAP11}">
  <cap:identifier>KSTO1055887203</cap:identifier>
  <cap:sender>KSTO@NWS.NOAA.GOV</cap:sender>
  <cap:sent>2003-06-17T14:57:00-07:00</cap:sent>
  <cap:status>Actual</cap:status>
  <cap:msgType>Alert</cap:msgType>
  <cap:scope>Public</cap:scope>
  <cap:code>IPAWSv1.0</cap:code>
  <cap:note></cap:note>
  <cap:info>
    <cap:category>Met</cap:category>
    <cap:event>SEVERE THUNDERSTORM</cap:event>
    <cap:responseType>Shelter</cap:responseType>
    <cap:urgency>Immediate</cap:urgency>
    <cap:severity>Severe</cap:severity>
    <cap:certainty>Observed</cap:certainty>
    <cap:eventCode>
      <cap:valueName>SAME</cap:valueName>
      <cap:value>SVR</cap:value>
    </cap:eventCode>
    <cap:expires>2003-06-17T16:00:00-07:00</cap:expires>
    <cap:senderName>NATIONAL WEATHER SERVICE SACRAMENTO CA</cap:senderName>
    <cap:headline>SEVERE THUNDERSTORM WARNING</cap:headline>
    <cap:description>
      AT 254 PM PDT...NATIONAL WEATHER SERVICE DOPPLER RADAR INDICATED A SEVERE THUNDERSTORM.
    </cap:description>
    <cap:instruction>TAKE COVER.</cap:instruction>
    <cap:contact>BARUFFALDI/JUSKIE</cap:contact>
    <cap:parameter>
      <cap:valueName>VTEC</cap:valueName>
      <cap:value>/O.NEW.KSTO.SV.W.0011.030617T2157Z-030617T2300Z/</cap:value>
    </cap:parameter>
    <cap:resource>
      <cap:resourceDesc>radar image</cap:resourceDesc>
      <cap:size>12345</cap:size>
      <cap:uri>http://www.weather.gov/images/radar.gif</cap:uri>
    </cap:resource>
    <cap:area>
      <cap:areaDesc>EXTREME NORTH CENTRAL TUOLUMNE COUNTY IN CALIFORNIA</cap:areaDesc>
      <cap:polygon>38.47,-120.14 38.34,-119.95 38.52,-119.74 38.62,-119.89 38.47,-120.14</cap:polygon>
      <cap:circle>38.47,-120.14 0</cap:circle>
      <cap:geocode>
        <cap:valueName>SAME</cap:valueName>
        <cap:value>006109</cap:value>
      </cap:geocode>
      <cap:altitude>0</cap:altitude>
      <cap:ceiling>3000.5</cap:ceiling>
    </cap:area>
  </cap:info>
  <cap:info>
    <cap:language>es-US</cap:language>
    <cap:category>Met</cap:category>
    <cap:event>TORMENTA ELÉCTRICA SEVERA</cap:event>
    <cap:urgency>Immediate</cap:urgency>
    <cap:severity>Severe</cap:severity>
    <cap:certainty>Observed</cap:certainty>
    <cap:area><cap:areaDesc>CONDADO DE TUOLUMNE</cap:areaDesc></cap:area>
  </cap:info>
  <Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo/></Signature>
</cap:alert>
""".encode()


def test_a_cap_11_message_with_two_languages_and_every_kind_of_area_is_read():
    alert = parse(CAP11_MULTI)
    assert (alert.identifier, alert.sender, alert.codes, alert.note) == (
        "KSTO1055887203",
        "KSTO@NWS.NOAA.GOV",
        ("IPAWSv1.0",),
        None,  # an empty optional element counts as absent
    )
    assert alert.sent == datetime(2003, 6, 17, 21, 57, tzinfo=UTC)
    assert format_time(alert.sent) == "2003-06-17T14:57:00-07:00"  # the sender's own offset is kept
    english, spanish = alert.infos
    assert (english.language, spanish.language) == ("en-US", "es-US")  # absent: the schema's default
    assert english.description.startswith("AT 254 PM PDT") and english.description.endswith("THUNDERSTORM.")
    assert english.parameters == (NamedValue("VTEC", "/O.NEW.KSTO.SV.W.0011.030617T2157Z-030617T2300Z/"),)
    assert english.resources == (
        Resource("radar image", None, 12345, "http://www.weather.gov/images/radar.gif"),
    )
    [area] = english.areas
    assert area.polygons[0].points[0] == (D("38.47"), D("-120.14")) == area.polygons[0].points[-1]
    assert area.circles == (Circle(D("38.47"), D("-120.14"), D(0)),)
    assert area.geocodes == (NamedValue("SAME", "006109"),)
    assert (area.altitude, area.ceiling) == (D(0), D("3000.5"))
    assert spanish.areas[0].area_desc == "CONDADO DE TUOLUMNE"


def test_a_cap_11_message_without_mime_types_is_read_but_cannot_be_republished_as_12():
    with pytest.raises(CapError, match=r"resource\[1\]/mimeType: is required"):
        to_xml(parse(CAP11_MULTI))


def test_a_cap_11_message_with_mime_types_is_republished_as_valid_12():
    fixed = CAP11_MULTI.replace(b"<cap:size>", b"<cap:mimeType>image/gif</cap:mimeType>\n      <cap:size>")
    alert = parse(fixed)
    xml = to_xml(alert)
    validate(xml)
    assert parse(xml) == alert


def test_utc_given_as_plus_zero_is_accepted_when_reading():
    xml = to_xml(orange_rainstorm(sent=datetime(2026, 7, 1, tzinfo=UTC)))
    assert b"-00:00</sent>" in xml
    assert parse(xml.replace(b"-00:00</sent>", b"+00:00</sent>")).sent == datetime(2026, 7, 1, tzinfo=UTC)


def test_comments_and_processing_instructions_are_ignored():
    xml = to_xml(orange_rainstorm()).replace(b"<status>", b"<!-- note --><?pi x?><status>")
    assert parse(xml) == orange_rainstorm()


# ------------------------------------------------------------------------------------------------------------
# Reading broken messages

GOOD = to_xml(orange_rainstorm())


def broken(old: bytes, new: bytes, count: int = 1) -> bytes:
    assert old in GOOD, old
    return GOOD.replace(old, new, count)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "document: is empty; expected a CAP <alert>"),
        (b"this is not XML", "document \\(line 1\\): is not well-formed XML: Start tag expected"),
        (GOOD[:-40], "document \\(line \\d+\\): is not well-formed XML"),
        (b"<feed xmlns='http://www.w3.org/2005/Atom'/>", "the root element is <feed>, not a CAP <alert>"),
        (
            broken(CAP12.encode(), b"urn:oasis:names:tc:emergency:cap:1.0"),
            "has namespace '.*cap:1.0'; expected",
        ),
        (broken(f' xmlns="{CAP12}"'.encode(), b""), "alert \\(line 2\\): has no namespace; expected"),
        (broken(b"<scope>Public</scope>", b""), "alert/scope \\(line 2\\): is required but missing"),
        (
            broken(b"<event>\xe6\x9a\xb4\xe9\x9b\xa8</event>", b""),
            "alert/info\\[1\\]/event .*required but missing",
        ),
        (broken(b"<areaDesc>\xe4\xba\x94\xe5\x8d\x8e\xe5\x8e\xbf</areaDesc>", b""), "area\\[2\\]/areaDesc"),
        (
            broken(b"<sent>2026-07-01T08:00:00+08:00", b"<sent>2026-07-01T00:00:00Z"),
            "alert/sent \\(line 5\\).*'Z'",
        ),
        (
            broken(b"<sent>2026-07-01T08:00:00+08:00", b"<sent>2026-07-01T08:00:00.5+08:00"),
            "fractional seconds",
        ),
        (broken(b"<sent>2026-07-01T08:00:00+08:00", b"<sent>2026-07-01T08:00:00"), "has no UTC offset"),
        (broken(b"<sent>2026-07-01T08:00:00+08:00", b"<sent>2026-02-30T08:00:00+08:00"), "not a real date"),
        (broken(b"<sent>2026-07-01T08:00:00+08:00", b"<sent>1 July 2026"), "write it as 2026-07-01T08:00:00"),
        (
            broken(b"<expires>2026-07-01T20:00:00+08:00", b"<expires>2026-07-01T20:00+08:00"),
            "alert/info\\[1\\]/expires \\(line \\d+\\): '2026-07-01T20:00\\+08:00' is not a CAP time",
        ),
        (
            broken(b" 24.30,115.70</polygon>", b" 24.30,115.75</polygon>"),
            "area\\[2\\]/polygon\\[1\\] \\(line \\d+\\): is not closed",
        ),
        (
            broken(b"24.30,115.70 ", b"24.30;115.70 "),
            "polygon\\[1\\] \\(line \\d+\\): point 1 '24.30;115.70' is not",
        ),
        (
            broken(b"<circle>23.93,115.77 15", b"<circle>23.93,115.77,15"),
            "circle\\[1\\].*is not 'lat,lon radius'",
        ),
        (broken(b"<status>Actual", b"<status>actual"), "alert/status \\(line 6\\): 'actual' is not one of"),
        (
            broken(b"<status>Actual</status>", b"<status>Actual</status><colour>red</colour>"),
            "unknown element",
        ),
        (
            broken(
                b"<status>Actual</status>\n  <msgType>Alert</msgType>",
                b"<msgType>Alert</msgType><status>Actual</status>",
            ),
            "alert/status .*must come before <msgType>",
        ),
        (broken(b"<scope>Public</scope>", b"<scope>Public</scope><scope>Public</scope>"), "at most 1 time"),
        (
            broken(b"<msgType>Alert", b"<msgType>Update"),
            "alert/references \\(line 2\\): an Update must reference",
        ),
        (
            broken(b"<scope>Public</scope>", b"<scope>Public</scope><references>only-one-part</references>"),
            "reference 1 'only-one-part' must be 'sender,identifier,sent'",
        ),
        (broken(b"<event>", b"<event><b>x</b>"), "alert/info\\[1\\]/event .*must hold text, not elements"),
        (
            broken(b"<status>", b"<x:status xmlns:x='urn:other'>x</x:status><status>"),
            "not in the CAP namespace",
        ),
    ],
)
def test_a_broken_message_is_refused_with_where_and_why(data, message):
    with pytest.raises(CapError) as excinfo:
        parse(data)
    assert any(re.search(message, p) for p in problems_of(excinfo)), problems_of(excinfo)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-07-01T08:00:00+08:00", datetime(2026, 7, 1, tzinfo=UTC)),
        ("2026-07-01T00:00:00-00:00", datetime(2026, 7, 1, tzinfo=UTC)),
        ("2026-06-30T14:30:00-09:30", datetime(2026, 7, 1, tzinfo=UTC)),
    ],
)
def test_a_cap_time_reads_as_the_same_instant_in_its_own_offset(text, expected):
    value = parse_time(text)
    assert value == expected and format_time(value) == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-07-01T00:00:00Z", "ends in 'Z'"),
        ("2026-07-01T08:00:00.000+08:00", "has fractional seconds"),
        ("2026-07-01T08:00:00", "has no UTC offset"),
        ("2026-07-01 08:00:00+08:00", "is not a CAP time"),
        ("2026-07-01T08:00:00+15:00", "beyond ±14:00"),
        ("2026-07-01T08:00:00+08:60", "more than 59 minutes"),
        ("2026-07-01T24:00:00+08:00", "is not a real date and time"),
    ],
)
def test_a_time_not_in_the_cap_form_is_refused_saying_why(text, message):
    with pytest.raises(CapError, match=f"alert/effective: '{re.escape(text)}' .*{message}"):
        parse_time(text, "alert/effective")


def test_whitespace_round_a_value_is_trimmed_not_refused():
    data = broken(b"<identifier>", b"<identifier>\n  ").replace(b"_0</identifier>", b"_0\n</identifier>")
    assert parse(data).identifier == orange_rainstorm().identifier


def test_a_doctype_is_refused_so_no_entity_can_expand():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
        + GOOD.split(b"?>", 1)[1].replace(b"<note>", b"<note>&lol2;")
    )
    with pytest.raises(CapError, match="has a DOCTYPE"):
        parse(bomb)


def test_an_external_entity_is_never_fetched():
    xxe = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><alert>&x;</alert>'
    with pytest.raises(CapError, match="has a DOCTYPE"):
        parse(xxe)


def test_a_broken_message_reports_all_its_problems_with_lines():
    data = broken(b"<status>Actual", b"<status>Real").replace(b"<urgency>Expected", b"<urgency>Soon")
    with pytest.raises(CapError) as excinfo:
        parse(data)
    found = problems_of(excinfo)
    assert len(found) == 2
    assert found[0].startswith("alert/status (line 6): 'Real'")
    assert found[1].startswith("alert/info[1]/urgency (line")


def test_text_instead_of_bytes_is_a_caller_mistake():
    with pytest.raises(TypeError, match="CAP XML must be bytes, not str"):
        parse(GOOD.decode())


def test_the_schema_check_catches_what_it_alone_knows():
    # Valid as our model reads it, but the schema's anyURI / order rules are its own: shown via validate().
    out_of_order = broken(
        b"<status>Actual</status>\n  <msgType>Alert</msgType>",
        b"<msgType>Alert</msgType><status>Actual</status>",
    )
    with pytest.raises(
        CapError, match=r"schema \(line \d+\): Element '\{urn:oasis:names:tc:emergency:cap:1.2\}msgType'"
    ):
        validate(out_of_order)


# ------------------------------------------------------------------------------------------------------------
# GB/T 35965.1 identifiers, levels and titles


def test_a_gb_identifier_is_division_agency_extension_beijing_time_and_sequence():
    identifier = make_identifier("441400", "101", datetime(2026, 7, 1, 0, 30, 5, tzinfo=UTC), 7, "12345")
    assert identifier == "44140010112345_20260701083005_7"
    parsed = parse_identifier(identifier)
    assert (parsed.division, parsed.agency, parsed.extension, parsed.sequence) == (
        "441400",
        "101",
        "12345",
        7,
    )
    assert parsed.issued == datetime(2026, 7, 1, 8, 30, 5, tzinfo=BEIJING)
    assert str(parsed) == identifier


@PROPERTY
@given(
    st.from_regex(r"\d{6}", fullmatch=True),
    st.from_regex(r"\d{3}", fullmatch=True),
    st.from_regex(r"\d{5}", fullmatch=True),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)),
    st.integers(0, 9),
)
def test_any_gb_identifier_made_reads_back_and_is_a_valid_cap_identifier(division, agency, ext, issued, n):
    identifier = make_identifier(division, agency, issued, n, ext)
    parsed = parse_identifier(identifier)
    assert parsed.issued == issued.replace(microsecond=0)
    assert (parsed.division, parsed.agency, parsed.extension, parsed.sequence) == (division, agency, ext, n)
    assert check(orange_rainstorm(identifier=identifier)) == []


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("4414", "101", T0), "division must be 6 digits, not '4414'"),
        (("441400", "1a1", T0), "agency must be 3 digits"),
        (("441400", "101", T0, 10), "sequence must be a whole number from 0 to 9, not 10"),
        (("441400", "101", datetime(2026, 7, 1)), "issued must be an aware datetime"),
        (("441400", "101", T0, 0, "123"), "extension must be 5 digits"),
    ],
)
def test_a_gb_identifier_is_not_made_from_bad_parts(arguments, message):
    with pytest.raises(ValueError, match=message):
        make_identifier(*arguments)


@pytest.mark.parametrize(
    "identifier",
    [
        "44140010100000_20260701080000",
        "4414001010000_20260701080000_0",
        "44140010100000-20260701080000-0",
        "44140010100000_20260231080000_0",
        "44140010100000_20260701080000_10",
        "KSTO1055887203",
    ],
)
def test_identifiers_not_in_the_gb_format_are_recognised(identifier):
    assert not is_gb_identifier(identifier)
    with pytest.raises(CapError, match="alert/identifier"):
        parse_identifier(identifier)


def test_colours_map_to_cap_severities_and_back():
    assert [severity_for(c) for c in ("red", "orange", "yellow", "blue")] == [
        "Extreme",
        "Severe",
        "Moderate",
        "Minor",
    ]
    assert [colour_for(s) for s in ("Extreme", "Severe", "Moderate", "Minor", "Unknown")] == [
        "red",
        "orange",
        "yellow",
        "blue",
        None,
    ]
    assert all(level.source and level.mark in {"V", "S", "M"} for level in levels())
    with pytest.raises(ValueError, match="colour must be one of red, orange, yellow, blue, not 'green'"):
        severity_for("green")


@pytest.mark.parametrize(
    ("colour", "title"),
    [
        ("red", "梅州市气象台发布暴雨红色预警[Ⅰ级/特别严重]"),
        ("orange", "梅州市气象台发布暴雨橙色预警[Ⅱ级/严重]"),
        ("yellow", "梅州市气象台发布暴雨黄色预警[Ⅲ级/较重]"),
        ("blue", "梅州市气象台发布暴雨蓝色预警[Ⅳ级/一般]"),
    ],
)
def test_titles_follow_the_gb_style(colour, title):
    assert headline("梅州市气象台", "暴雨", colour) == title


# ------------------------------------------------------------------------------------------------------------
# Properties: any alert we can build validates and round trips; broken variants are refused

text = (
    st.text(
        st.characters(exclude_categories=("Cs", "Cc", "Cn"), include_characters="\n\t"),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(bool)
)
chinese = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=12)
words = chinese | text
optional = st.none() | words
token = st.text(
    st.characters(exclude_categories=("Cs", "Cc", "Cn", "Zs", "Zl", "Zp"), exclude_characters=",<&"),
    min_size=1,
    max_size=20,
).filter(lambda s: not re.search(r"\s", s))
offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
times = st.builds(
    lambda moment, zone: moment.replace(microsecond=0).astimezone(zone),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)),
    offsets | st.just(BEIJING) | st.just(UTC),
)
lats = st.decimals(min_value=-90, max_value=90, places=4)
lons = st.decimals(min_value=-180, max_value=180, places=4)
pairs = st.builds(NamedValue, words, st.just("") | words)


@st.composite
def polygons(draw):
    points = draw(st.lists(st.tuples(lats, lons), min_size=3, max_size=8))
    return Polygon((*points, points[0]))


areas = st.builds(
    lambda desc, polys, circles, geocodes, altitude, ceiling: Area(
        desc, polys, circles, geocodes, altitude, ceiling if altitude is not None else None
    ),
    words,
    st.lists(polygons(), max_size=2).map(tuple),
    st.lists(
        st.builds(Circle, lats, lons, st.decimals(min_value=0, max_value=2000, places=2)), max_size=2
    ).map(tuple),
    st.lists(pairs, max_size=3).map(tuple),
    st.none() | st.decimals(min_value=-500, max_value=9000, places=1),
    st.none() | st.decimals(min_value=0, max_value=20000, places=1),
)
resources = st.builds(
    Resource,
    words,
    st.sampled_from(["image/png", "application/pdf", "text/plain"]),
    st.none() | st.integers(0, 10**9),
    st.none() | token.map(lambda t: "https://example.org/" + re.sub(r"[^A-Za-z0-9]", "x", t)),
    st.none() | st.from_regex(r"[A-Za-z0-9+/]{4,40}={0,2}", fullmatch=True),
    st.none() | st.from_regex(r"[0-9a-f]{40}", fullmatch=True),
)
infos = st.builds(
    Info,
    categories=st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=3, unique=True).map(tuple),
    event=words,
    urgency=st.sampled_from(URGENCIES),
    severity=st.sampled_from(SEVERITIES),
    certainty=st.sampled_from(CERTAINTIES),
    language=st.sampled_from(["zh-CN", "en-US", "zh-Hans-CN", "es"]),
    response_types=st.lists(st.sampled_from(RESPONSE_TYPES), max_size=3, unique=True).map(tuple),
    audience=optional,
    event_codes=st.lists(pairs, max_size=2).map(tuple),
    effective=st.none() | times,
    onset=st.none() | times,
    expires=st.none() | times,
    sender_name=optional,
    headline=optional,
    description=optional,
    instruction=optional,
    web=st.none() | st.just("https://yingji.example.gov.cn/w/1"),
    contact=optional,
    parameters=st.lists(pairs, max_size=3).map(tuple),
    resources=st.lists(resources, max_size=2).map(tuple),
    areas=st.lists(areas, max_size=2).map(tuple),
)


@st.composite
def alerts(draw):
    msg_type = draw(st.sampled_from(MSG_TYPES))
    scope = draw(st.sampled_from(SCOPES))
    references = st.builds(Reference, token, token, times)
    return Alert(
        identifier=draw(token),
        sender=draw(token),
        sent=draw(times),
        status=draw(st.sampled_from(STATUSES)),
        msg_type=msg_type,
        scope=scope,
        source=draw(optional),
        restriction=draw(words if scope == "Restricted" else optional),
        addresses=draw(words if scope == "Private" else optional),
        codes=tuple(draw(st.lists(words, max_size=2))),
        note=draw(optional),
        references=tuple(
            draw(st.lists(references, min_size=1 if msg_type in {"Update", "Cancel"} else 0, max_size=3))
        ),
        incidents=draw(optional),
        infos=tuple(draw(st.lists(infos, max_size=2))),
    )


@settings(PROPERTY, max_examples=200)
@given(alerts())
def test_every_alert_we_build_validates_against_the_schema_and_reads_back_equal(alert):
    assert check(alert) == []
    xml = to_xml(alert)
    validate(xml)
    assert parse(xml) == alert


@MUTATION
@given(alerts())
def test_reading_back_keeps_each_time_in_its_own_offset(alert):
    again = parse(to_xml(alert))
    assert format_time(again.sent) == format_time(alert.sent)
    for before, after in zip(alert.references, again.references, strict=True):
        assert format_time(after.sent) == format_time(before.sent)


@settings(PROPERTY, max_examples=60)
@given(alerts(), infos, polygons())
def test_a_polygon_opened_in_any_message_is_refused_as_not_closed(alert, info, polygon):
    assume(polygon.points[-2] != polygon.points[0])  # else dropping the last point leaves it closed
    area = Area("open area", polygons=(polygon,))
    alert = replace(alert, infos=(*alert.infos, replace(info, areas=(*info.areas, area))))
    where = f"alert/info[{len(alert.infos)}]/area[{len(alert.infos[-1].areas)}]/polygon[1]"
    xml = to_xml(alert)
    # Drop the closing point in the XML text itself (the last <polygon> is the one just added).
    head, _, tail = xml.rpartition(f"<polygon>{polygon.text()}</polygon>".encode())
    opened = f"<polygon>{Polygon(polygon.points[:-1]).text()}</polygon>".encode()
    with pytest.raises(CapError) as excinfo:
        parse(head + opened + tail)
    assert any(
        p.startswith(f"{where} (line ") and ("is not closed" in p or "a polygon needs at least 4" in p)
        for p in problems_of(excinfo)
    ), problems_of(excinfo)


REQUIRED = ["identifier", "sender", "sent", "status", "msgType", "scope"]


@MUTATION
@given(alerts(), st.sampled_from(REQUIRED))
def test_a_message_missing_a_required_element_is_refused_naming_it(alert, name):
    xml = re.sub(rf"<{name}>[^<]*</{name}>".encode(), b"", to_xml(alert), count=1)
    with pytest.raises(CapError, match=f"alert/{name} \\(line 2\\): is required but missing"):
        parse(xml)


@MUTATION
@given(alerts(), st.sampled_from(["1.0", "1.3", "2.0"]))
def test_a_message_in_another_namespace_is_refused_naming_it(alert, version):
    xml = to_xml(alert).replace(CAP12.encode(), f"urn:oasis:names:tc:emergency:cap:{version}".encode())
    with pytest.raises(
        CapError, match=f"has namespace 'urn:oasis:names:tc:emergency:cap:{version}'; expected"
    ):
        parse(xml)


@MUTATION
@given(alerts(), st.sampled_from(["Z", ".5+08:00", "", "+8:00", "+08"]))
def test_a_message_with_a_bad_time_is_refused_naming_the_element(alert, ending):
    xml = re.sub(
        rb"<sent>([^<]{19})[^<]*</sent>", rb"<sent>\g<1>" + ending.encode() + b"</sent>", to_xml(alert)
    )
    with pytest.raises(
        CapError, match=r"alert/sent \(line 5\): '.*' (ends in 'Z'|has fractional|has no UTC|is not a CAP)"
    ):
        parse(xml)


@PROPERTY
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_any_bytes_are_either_an_alert_or_a_cap_error_never_a_crash(data):
    try:
        parse(data)
    except CapError as error:
        assert error.problems and all(p.message for p in error.problems)


@MUTATION
@given(alerts(), st.integers(0, 10_000), st.binary(min_size=1, max_size=5))
def test_a_corrupted_message_is_an_alert_or_a_cap_error_never_a_crash(alert, position, junk):
    xml = to_xml(alert)
    position %= len(xml)
    try:
        parse(xml[:position] + junk + xml[position + len(junk) :])
    except CapError as error:
        assert error.problems


@MUTATION
@given(
    alerts(), st.text(max_size=30), st.text(max_size=30), st.sampled_from(["identifier", "sender", "note"])
)
def test_any_text_in_any_field_gives_valid_xml_or_a_cap_error_never_a_crash(alert, value, event, name):
    alert = replace(alert, **{name: value}, infos=tuple(replace(info, event=event) for info in alert.infos))
    try:
        xml = to_xml(alert)
    except CapError as error:
        assert error.problems
    else:
        validate(xml)
        assert parse(xml) == replace(
            alert,
            **{name: getattr(alert, name).strip() or None if name == "note" else getattr(alert, name)},
            infos=tuple(replace(info, event=info.event.strip()) for info in alert.infos),
        )
