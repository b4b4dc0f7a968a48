"""`yingji demo_plans`: the demo city's plans (needs `yingji demo` first). Safe to run again."""

from django.core.management.base import BaseCommand

from yingji.plans.demo.loader import load_plans


class Command(BaseCommand):
    help = (
        "Load the demo city's plans: 1 overall, 16 special, 91 department plans at city level and more below."
    )

    def handle(self, *args, verbosity=1, **options):
        counts = load_plans()
        if verbosity:
            self.stdout.write(f"Plan     {counts['created']:>5} created {counts['unchanged']:>5} unchanged")
