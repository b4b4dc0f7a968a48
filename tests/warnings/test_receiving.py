"""CAP 1.1 / 1.2 received by upload, push and polled feeds: stored once, malformed input rejected whole."""

import http.server
import threading
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.warnings.conftest import published, user
from yingji.warnings import services
from yingji.warnings.models import ExternalWarning, FeedSource

pytestmark = pytest.mark.django_db
DEMO = Path(services.__file__).parent / "demo"
CAP12 = (DEMO / "weather_province.xml").read_bytes()
CAP11 = (DEMO / "flood_basin_cap11.xml").read_bytes()
BROKEN = CAP12.replace(
    b"24.9,115.8 24.9,116.5 24.4,116.5 24.4,115.8 24.9,115.8", b"24.9,115.8 24.9,116.5 24.4,116.5"
)


def test_the_same_alert_uploaded_twice_is_stored_once(login):
    client = login("city_office")
    for _ in range(2):
        response = client.post(
            reverse("warnings:import"), {"file": SimpleUploadedFile("a.xml", CAP12, "application/xml")}
        )
        assert response.status_code == 302
    assert ExternalWarning.objects.filter(identifier="44000041600000_20261128080000_0").count() == 1


def test_a_cap11_message_in_two_languages_keeps_the_chinese_block_and_its_circle():
    record, created = services.import_cap(user("city_office"), CAP11, "upload")
    assert created and record.cap_version == "1.1"
    assert record.headline == "梅江梅州段洪水橙色预警" and record.level == "orange"
    assert record.circles == [{"lat": "24.30", "lon": "116.12", "radius_km": "15"}]


def test_malformed_input_is_rejected_with_the_reason_and_nothing_is_stored(login):
    client = login("city_office")
    response = client.post(reverse("warnings:import"), {"file": SimpleUploadedFile("b.xml", BROKEN)})
    assert response.status_code == 400
    assert "polygon" in response.content.decode()
    assert not ExternalWarning.objects.exists()
    response = client.post(reverse("warnings:import"), {"file": SimpleUploadedFile("c.xml", b"<not-cap/>")})
    assert response.status_code == 400 and not ExternalWarning.objects.exists()


def test_a_pushed_alert_is_stored_once_and_a_broken_one_gets_its_problems(api):
    client = api("city_office")
    url = reverse("api:externalwarning-push")
    first = client.post(url, CAP12, content_type="application/xml")
    assert first.status_code == 201, first.content
    second = client.post(url, CAP12, content_type="application/cap+xml")
    assert second.status_code == 200
    bad = client.post(url, BROKEN, content_type="text/xml")
    assert bad.status_code == 400 and any("polygon" in p for p in bad.json()["problems"])
    assert ExternalWarning.objects.count() == 1


def test_push_needs_a_token(client):
    response = client.post("/api/v1/received-warnings/push/", CAP12, content_type="application/xml")
    assert response.status_code in (401, 403)
    assert not ExternalWarning.objects.exists()


def test_our_own_message_round_trips_through_import():
    warning = published()
    record, _ = services.import_cap(user("meixian_office"), warning.cap_xml.encode(), "upload")
    assert (record.identifier, record.sender, record.headline) == (
        warning.identifier,
        warning.sender,
        warning.headline,
    )
    assert record.sent == warning.sent and record.level == warning.level


class _Handler(http.server.BaseHTTPRequestHandler):
    files: dict = {}

    def do_GET(self):  # noqa: N802
        body = self.files.get(self.path)
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def feed_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Handler.files
    server.shutdown()
    server.server_close()
    _Handler.files.clear()


def test_a_polled_atom_feed_linking_cap_and_an_rss_feed_embedding_it_are_imported(feed_server):
    base, files = feed_server
    files["/cap/one.xml"] = CAP12
    files["/atom.xml"] = (
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
        b'<entry><title>a</title><link type="application/cap+xml" href="/cap/one.xml"/></entry>'
        b'<entry><title>missing</title><link href="/cap/none.xml"/></entry></feed>'
    )
    embedded = CAP11.split(b"?>", 1)[1]
    files["/rss.xml"] = (
        b"<rss><channel><item><title>x</title><description>d</description>"
        + embedded
        + b"</item></channel></rss>"
    )
    owner = user("city_office").organisation
    atom = FeedSource.objects.create(owner=owner, name="省台", url=f"{base}/atom.xml")
    rss = FeedSource.objects.create(owner=owner, name="流域", url=f"{base}/rss.xml")
    result = services.poll(atom)
    assert (
        len(result.created) == 1 and len(result.errors) == 1
    )  # the missing link is reported, the other kept
    assert services.poll(rss).created[0].cap_version == "1.1"
    again = services.poll(atom)
    assert again.created == [] and len(again.duplicates) == 1
    atom.refresh_from_db()
    assert atom.last_polled_at is not None and "1 already held" in atom.last_result
    assert ExternalWarning.objects.filter(channel="feed").count() == 2


def test_the_worker_job_polls_only_due_sources(feed_server):
    base, files = feed_server
    files["/atom.xml"] = b'<feed xmlns="http://www.w3.org/2005/Atom"></feed>'
    FeedSource.objects.create(owner=user("city_office").organisation, name="s", url=f"{base}/atom.xml")
    assert services.poll_due() == 1
    assert services.poll_due() == 0


def test_received_warnings_are_read_through_the_api_and_shown_on_the_map(api, login):
    services.import_cap(user("city_office"), CAP12, "upload")
    data = api("meixian_office").get("/api/v1/received-warnings/").json()
    assert data["count"] == 1
    page = login("meixian_office").get(reverse("warnings:map")).content.decode()
    assert "广东省气象台发布大风黄色预警" in page


def test_received_warning_pages_render_with_their_area(login):
    record, _ = services.import_cap(user("city_office"), CAP12, "upload")
    client = login("meixian_office")
    assert client.get(reverse("warnings:externalwarning_list")).status_code == 200
    page = client.get(record.get_absolute_url()).content.decode()
    assert 'data-shapes="external-shapes"' in page and "24.9" in page


def test_a_received_cancel_closes_the_alert_it_references_and_it_leaves_the_map(login):
    earlier, _ = services.import_cap(user("city_office"), CAP12, "upload")
    cancel = (
        CAP12.replace(b"<msgType>Alert</msgType>", b"<msgType>Cancel</msgType>")
        .replace(b"_20261128080000_0</identifier>", b"_20261128120000_0</identifier>")
        .replace(b"<sent>2026-11-28T08:00:00+08:00</sent>", b"<sent>2026-11-28T12:00:00+08:00</sent>")
        .replace(
            b"<scope>Public</scope>",
            b"<scope>Public</scope><references>440000416.weather.gd.example.gov.cn,"
            b"44000041600000_20261128080000_0,2026-11-28T08:00:00+08:00</references>",
        )
    )
    record, created = services.import_cap(user("city_office"), cancel, "push")
    assert created
    earlier.refresh_from_db()
    assert earlier.replaced_by == record
    assert (
        "广东省气象台发布大风黄色预警"
        not in login("city_office").get(reverse("warnings:map")).content.decode()
    )
