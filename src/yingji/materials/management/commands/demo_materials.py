"""`yingji demo_materials`: the demo city's warehouses and stock (needs `yingji demo` first). Safe to run again."""

from django.core.management.base import BaseCommand

from yingji.materials.demo.loader import load_materials


class Command(BaseCommand):
    help = "Load the demo city's warehouses, with stock built from receipts and issues."

    def handle(self, *args, verbosity=1, **options):
        counts = load_materials()
        if verbosity:
            self.stdout.write(
                f"Warehouse {counts['created']:>5} created {counts['unchanged']:>5} unchanged"
                f" ({counts['movements']} stock movements)"
            )
