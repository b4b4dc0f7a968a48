import os
import shutil

import pytest
from django.core.management import call_command

from yingji.core.models import User

CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PASSWORD = "Yingji@2026"


def load_demo():
    with open(os.devnull, "w") as devnull:
        call_command("demo", stdout=devnull)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test starts from the demo city (divisions, organisations, contacts, demo users)."""
    with django_db_blocker.unblock():
        load_demo()


@pytest.fixture
def demo_live(transactional_db):
    """The demo city for tests that run a live server (a transactional test empties the database after it)."""
    load_demo()


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
