"""Defaults the API settings point at (kept apart from the viewsets, which read these settings on import)."""

from django.db import connections, router
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
    """DRF's token authentication, fetching the user's organisation and division in the same query.

    Every API request runs this query, so it is written out once (`TokenQuery`) instead of being compiled by the
    ORM on each request (that compilation was most of a small request's time)."""

    def authenticate_credentials(self, key):
        token = TOKEN_QUERY.get(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token


class TokenQuery:
    """`Token.objects.select_related("user__organisation__division").filter(key=key).first()`, as SQL built once
    from the models' own fields (so it follows migrations); the records come back as the ORM would make them."""

    def __init__(self):
        self._plans: dict[str, tuple[str, list]] = {}

    def _plan(self, alias: str) -> tuple[str, list]:
        """The SQL, and per model: its attribute names, the position of its primary key, the value converters."""
        if alias not in self._plans:
            from yingji.core.models import Division, Organisation, User

            connection = connections[alias]
            quote = connection.ops.quote_name
            #         model, join column on the previous model, join kind
            chain = [(Token, None, ""), (User, "user_id", "JOIN"), (Organisation, "organisation_id", "LEFT JOIN"),
                     (Division, "division_id", "LEFT JOIN")]  # fmt: skip
            columns, joins, models = [], [], []
            for n, (model, via, kind) in enumerate(chain):
                fields = model._meta.concrete_fields
                columns += [f"t{n}.{quote(f.column)}" for f in fields]
                if via:
                    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
                    joins.append(f"{kind} {table} t{n} ON t{n}.{pk} = t{n - 1}.{quote(via)}")
                cols = [f.get_col(f"t{n}") for f in fields]
                converters = [
                    (col, connection.ops.get_db_converters(col) + col.get_db_converters(connection))
                    for col in cols
                ]
                pk_at = [f.primary_key for f in fields].index(True)
                models.append((model, fields, [f.attname for f in fields], pk_at, converters))
            key = quote(Token._meta.get_field("key").column)
            # Built from the models' metadata only; the key is a parameter.
            sql = f"SELECT {', '.join(columns)} FROM {quote(Token._meta.db_table)} t0 {' '.join(joins)} WHERE t0.{key} = %s"  # noqa: E501, S608
            self._plans[alias] = (sql, models)
        return self._plans[alias]

    def get(self, key: str):
        alias = router.db_for_read(Token)
        connection = connections[alias]
        sql, models = self._plan(alias)
        with connection.cursor() as cursor:
            cursor.execute(sql, [key])
            row = cursor.fetchone()
        if row is None:
            return None
        records, at = [], 0
        for model, fields, attnames, pk_at, converters in models:
            values = list(row[at : at + len(fields)])
            at += len(fields)
            for i, (col, col_converters) in enumerate(converters):
                for converter in col_converters:
                    values[i] = converter(values[i], col, connection)
            records.append(None if values[pk_at] is None else model.from_db(alias, attnames, values))
        token, user, organisation, division = records
        token._state.fields_cache["user"] = user
        user._state.fields_cache["organisation"] = organisation
        if organisation is not None:
            organisation._state.fields_cache["division"] = division
        return token


TOKEN_QUERY = TokenQuery()
