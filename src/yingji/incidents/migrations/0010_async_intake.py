"""Asynchronous intake: an intake may wait for the worker (queued) before it has an incident.

Intakes stored before this were all taken in synchronously: they are processed, at the time they were received."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import F


def mark_processed(apps, schema_editor):
    apps.get_model("incidents", "Intake").objects.update(processed_at=F("received_at"))


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0003_user_ordering'),
        ('incidents', '0009_rule_tables'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='intake',
            name='processed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='processed at'),
        ),
        migrations.AddField(
            model_name='intake',
            name='reason',
            field=models.JSONField(blank=True, help_text='Field and rule, as in a 400 answer.', null=True, verbose_name='reason for rejection'),
        ),
        migrations.AddField(
            model_name='intake',
            name='state',
            field=models.CharField(choices=[('queued', 'Queued'), ('processed', 'Processed'), ('rejected', 'Rejected')], default='processed', max_length=10, verbose_name='processing state'),
        ),
        migrations.AlterField(
            model_name='intake',
            name='state',
            field=models.CharField(choices=[('queued', 'Queued'), ('processed', 'Processed'), ('rejected', 'Rejected')], default='queued', max_length=10, verbose_name='processing state'),
        ),
        migrations.RunPython(mark_processed, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='intake',
            name='incident',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='intakes', to='incidents.incident', verbose_name='incident'),
        ),
        migrations.AddIndex(
            model_name='intake',
            index=models.Index(condition=models.Q(('state', 'queued')), fields=['received_at'], name='intake_queued'),
        ),
    ]
