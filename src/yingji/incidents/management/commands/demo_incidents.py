"""`yingji demo_incidents`: load the demo year of incidents (2025) into the demo city. Safe to run again."""

import time

from django.core.management.base import BaseCommand

from yingji.incidents.demo.loader import load_incidents


class Command(BaseCommand):
    help = "Load a year (2025) of demo incidents for the demo city; needs `yingji demo` first. Safe to run again."

    def handle(self, *args, verbosity=1, **options):
        # Verbosity 2 names every created incident; 0 prints nothing.
        started = time.monotonic()
        counts = load_incidents(stdout=self.stdout if verbosity >= 2 else None)
        if verbosity == 0:
            return
        incidents, reports = counts["Incident"], counts["Report"]
        self.stdout.write(f"Incident {incidents['created']:>5} created {incidents['unchanged']:>5} unchanged")
        self.stdout.write(f"Report   {reports['on_time']:>5} on time {reports['late']:>5} late (迟报)")
        self.stdout.write(f"in {time.monotonic() - started:.1f} s")
