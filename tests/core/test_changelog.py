"""Every create, update and delete is in the change log; sign-ins too."""

import datetime

import pytest
from django.utils import timezone

from yingji.core.models import AuthEvent, Contact, ObjectChange, User

pytestmark = pytest.mark.django_db

PASSWORD = "Yingji@2026"


def test_creating_a_contact_records_who_when_and_the_request(login):
    client = login("city_office")
    owner = User.objects.get(username="city_office").organisation
    response = client.post("/org/contacts/add/", {"owner": owner.pk, "name": "李明", "post": "科长"})
    contact = Contact.objects.get(owner=owner, name="李明")
    change = ObjectChange.objects.get(content_type__model="contact", object_id=str(contact.pk))
    assert change.action == "create"
    assert change.user_name == "city_office"
    assert str(change.request_id) == response["X-Request-ID"]
    assert change.before is None and change.after["name"] == "李明"
    assert contact.created_by.username == "city_office"


def test_editing_records_before_and_after(login):
    client = login("city_office")
    contact = Contact.objects.filter(owner=User.objects.get(username="city_office").organisation).first()
    old_post = contact.post
    response = client.post(
        f"/org/contacts/{contact.pk}/edit/",
        {
            "owner": contact.owner_id,
            "name": contact.name,
            "post": "新职务",
            "mobile": contact.mobile,
            "office_phone": contact.office_phone,
            "email": contact.email,
            "is_primary": contact.is_primary or "",
        },
    )
    assert response.status_code == 302
    change = ObjectChange.objects.filter(content_type__model="contact", object_id=str(contact.pk)).first()
    assert change.action == "update"
    assert ("post", old_post, "新职务") in change.changed_fields()
    assert [name for name, *_ in change.changed_fields()] == ["post"]


def test_deleting_keeps_what_the_record_held(login):
    client = login("city_office")
    contact = Contact.objects.filter(owner=User.objects.get(username="city_office").organisation).first()
    client.post(f"/org/contacts/{contact.pk}/delete/")
    change = ObjectChange.objects.filter(content_type__model="contact", object_id=str(contact.pk)).first()
    assert change.action == "delete"
    assert change.before["name"] == contact.name and change.after is None


def test_the_object_page_shows_its_history(login):
    client = login("city_office")
    contact = Contact.objects.filter(owner=User.objects.get(username="city_office").organisation).first()
    client.post(
        f"/org/contacts/{contact.pk}/edit/",
        {"owner": contact.owner_id, "name": contact.name, "post": "主任", "mobile": contact.mobile},
    )
    page = client.get(f"/org/contacts/{contact.pk}/").content.decode()
    assert 'data-testid="history"' in page and "city_office" in page


def test_the_global_log_filters_by_user_type_and_date(login):
    client = login("city_office")
    owner = User.objects.get(username="city_office").organisation
    client.post("/org/contacts/add/", {"owner": owner.pk, "name": "王强"})
    today = timezone.localdate().isoformat()
    response = client.get(f"/org/changes/?user=city_office&type=contact&since={today}&until={today}")
    reprs = [obj.object_repr for obj, _ in response.context["rows"]]
    assert reprs == ["王强"]
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client.get(f"/org/changes/?user=city_office&since={tomorrow}")
    assert list(response.context["rows"]) == []


def test_a_county_user_does_not_see_changes_made_in_another_county(login):
    city = login("city_office")
    xingning_org = User.objects.get(username="xingning_office").organisation
    city.post("/org/contacts/add/", {"owner": xingning_org.pk, "name": "赵六"})
    meixian = login("meixian_office")
    response = meixian.get("/org/changes/?q=赵六")
    assert list(response.context["rows"]) == []
    xingning = login("xingning_office")
    response = xingning.get("/org/changes/?q=赵六")
    assert [obj.object_repr for obj, _ in response.context["rows"]] == ["赵六"]


def test_sign_in_failed_sign_in_and_sign_out_are_logged(client):
    client.post("/login/", {"username": "duty_city", "password": "wrong"})
    client.post("/login/", {"username": "duty_city", "password": PASSWORD})
    client.post("/logout/")
    kinds = list(
        AuthEvent.objects.filter(username="duty_city").order_by("time", "pk").values_list("kind", flat=True)
    )
    assert kinds == ["login_failed", "login", "logout"]
