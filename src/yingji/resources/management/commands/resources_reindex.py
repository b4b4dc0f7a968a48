"""`yingji resources_reindex`: recompute the grid cell of every located record (after bulk updates of
coordinates, which bypass save())."""

from django.apps import apps
from django.core.management.base import BaseCommand

from yingji.resources.geo import Located, refresh_cells


class Command(BaseCommand):
    help = "Recompute the nearest-search grid cell of every record with coordinates."

    def handle(self, *args, verbosity=1, **options):
        for model in apps.get_models():
            if issubclass(model, Located):
                changed = refresh_cells(model._default_manager.all())
                if verbosity:
                    self.stdout.write(f"{model._meta.label:<28} {changed:>8} cells corrected")
