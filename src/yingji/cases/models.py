"""Typical cases (典型案例): past events written up with their course, response, lessons and rectification."""

import uuid as uuid_module
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yingji.core.models import Division, OwnedModel
from yingji.incidents.models import CASUALTY_FIELDS, LEVEL_CHOICES, EventType, Incident
from yingji.rules import grading


class Case(OwnedModel):
    """A typical case. A draft is seen within its owner's reach; a published case by every signed-in user.

    The casualty and loss figures are the incident's (`CASUALTY_FIELDS`), added below the class so that the two
    lists cannot drift apart: a new figure on the incident asks for a migration here too.
    """

    permission_family = "library"

    title = models.CharField(_("title"), max_length=200)
    event_type = models.ForeignKey(EventType, verbose_name=_("event type"), on_delete=models.PROTECT)
    date = models.DateField(_("date"), help_text=_("The day the event occurred (Beijing time)."))
    division = models.ForeignKey(
        Division, verbose_name=_("division"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    level = models.PositiveSmallIntegerField(_("level"), choices=LEVEL_CHOICES, null=True, blank=True)

    course = models.TextField(_("course of events (经过)"), blank=True)
    response = models.TextField(_("response (处置)"), blank=True)
    lessons = models.TextField(
        _("lessons learned (教训)"), blank=True, help_text=_("Required before the case is published.")
    )
    rectification = models.TextField(_("rectification (整改)"), blank=True)
    sources = models.TextField(_("sources (来源)"), blank=True)

    published = models.BooleanField(
        _("published"),
        default=False,
        help_text=_(
            "A published case is visible to every user; a draft only to the owning organisation and the "
            "levels above it."
        ),
    )
    incident = models.ForeignKey(
        Incident,
        verbose_name=_("source incident"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="cases",
    )

    @staticmethod
    def visible_q(user):
        # Published cases are read by every user; drafts and every change stay within the owner's reach.
        return models.Q(published=True)

    class Meta:
        ordering = ["-date", "-pk"]
        constraints = [
            # One write-up per event: a second one would split the library's record of it.
            models.UniqueConstraint(fields=["incident"], name="one_case_per_incident"),
        ]
        indexes = [
            models.Index(fields=["-date", "-id"]),
            models.Index(fields=["event_type", "date"]),
            models.Index(fields=["published", "date"]),
        ]
        verbose_name = _("typical case")
        verbose_name_plural = _("typical cases")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("cases:case_detail", args=[self.pk])

    @property
    def level_name(self) -> str:
        return grading.LEVEL_NAMES.get(self.level, "")

    def clean(self):
        super().clean()
        errors = {}
        if self.date and self.date > timezone.localdate():
            errors["date"] = _(
                "A case is about an event that has happened: the date cannot be in the future."
            )
        if self.published and not self.lessons.strip():
            errors["lessons"] = _("Write the lessons learned before publishing the case.")
        if errors:
            raise ValidationError(errors)


for _name in CASUALTY_FIELDS:
    Case.add_to_class(_name, Incident._meta.get_field(_name).clone())
del _name


def attachment_path(instance, filename):
    return f"cases/{timezone.now():%Y/%m}/{instance.case_id}/{uuid_module.uuid4().hex}{Path(filename).suffix.lower()}"


class CaseAttachment(models.Model):
    """A photo or document of a case; served to whoever may see the case."""

    permission_family = "library"
    change_logged = True

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path)
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )

    owner_lookup = "case__owner"

    @staticmethod
    def visible_q(user):
        return models.Q(case__published=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("case attachment")
        verbose_name_plural = _("case attachments")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("cases:attachment", args=[self.pk])

    def change_log_paths(self) -> tuple[str, str]:
        owner = self.case.owner
        return owner.division.path, owner.path
