"""A draft stays within its owning organisation's reach; a published case is read by all and changed by its owner."""

import pytest

from yingji.cases import services
from yingji.cases.models import Case
from yingji.core.models import Organisation, User

pytestmark = pytest.mark.django_db


def test_a_draft_case_of_one_county_is_404_for_another_county_and_absent_from_its_list(case, login, api):
    draft = case("xingning_office", title="兴宁草稿案例")
    other = login("meixian_office")
    assert other.get(draft.get_absolute_url()).status_code == 404
    assert "兴宁草稿案例" not in other.get("/cases/").content.decode()
    assert api("meixian_office").get(f"/api/v1/cases/{draft.pk}/").status_code == 404
    assert api("meixian_office").get("/api/v1/cases/").json()["count"] == 0
    # Its own county and the city above it see it.
    assert login("xingning_office").get(draft.get_absolute_url()).status_code == 200
    assert "兴宁草稿案例" in login("city_office").get("/cases/").content.decode()


def test_a_published_case_is_visible_to_every_county(case, login, api):
    published = case("xingning_office", published=True, title="兴宁已发布案例")
    other = login("meixian_office")
    page = other.get(published.get_absolute_url())
    assert page.status_code == 200 and "兴宁已发布案例" in page.content.decode()
    assert "兴宁已发布案例" in other.get("/cases/").content.decode()
    assert api("meixian_office").get(f"/api/v1/cases/{published.pk}/").status_code == 200
    # Duty officers and leaders read the library too.
    assert login("duty_city").get(published.get_absolute_url()).status_code == 200


def test_a_published_case_is_changed_and_deleted_only_within_its_owners_reach(case, login, api):
    published = case("xingning_office", published=True)
    other = login("meixian_office")
    page = other.get(published.get_absolute_url()).content.decode()
    assert f"/cases/{published.pk}/edit/" not in page and f"/cases/{published.pk}/delete/" not in page
    assert other.get(f"/cases/{published.pk}/edit/").status_code == 404
    assert other.post(f"/cases/{published.pk}/delete/").status_code == 404
    client = api("meixian_office")
    assert client.patch(f"/api/v1/cases/{published.pk}/", {"title": "改"}, format="json").status_code == 404
    assert client.delete(f"/api/v1/cases/{published.pk}/").status_code == 404
    with pytest.raises(services.PermissionDenied):
        published.title = "改"
        services.save(User.objects.get(username="meixian_office"), published)
    published.refresh_from_db()
    assert published.title != "改"
    # The owner's county may.
    response = api("xingning_office").patch(f"/api/v1/cases/{published.pk}/", {"title": "改"}, format="json")
    assert response.status_code == 200 and response.json()["title"] == "改"
    assert login("xingning_office").post(f"/cases/{published.pk}/delete/").status_code == 302
    assert not Case.objects.filter(pk=published.pk).exists()


def test_a_case_cannot_be_given_to_an_organisation_outside_the_users_reach(case, api):
    mine = case("xingning_office", published=True)
    outside = User.objects.get(username="meixian_office").organisation
    response = api("xingning_office").patch(f"/api/v1/cases/{mine.pk}/", {"owner": outside.pk}, format="json")
    assert response.status_code == 400 and "owner" in response.json()
    mine.owner = outside
    with pytest.raises(services.PermissionDenied):
        services.save(User.objects.get(username="xingning_office"), mine)
    assert Case.objects.get(pk=mine.pk).owner != outside


def test_duty_officers_read_the_library_but_do_not_write_it(case, login, api):
    published = case("city_office", published=True)
    client = login("duty_city")
    assert client.get("/cases/add/").status_code == 403
    assert client.get(f"/cases/{published.pk}/edit/").status_code == 404
    response = api("duty_city").post("/api/v1/cases/", {"title": "x"}, format="json")
    assert response.status_code == 403


def test_attachments_follow_the_case_they_belong_to(case, login, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    draft = case("xingning_office")
    owner = login("xingning_office")
    owner.post(
        f"/cases/{draft.pk}/attachments/",
        {"file": SimpleUploadedFile("现场照片.jpg", b"\xff\xd8 jpeg", content_type="image/jpeg")},
    )
    owner.post(
        f"/cases/{draft.pk}/attachments/",
        {"file": SimpleUploadedFile("脚本.exe", b"MZ", content_type="application/octet-stream")},
    )
    item = draft.attachments.get()
    assert item.name == "现场照片.jpg"
    assert owner.get(item.get_absolute_url()).status_code == 200
    assert login("meixian_office").get(item.get_absolute_url()).status_code == 404
    draft.published, draft.lessons = True, "教训"
    services.save(User.objects.get(username="xingning_office"), draft)
    assert login("meixian_office").get(item.get_absolute_url()).status_code == 200
    assert login("meixian_office").post(f"/cases/attachments/{item.pk}/delete/").status_code == 403
    owner = login("xingning_office")  # one test client: each login replaces the previous user
    assert owner.post(f"/cases/attachments/{item.pk}/delete/").status_code == 302
    assert not draft.attachments.exists()


def test_a_liaison_sees_drafts_of_its_own_organisation_only(case, login):
    draft = case("city_office")
    assert login("dept_water").get(draft.get_absolute_url()).status_code == 404
    water = Organisation.objects.get(pk=User.objects.get(username="dept_water").organisation_id)
    draft.owner = water
    services.save(User.objects.get(username="city_office"), draft)
    assert login("dept_water").get(draft.get_absolute_url()).status_code == 200


def test_a_user_without_an_organisation_sees_no_case_and_changes_none(case, login):
    published = case("xingning_office", published=True)
    loner = User.objects.create_user("loner", password="Yingji@2026x", role="office")
    assert not services.may_change(loner, published)
    client = login("loner")
    assert client.get("/cases/").status_code == 200
    assert client.get(f"/cases/{published.pk}/edit/").status_code == 404


def test_deleting_a_case_removes_its_attachments_and_their_files_once_committed(
    case, settings, tmp_path, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yingji.cases.models import CaseAttachment
    from yingji.core.models import ObjectChange

    settings.MEDIA_ROOT = tmp_path
    draft = case("xingning_office")
    user = User.objects.get(username="xingning_office")
    item = services.attach(
        user, draft, SimpleUploadedFile("报告.pdf", b"%PDF-1.4", content_type="application/pdf")
    )
    stored = tmp_path / item.file.name
    assert stored.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.delete(user, draft)
    assert not stored.exists() and not CaseAttachment.objects.exists()
    logged = ObjectChange.objects.filter(content_type__model="caseattachment", action="delete").get()
    assert logged.division_path == user.organisation.division.path
