"""`yingji demo_cases`: write the demo typical cases from the demo year's closed incidents. Safe to run again."""

from django.core.management.base import BaseCommand

from yingji.cases.demo.loader import load_cases


class Command(BaseCommand):
    help = "Write typical cases from closed demo incidents; needs `yingji demo_incidents` first. Safe to run again."

    def handle(self, *args, verbosity=1, **options):
        counts = load_cases(stdout=self.stdout if verbosity >= 2 else None)
        if verbosity:
            self.stdout.write(f"Case       {counts['created']:>5} created {counts['unchanged']:>5} unchanged")
