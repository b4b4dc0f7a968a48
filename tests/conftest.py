import os
import shutil
import socket

import pytest

from yingji.core.models import User

CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PASSWORD = "Yingji@2026"


def load_demo():
    """The demo city without the modules' demo records (a year of incidents would slow every run)."""
    from yingji.core.demo.loader import load_demo as load_city

    load_city()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test starts from the demo city (divisions, organisations, contacts, demo users)."""
    with django_db_blocker.unblock():
        load_demo()


@pytest.fixture
def demo_live(transactional_db):
    """The demo city for tests that run a live server (a transactional test empties the database after it,
    reference data loaded by migrations included)."""
    import importlib

    from django.apps import apps

    importlib.import_module("yingji.incidents.migrations.0002_event_types").load(apps, None)
    load_demo()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The API's sign-in throttle counts in the cache: each test starts with none counted, and with the
    warnings' version read afresh."""
    from django.core.cache import cache

    from yingji.warnings import cache as warnings_cache

    cache.clear()
    warnings_cache.forget()


@pytest.fixture
def login(client):
    def _login(username):
        client.force_login(User.objects.get(username=username))
        return client

    return _login


@pytest.fixture
def chromium_path():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    if CI:
        pytest.fail("Chromium is required under CI: apt install chromium")
    pytest.skip("Chromium is not installed (apt install chromium)")


def pytest_collection_modifyitems(config, items):
    if os.environ.get("YINGJI_SKIP_E2E"):
        marker = pytest.mark.skip(reason="Chromium is not installed (apt install chromium)")
        for item in items:
            if "e2e" in item.keywords:
                item.add_marker(marker)


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's hook name)
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on a free local port; the platform's mail goes to it."""
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:  # aiosmtpd cannot report a port the OS chose, so choose one first
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    yield inbox
    controller.stop()


# The browser: Debian's Chromium driven by Playwright, allowed to load nothing from outside the server.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def page(chromium_path, live_server, demo_live):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15000)
        outside = []
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
        page.base_url = live_server.url
        yield page
        browser.close()
        assert outside == [], f"the pages loaded from outside the server: {outside}"


def sign_in(page, username):
    page.goto(page.base_url + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()
