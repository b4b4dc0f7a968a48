"""`yingji reindex`: rebuild the search index from the registered models, in bulk."""

import time

from django.core.management.base import BaseCommand, CommandError

from yingji.search import index
from yingji.search.registry import KINDS


class Command(BaseCommand):
    help = "Rebuild the search index (every registered kind, or those named). Safe to run at any time."

    def add_arguments(self, parser):
        parser.add_argument(
            "kinds", nargs="*", help=f"kinds to rebuild (default: all); known: {', '.join(KINDS)}"
        )

    def handle(self, *args, kinds=(), verbosity=1, **options):
        unknown = [k for k in kinds if k not in KINDS]
        if unknown:
            raise CommandError(f"Unknown kind(s): {', '.join(unknown)}. Known: {', '.join(KINDS) or 'none'}")
        started = time.monotonic()
        report = index.rebuild(list(kinds) or None, stdout=self.stdout if verbosity else None)
        if verbosity:
            total = sum(r["entries"] for r in report.values())
            self.stdout.write(f"Search index: {total} entries in {time.monotonic() - started:.1f} s")
