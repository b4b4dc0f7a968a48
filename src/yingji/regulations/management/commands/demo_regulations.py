"""`yingji demo_regulations`: load the demo regulations library (eight national texts). Safe to run again."""

from django.core.management.base import BaseCommand

from yingji.regulations.demo.loader import load_regulations


class Command(BaseCommand):
    help = (
        "Load the demo regulations (national laws and regulations on emergencies); needs `yingji demo` first."
    )

    def handle(self, *args, verbosity=1, **options):
        counts = load_regulations(stdout=self.stdout if verbosity >= 2 else None)
        if verbosity:
            self.stdout.write(
                f"Regulation    {counts['created']:>4} created {counts['updated']:>4} updated "
                f"{counts['unchanged']:>4} unchanged"
            )
