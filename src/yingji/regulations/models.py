"""The regulations library: laws, regulations, standards and normative documents, with their full text."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from yingji.core.models import OwnedModel
from yingji.core.scoping import everyone


class RegulationKind(models.TextChoices):
    LAW = "law", _("Law (法律)")
    ADMINISTRATIVE = "administrative", _("Administrative regulation (行政法规)")
    LOCAL = "local", _("Local regulation (地方性法规)")
    RULE = "rule", _("Rules (规章)")
    STANDARD = "standard", _("Standard (标准)")
    NORMATIVE = "normative", _("Normative document (规范性文件)")


class RegulationLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCIAL = "provincial", _("Provincial")
    CITY = "city", _("City")


class RegulationStatus(models.TextChoices):
    IN_FORCE = "in_force", _("In force")
    AMENDED = "amended", _("Amended (superseded version)")
    REPEALED = "repealed", _("Repealed")


class Regulation(OwnedModel):
    """One document. `owner` is the organisation that keeps the record (not necessarily the issuing body, which
    is often outside the city): it and those above it may change the record; every signed-in user reads it."""

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=RegulationKind.choices)
    issuing_body = models.CharField(
        _("issuing body"), max_length=200, help_text=_("E.g. 国务院, 全国人民代表大会常务委员会.")
    )
    document_number = models.CharField(
        _("document number"), max_length=100, blank=True, help_text=_("E.g. 国务院令第394号, GB/T 2260-2007.")
    )
    level = models.CharField(_("level"), max_length=12, choices=RegulationLevel.choices)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    effective_on = models.DateField(_("effective from"), null=True, blank=True)
    amended_on = models.DateField(
        _("text as amended on"),
        null=True,
        blank=True,
        help_text=_("The date of the last amendment the full text below includes."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RegulationStatus.choices, default=RegulationStatus.IN_FORCE
    )
    replaced_by = models.ForeignKey(
        "self",
        verbose_name=_("replaced by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaces",
        help_text=_("For an amended or repealed document: the one that took its place."),
    )
    text = models.TextField(
        _("full text"),
        blank=True,
        help_text=_("Plain text; a line starting with ## is a heading (## 第一章 总则), ### a sub-heading."),
    )
    source = models.CharField(_("source"), max_length=300, blank=True)

    permission_family = "library"

    visible_q = staticmethod(everyone)  # every signed-in user reads the library

    class Meta:
        ordering = ["level", "-issued_on", "title"]
        verbose_name = _("regulation")
        verbose_name_plural = _("regulations")
        constraints = [
            models.UniqueConstraint(
                fields=["title", "document_number"], name="regulation_title_number_unique"
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("regulations:regulation_detail", args=[self.pk])

    def clean(self):
        super().clean()
        if self.replaced_by_id and self.replaced_by_id == self.pk:
            raise ValidationError({"replaced_by": _("A document cannot replace itself.")})
        if self.replaced_by_id and self.status == RegulationStatus.IN_FORCE:
            raise ValidationError(
                {
                    "replaced_by": _(
                        "A document in force has no replacement: set the status to amended or repealed."
                    )
                }
            )
        if self.issued_on and self.effective_on and self.effective_on < self.issued_on:
            raise ValidationError(
                {"effective_on": _("A document takes effect on or after the day it is issued.")}
            )
