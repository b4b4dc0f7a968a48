import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from yingji.core.models import Contact, User
from yingji.search import registry
from yingji.search.registry import Entry


@pytest.fixture
def user():
    return lambda username: User.objects.get(username=username)


@pytest.fixture
def api():
    def _api(username):
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=User.objects.get(username=username))
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return _api


@pytest.fixture
def notes(db, django_capture_on_commit_callbacks):
    """A kind of its own for the tests: contacts indexed as "note", the text given per contact.

    `notes(title, text, owner=..., public=...)` makes a contact of `owner` (a username's organisation; default
    city_office's) and indexes it with that title and text, as a registered app's save would.
    """
    texts: dict[int, dict] = {}

    def entry(contact):
        spec = texts.get(contact.pk)
        if spec is None:
            return None
        return Entry(
            title=spec["title"],
            text=spec["text"],
            url=f"/org/contacts/{contact.pk}/",
            owner=contact.owner,
            public=spec["public"],
            event_types=spec["event_types"],
            level=spec["level"],
            date=spec["date"],
        )

    registry.register(Contact, kind="note", label="Note", entry=entry)

    def make(title, text="", *, owner="city_office", public=True, event_types=(), level="", date=None):
        org = User.objects.get(username=owner).organisation
        with django_capture_on_commit_callbacks(execute=True):
            contact = Contact(owner=org, name=title[:60])
            contact.save()
            texts[contact.pk] = {
                "title": title,
                "text": text,
                "public": public,
                "event_types": list(event_types),
                "level": level,
                "date": date,
            }
            registry.reindex(contact)
        return contact

    yield make
    registry.unregister(Contact)
