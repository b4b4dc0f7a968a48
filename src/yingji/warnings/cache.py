"""What every page shows about warnings, from the cache: the Exercise / Test banner, and the public page.

The version names the current state of our warnings: the number of Warning rows and the newest `updated_at`,
read from the database at most every `WARNINGS_VERSION_SECONDS` (2 s) per process, and at once after a save or
delete in this process. Entries are stored under the version, so a change makes them unreachable: in this process
at once, in the other server processes (each has its own cache unless CACHES says otherwise) within 2 s. Each entry
also lives at most `CACHE_SECONDS`, and no longer than until the first of its warnings expires; the banner also
drops expired warnings when it reads the entry. In the common case a page costs cache reads and no query.
"""

import datetime
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from yingji.warnings import services
from yingji.warnings.models import CapStatus, Warning

CACHE_SECONDS = 30
BANNER_SIZE = 5
_version: tuple[str, float] | None = None  # (version, when read), this process's


def version() -> str:
    global _version
    now = time.monotonic()
    if _version is None or now - _version[1] >= settings.WARNINGS_VERSION_SECONDS:
        latest = Warning.objects.aggregate(count=Count("pk"), newest=Max("updated_at"))
        newest = latest["newest"].timestamp() if latest["newest"] else 0
        _version = (f"{latest['count']}-{newest}", now)
    return _version[0]


def forget() -> None:
    global _version
    _version = None


@receiver(post_save, sender=Warning, dispatch_uid="warnings-cache-save")
@receiver(post_delete, sender=Warning, dispatch_uid="warnings-cache-delete")
def _changed(sender, **kwargs) -> None:
    forget()
    transaction.on_commit(forget)


def timeout_for(expiries) -> int:
    """CACHE_SECONDS, or less when a warning expires sooner (at least 1 s)."""
    now = timezone.now()
    soonest = min((e for e in expiries if e is not None), default=None)
    if soonest is None:
        return CACHE_SECONDS
    return max(1, min(CACHE_SECONDS, int((soonest - now).total_seconds()) + 1))


def cached(name: str, build):
    """The value `build()` makes, kept under the current version: `build` returns (value, expiry times of the
    warnings it shows); the entry lives until the first of them, at most CACHE_SECONDS."""
    key = f"warnings:{name}:{version()}"
    value = cache.get(key)
    if value is None:
        value, expiries = build()
        cache.set(key, value, timeout_for(expiries))
    return value


@dataclass(frozen=True)
class BannerItem:
    """An Exercise / Test warning in force, as the banner shows it (what `warnings/_banner.html` reads)."""

    pk: int
    headline: str
    status: str
    expires: datetime.datetime

    def get_status_display(self) -> str:
        return str(CapStatus(self.status).label)

    def get_absolute_url(self) -> str:
        return Warning(pk=self.pk).get_absolute_url()


def exercises_in_force() -> dict:
    """{"warnings": [BannerItem, ...] (at most BANNER_SIZE), "more": bool}: Exercise / Test warnings published and in
    force, newest first. Published warnings are read by every signed-in user, so one list serves everyone. One
    query when the cache misses, none when it holds the list."""

    def build():
        rows = (
            services.exercises_in_force()
            .order_by("-sent", "-pk")
            .values_list("pk", "headline", "status", "expires")[: BANNER_SIZE + 1]
        )
        items = [BannerItem(*row) for row in rows]
        return items, [item.expires for item in items]

    entry = cached("exercises", build)
    now = timezone.now()
    live = [item for item in entry if item.expires > now]
    return {"warnings": live[:BANNER_SIZE], "more": len(live) > BANNER_SIZE}
