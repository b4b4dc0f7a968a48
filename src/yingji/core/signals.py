from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from yingji.core.auth import client_ip
from yingji.core.models import AuthEvent, AuthEventKind, User


def _log(kind, request, username, user=None):
    AuthEvent.objects.create(
        kind=kind,
        username=(username or "")[:150],
        user=user,
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300] if request is not None else "",
        request_id=getattr(request, "id", None),
    )


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    _log(AuthEventKind.LOGIN, request, user.get_username(), user)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        _log(AuthEventKind.LOGOUT, request, user.get_username(), user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    username = credentials.get("username", "")
    if getattr(request, "_yingji_locked_out", False):
        return  # refused by the lockout, already logged as such
    user = User.objects.filter(username__iexact=username).first() if username else None
    _log(AuthEventKind.LOGIN_FAILED, request, username, user)
