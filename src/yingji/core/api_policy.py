"""Defaults the API settings point at (kept apart from the viewsets, which read these settings on import)."""

from rest_framework import pagination, permissions

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
