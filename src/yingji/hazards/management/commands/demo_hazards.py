"""`yingji demo_hazards`: the demo city's hazards, inspections, assessments and rectifications (needs `yingji demo`
first). Safe to run again."""

from django.core.management.base import BaseCommand

from yingji.hazards.demo.loader import load_hazards


class Command(BaseCommand):
    help = "Load the demo city's hazard registry: sources, danger zones, inspections and rectifications."

    def handle(self, *args, verbosity=1, **options):
        counts = load_hazards()
        if verbosity:
            for key in sorted(counts):
                self.stdout.write(f"{key:<24} {counts[key]:>5}")
