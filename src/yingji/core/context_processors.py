from django.conf import settings

from yingji.core.navigation import menu_for


def platform(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"map_tile_url": settings.MAP_TILE_URL}
    return {
        "menu": menu_for(user),
        "unread_notifications": user.notifications.filter(read_at__isnull=True).count(),
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
