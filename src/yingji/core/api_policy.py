"""Defaults the API settings point at (kept apart from the viewsets, which read these settings on import)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions, pagination, permissions
from rest_framework.authtoken.models import Token

from yingji.core.scoping import can

METHOD_ACTIONS = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "add",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


class Pagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class RolePermission(permissions.BasePermission):
    """The caller's role must allow the action on the viewset's model."""

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        model = getattr(getattr(view, "queryset", None), "model", None)
        if model is None:
            return True
        return can(request.user, METHOD_ACTIONS.get(request.method, "change"), model)


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, fetching the user's organisation and division in the same query."""

    def authenticate_credentials(self, key):
        token = Token.objects.select_related("user__organisation__division").filter(key=key).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token
