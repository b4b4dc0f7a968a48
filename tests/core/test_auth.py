"""Sign-in rules: lockout, throttling, password rules, idle timeout, language, security headers."""

import datetime
import time

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from yingji.core.models import AuthEvent

pytestmark = pytest.mark.django_db

PASSWORD = "Yingji@2026"


def fail(client, username, times):
    for _ in range(times):
        client.post("/login/", {"username": username, "password": "not-the-password"})


def test_five_failed_sign_ins_lock_the_account_even_for_the_right_password(client):
    fail(client, "duty_city", 5)
    response = client.post("/login/", {"username": "duty_city", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert AuthEvent.objects.filter(username="duty_city", kind="locked_out").count() == 1
    assert "15" in response.content.decode()  # tells how long to wait


def test_four_failed_sign_ins_do_not_lock(client):
    fail(client, "duty_city", 4)
    client.post("/login/", {"username": "duty_city", "password": PASSWORD})
    assert "_auth_user_id" in client.session


def test_the_lock_ends_after_the_lockout_window(client):
    fail(client, "duty_city", 5)
    AuthEvent.objects.filter(username="duty_city").update(
        time=timezone.now() - datetime.timedelta(minutes=16)
    )
    client.post("/login/", {"username": "duty_city", "password": PASSWORD})
    assert "_auth_user_id" in client.session


def test_the_lock_also_guards_the_api_token_endpoint(client):
    fail(client, "duty_city", 5)
    response = client.post("/api/v1/auth/token/", {"username": "duty_city", "password": PASSWORD})
    assert response.status_code == 400
    assert "token" not in response.json()


@override_settings(LOGIN_MAX_FAILURES=100, LOGIN_MAX_FAILURES_PER_IP=6)
def test_one_address_is_throttled_across_accounts(client):
    for name in ["a1", "a2", "a3", "a4", "a5", "a6"]:
        client.post("/login/", {"username": name, "password": "x"})
    client.post("/login/", {"username": "duty_city", "password": PASSWORD})
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("password", ["short1A!", "alllowercaseletters", "1234567890123", "Password123"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_strong_password_is_accepted():
    validate_password("Qingyuan-Flood-2026")


def test_an_idle_session_ends_after_thirty_minutes(login):
    client = login("duty_city")
    assert client.get("/").status_code == 200
    session = client.session
    session["_last_seen"] = int(time.time()) - 31 * 60
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_an_active_session_stays(login):
    client = login("duty_city")
    client.get("/")
    session = client.session
    session["_last_seen"] = int(time.time()) - 29 * 60
    session.save()
    assert client.get("/").status_code == 200


def test_pages_are_chinese_by_default_and_the_english_choice_persists(login):
    client = login("city_office")
    assert "组织机构" in client.get("/org/tree/").content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/org/tree/"})
    assert response.status_code == 302
    assert response.cookies["django_language"]["max-age"] >= 300 * 24 * 3600
    page = client.get("/org/tree/").content.decode()
    assert "Organisation tree" in page and 'lang="en"' in page


def test_the_sign_in_page_offers_the_language_switch(client):
    page = client.get("/login/").content.decode()
    assert 'data-testid="language-switch"' in page and "English" in page


@override_settings(PRODUCTION=True, DEBUG=False)
def test_production_mode_sends_a_content_security_policy(login):
    response = login("duty_city").get("/")
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_demo_mode_has_no_content_security_policy_header_to_ease_debugging(login):
    assert "Content-Security-Policy" not in login("duty_city").get("/")


def settings_in_production(**env):
    import json
    import os
    import subprocess
    import sys

    code = (
        "import json, yingji.settings as s; print(json.dumps({'debug': s.DEBUG, 'secure': s.SESSION_COOKIE_SECURE,"
        " 'hsts': s.SECURE_HSTS_SECONDS}))"
    )
    environment = {**os.environ, "YINGJI_PRODUCTION": "true", **env}
    environment.pop("DEBUG", None)
    out = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_production_mode_has_no_debug_pages_and_secure_cookies():
    assert settings_in_production() == {"debug": False, "secure": True, "hsts": 31536000}


def test_a_missing_page_shows_the_platforms_own_page_not_a_debug_page(login):
    response = login("duty_city").get("/org/organisations/999999/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "不存在" in page and "Traceback" not in page
