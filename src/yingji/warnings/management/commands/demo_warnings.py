"""`yingji demo_warnings`: the demo city's warnings in every state and two received CAP messages (needs
`yingji demo` first). Safe to run again."""

from django.core.management.base import BaseCommand

from yingji.warnings.demo.loader import load_warnings


class Command(BaseCommand):
    help = (
        "Load the demo city's warnings (published, exercise, cancelled, draft) and two received CAP messages."
    )

    def handle(self, *args, verbosity=1, **options):
        tally = load_warnings()
        if verbosity:
            for name, n in sorted(tally.items()):
                self.stdout.write(f"Warnings {n:>5} {name}")
