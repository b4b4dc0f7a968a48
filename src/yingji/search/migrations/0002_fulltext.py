"""The full-text index beside search_searchentry: FTS5 on SQLite, tsvector + GIN on PostgreSQL (backends.py)."""

from django.db import migrations


def install(apps, schema_editor):
    from yingji.search import backends

    backends.install(schema_editor)


def uninstall(apps, schema_editor):
    from yingji.search import backends

    backends.uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]
    operations = [migrations.RunPython(install, uninstall)]
