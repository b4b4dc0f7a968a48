"""`yingji check`: deployment problems explained in plain words (Django system checks)."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def production_settings(app_configs, **kwargs):
    problems = []
    if not settings.PRODUCTION:
        problems.append(
            Warning(
                "YINGJI_PRODUCTION is not set: debug pages, insecure cookies and no CSP.",
                hint="Set YINGJI_PRODUCTION=true on a server.",
                id="yingji.W001",
            )
        )
    if settings.DEBUG:
        problems.append(
            Error(
                "DEBUG is on: error pages would show settings and code to anyone.",
                hint="Unset DEBUG or set DEBUG=false.",
                id="yingji.E001",
            )
        )
    if not settings.SECRET_KEY_FROM_ENV:
        problems.append(
            Warning(
                "SECRET_KEY is not set: a key generated for the demo is read from the data directory.",
                hint="Set SECRET_KEY (or SECRET_KEY_FILE) to a long random value kept outside the code.",
                id="yingji.W002",
            )
        )
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        problems.append(
            Warning(
                "The database is SQLite: fine for one office, but use PostgreSQL for a city.",
                hint="Set DATABASE_URL=postgres://user:password@host:5432/yingji.",
                id="yingji.W003",
            )
        )
    if not settings.EMAIL_HOST:
        problems.append(
            Warning(
                "EMAIL_HOST is not set: email notifications are printed to the log, not sent.",
                hint="Set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD).",
                id="yingji.W004",
            )
        )
    if not settings.MAP_TILE_URL:
        problems.append(
            Warning(
                "MAP_TILE_URL is not set: maps show markers and outlines without a base map.",
                hint="Point MAP_TILE_URL at the intranet tile server, e.g. https://tiles.example/{z}/{x}/{y}.png.",
                id="yingji.W005",
            )
        )
    if "*" in settings.ALLOWED_HOSTS:
        problems.append(
            Error(
                "ALLOWED_HOSTS contains '*': any host name is accepted.",
                hint="List the server's names: ALLOWED_HOSTS=yingji.example.gov.cn.",
                id="yingji.E002",
            )
        )
    return problems
