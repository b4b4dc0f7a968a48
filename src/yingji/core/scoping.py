"""The one function that decides which records a user may see or touch.

Every view, API endpoint and export takes its queryset from `scoped()`. A record belongs
to an organisation (declared on the model as `owner_lookup`); a user whose role sees the
jurisdiction gets every record whose organisation lies in the user's division or below;
a user whose role sees the organisation gets their organisation's subtree.
"""

from django.db.models import Model, Q, QuerySet

from yingji.core.roles import Scope, allowed


def permission_family(model: type[Model]) -> str:
    return getattr(model, "permission_family", "library")


def can(user, action: str, model: type[Model]) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return allowed(user.role, permission_family(model), action)


def scope_filter(user, model: type[Model]) -> Q | None:
    """The condition for records of `model` within the user's reach; None means no limit."""
    if user.is_superuser:
        return None
    org = user.organisation
    if org is None:
        return Q(pk__in=[])
    custom = getattr(model, "scope_q", None)
    if custom is not None:
        return custom(user)
    return reach_q(user, model.owner_lookup)


def everyone(user) -> Q:
    """For `visible_q`: every signed-in user reads these records (changes stay within the owner's reach).
    Not `Q()`: an empty Q vanishes when OR-ed with the reach condition, so it would widen nothing."""
    return Q(pk__isnull=False)


def reach_q(user, lookup: str) -> Q:
    """Records whose organisation (reached through `lookup`, "" for organisations) the user's role reaches."""
    org = user.organisation
    if org is None:
        return Q(pk__in=[])
    prefix = f"{lookup}__" if lookup else ""
    if user.scope == Scope.JURISDICTION:
        return Q(**{f"{prefix}division__path__startswith": org.division.path})
    return Q(**{f"{prefix}path__startswith": org.path})


def scoped(queryset: QuerySet, user, action: str = "view") -> QuerySet:
    """`queryset` narrowed to what `user` may `action` (view, add, change, delete).

    A model may widen what users see, never what they change, with `visible_q(user)`: e.g. published
    records that every signed-in user may read.
    """
    if not can(user, action, queryset.model):
        return queryset.none()
    condition = scope_filter(user, queryset.model)
    visible = getattr(queryset.model, "visible_q", None)
    if condition is not None and action == "view" and visible is not None:
        condition |= visible(user)
    return queryset if condition is None else queryset.filter(condition)


def in_scope(user, obj: Model, action: str = "view") -> bool:
    return scoped(type(obj)._default_manager.filter(pk=obj.pk), user, action).exists()
