"""`yingji demo_duty`: the demo city's call lists, this month's duty roster, a duty log and a handover (needs
`yingji demo` first). Safe to run again; run in another month, it adds that month's roster."""

from django.core.management.base import BaseCommand

from yingji.duty.demo.loader import load_duty


class Command(BaseCommand):
    help = "Load the demo city's call lists, this month's duty roster, some duty log entries and a handover."

    def handle(self, *args, verbosity=1, **options):
        tally = load_duty()
        if verbosity:
            for name, n in sorted(tally.items()):
                self.stdout.write(f"Duty     {n:>5} {name}")
