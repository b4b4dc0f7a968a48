from django.conf import settings
from django.utils.functional import SimpleLazyObject

from yingji.core.navigation import menu_for


def _exercise_banner() -> dict:
    from yingji.warnings.cache import exercises_in_force

    return exercises_in_force()


def platform(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"map_tile_url": settings.MAP_TILE_URL}
    return {
        "menu": menu_for(user),
        "unread_notifications": user.notifications.filter(read_at__isnull=True).count(),
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        # Exercise / Test warnings in force, for the banner on every signed-in page (base.html): read from the
        # cache when a template first asks, so pages that do not show it pay nothing and the others no query.
        "exercise_banner": SimpleLazyObject(_exercise_banner),
    }
