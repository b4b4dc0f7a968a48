"""`yingji demo_resources`: the demo city's teams, experts and shelters (needs `yingji demo` first). Safe to run
again."""

from django.core.management.base import BaseCommand

from yingji.resources.demo.loader import load_resources


class Command(BaseCommand):
    help = "Load the demo city's resource libraries: teams, experts and shelters."

    def handle(self, *args, verbosity=1, **options):
        counts = load_resources()
        if verbosity:
            for key in sorted(counts):
                self.stdout.write(f"{key:<24} {counts[key]:>5}")
