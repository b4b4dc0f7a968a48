import time
import uuid

from django.conf import settings
from django.contrib.auth import logout

from yingji.core import context


class RequestContextMiddleware:
    """Gives each request an id (echoed in X-Request-ID) and makes it and the user known to the change log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.id = uuid.uuid4()
        with context.acting_as(request=request, request_id=request.id):
            response = self.get_response(request)
        response["X-Request-ID"] = str(request.id)
        return response


class IdleTimeoutMiddleware:
    """Ends a session after SESSION_IDLE_MINUTES without requests; refreshes the expiry at most once a minute."""

    KEY = "_last_seen"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(self.KEY, now)
            if now - last_seen > settings.SESSION_IDLE_MINUTES * 60:
                logout(request)
            elif now - last_seen >= 60 or self.KEY not in request.session:
                request.session[self.KEY] = now
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Content-Security-Policy and related headers; in production mode only, as the demo serves plain HTTP."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.PRODUCTION:
            response.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
        return response
