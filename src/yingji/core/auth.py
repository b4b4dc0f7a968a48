"""Sign-in: lockout after repeated failures, throttling per address, password rules."""

import datetime

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core.models import AuthEvent, AuthEventKind, User


def client_ip(request) -> str | None:
    if request is None:
        return None
    if settings.CLIENT_IP_HEADER:
        forwarded = request.META.get(settings.CLIENT_IP_HEADER, "").split(",")[0].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR") or None


def _window_start() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def _failures_since_last_login(**filters) -> int:
    events = AuthEvent.objects.filter(time__gte=_window_start(), **filters)
    last_login = (
        events.filter(kind=AuthEventKind.LOGIN).order_by("-time").values_list("time", flat=True).first()
    )
    failures = events.filter(kind=AuthEventKind.LOGIN_FAILED)
    if last_login:
        failures = failures.filter(time__gt=last_login)
    return failures.count()


def is_locked_out(username: str, request=None) -> bool:
    """True when the account, or the address the request comes from, has failed too often recently."""
    if username and _failures_since_last_login(username__iexact=username) >= settings.LOGIN_MAX_FAILURES:
        return True
    ip = client_ip(request)
    return bool(ip) and _failures_since_last_login(ip_address=ip) >= settings.LOGIN_MAX_FAILURES_PER_IP


class LockoutModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is not None and is_locked_out(username, request):
            if request is not None:
                request._yingji_locked_out = True
            AuthEvent.objects.create(
                kind=AuthEventKind.LOCKED_OUT,
                username=username[:150],
                ip_address=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:300] if request else "",
                request_id=getattr(request, "id", None),
            )
            raise PermissionDenied(_("Too many failed sign-ins. Try again later."))
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_user(self, user_id):
        # Scoping reads the user's organisation and division on every request: fetch them with the user.
        user = User.objects.select_related("organisation__division").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None


class CharacterClassValidator:
    """A password needs at least three of: lower case, upper case, digits, other characters."""

    def validate(self, password, user=None):
        classes = [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        if sum(classes) < 3:
            raise ValidationError(
                _("The password must mix at least three of: lower case, upper case, digits, symbols."),
                code="password_too_simple",
            )

    def get_help_text(self):
        return _("Mix at least three of: lower case, upper case, digits, symbols.")
