"""Only the system administrator manages users, and new users follow the password rules."""

import pytest

from yingji.core.models import ObjectChange, User

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("username", ["city_office", "duty_city", "leader_city", "dept_water"])
def test_only_the_administrator_reaches_the_user_pages(login, username):
    assert login(username).get("/org/users/").status_code == 403
    assert login("city_admin").get("/org/users/").status_code == 200


def test_the_administrator_creates_a_user_whose_password_follows_the_rules(login, client):
    admin = login("city_admin")
    org = User.objects.get(username="meixian_office").organisation
    form = {
        "username": "meixian_duty",
        "first_name": "值班员",
        "organisation": org.pk,
        "role": "duty",
        "is_active": "on",
    }
    weak = admin.post("/org/users/add/", {**form, "new_password": "12345678"})
    assert "new_password" in weak.context["form"].errors
    assert not User.objects.filter(username="meixian_duty").exists()
    admin.post("/org/users/add/", {**form, "new_password": "Meixian-Duty-2026"})
    user = User.objects.get(username="meixian_duty")
    assert user.check_password("Meixian-Duty-2026") and user.role == "duty"
    change = ObjectChange.objects.get(content_type__model="user", object_id=str(user.pk))
    assert change.user_name == "city_admin" and "password" not in change.after
    client.logout()
    client.post("/login/", {"username": "meixian_duty", "password": "Meixian-Duty-2026"})
    assert client.get(f"/org/organisations/{org.pk}/").status_code == 200
