"""Who is acting, and in which request: read by the change log and the sign-in log."""

import contextlib
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ChangeContext:
    user: object = None
    request: object = None
    request_id: uuid.UUID = field(default_factory=uuid.uuid4)

    def actor(self):
        """The signed-in user, read late: the API authenticates its token inside the view."""
        user = getattr(self.request, "user", None) if self.request is not None else self.user
        return user if getattr(user, "is_authenticated", False) else None


_current: ContextVar[ChangeContext | None] = ContextVar("yingji_change_context", default=None)


def current() -> ChangeContext:
    """The context of the running request or command; outside both, a fresh one per call."""
    return _current.get() or ChangeContext()


@contextlib.contextmanager
def acting_as(user=None, request_id: uuid.UUID | None = None, request=None):
    token = _current.set(ChangeContext(user=user, request=request, request_id=request_id or uuid.uuid4()))
    try:
        yield _current.get()
    finally:
        _current.reset(token)
