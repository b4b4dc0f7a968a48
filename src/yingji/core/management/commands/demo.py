"""`yingji demo`: load (or refresh) the demo city and list the demo logins."""

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand

from yingji.core.demo.loader import PASSWORD, load_demo, read_csv
from yingji.core.models import User


class Command(BaseCommand):
    help = "Load the demo city of 梅州市 (divisions, organisations, contacts, users). Safe to run again."

    def handle(self, *args, verbosity=1, **options):
        # Verbosity 2 reports every created or updated record; 0 prints nothing.
        counts = load_demo(stdout=self.stdout if verbosity >= 2 else None)
        if verbosity:
            for model, n in counts.items():
                self.stdout.write(
                    f"{model:<13} {n['created']:>4} created {n['updated']:>4} updated {n['unchanged']:>4} unchanged"
                )
        # Modules add their own demo data after the city (an app config names its command in `demo_command`).
        for app in apps.get_app_configs():
            if getattr(app, "demo_command", None):
                call_command(app.demo_command, verbosity=verbosity, stdout=self.stdout)
        if verbosity:
            self.print_logins()

    def print_logins(self):
        usernames = [row["username"] for row in read_csv("users.csv")]
        users = User.objects.select_related("organisation").in_bulk(usernames, field_name="username")
        self.stdout.write(self.style.SUCCESS(f"\nDemo logins (password {PASSWORD} unless changed since):"))
        self.stdout.write(f"  {'username':<16} {'role':<8} organisation")
        for username in usernames:
            user = users[username]
            self.stdout.write(f"  {username:<16} {user.role:<8} {user.organisation}")
