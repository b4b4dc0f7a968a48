"""Divisions, organisations, contacts, users, and the platform records every module shares."""

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from yingji.core.roles import Role, Scope


def latitude_field():
    return models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )


def longitude_field():
    return models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )


class TimestampedModel(models.Model):
    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    # The lookup from this model to its owning Organisation; scoping and the change log follow it.
    owner_lookup = "owner"

    class Meta:
        abstract = True


class ReferenceData(TimestampedModel):
    """Platform-wide tables (catalogues, calendars, cycles) every user reads and administrators edit."""

    owner_lookup = None
    permission_family = "reference"

    @staticmethod
    def scope_q(user):
        return models.Q()

    class Meta:
        abstract = True


class OwnedModel(TimestampedModel):
    """Base of every record that belongs to an organisation (and through it to a division)."""

    owner = models.ForeignKey(
        "core.Organisation",
        verbose_name=_("owning organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        abstract = True


class DivisionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County / district")
    TOWN = "town", _("Town / street")
    VILLAGE = "village", _("Village / community")


class Division(TimestampedModel):
    """An administrative division with its GB/T 2260 code (12 digits below county level)."""

    code = models.CharField(
        _("division code"),
        max_length=12,
        unique=True,
        validators=[RegexValidator(r"^(\d{6}|\d{9}|\d{12})$", _("A division code has 6, 9 or 12 digits."))],
    )
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=DivisionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent division"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    # Codes from the root down, each followed by "/": a subtree is one prefix match on an index.
    path = models.CharField(max_length=200, editable=False, db_index=True)
    latitude = latitude_field()
    longitude = longitude_field()
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)

    owner_lookup = None
    permission_family = "reference"

    @staticmethod
    def scope_q(user):
        return models.Q(path__startswith=user.organisation.division.path)

    class Meta:
        ordering = ["code"]
        verbose_name = _("division")
        verbose_name_plural = _("divisions")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("core:division_detail", args=[self.pk])

    def save(self, *args, **kwargs):
        self.path = (self.parent.path if self.parent_id else "") + self.code + "/"
        super().save(*args, **kwargs)


class OrganisationKind(models.TextChoices):
    GOVERNMENT = "government", _("Government")
    COMMITTEE = "committee", _("Emergency committee")
    COMMAND_BODY = "command_body", _("Command body")
    OFFICE = "office", _("Emergency office")
    DEPARTMENT = "department", _("Department")
    ENTERPRISE = "enterprise", _("Enterprise")
    SCHOOL = "school", _("School")
    COMMUNITY = "community", _("Community / village committee")
    TEAM = "team", _("Rescue team")
    OTHER = "other", _("Other")


class Organisation(TimestampedModel):
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    division = models.ForeignKey(
        Division, verbose_name=_("division"), on_delete=models.PROTECT, related_name="organisations"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    # UUIDs from the root down, each followed by "/": a subtree is one prefix match on an index.
    path = models.CharField(max_length=400, editable=False, db_index=True)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        validators=[
            RegexValidator(
                r"^[0-9A-HJ-NPQRTUWXY]{18}$", _("The code has 18 characters (digits and capital letters).")
            )
        ],
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("duty phone"), max_length=40, blank=True)
    latitude = latitude_field()
    longitude = longitude_field()
    responsibilities = models.TextField(_("responsibilities"), blank=True)

    owner_lookup = ""  # an organisation owns itself

    class Meta:
        ordering = ["path"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("core:organisation_detail", args=[self.pk])

    def save(self, *args, **kwargs):
        new_path = f"{self.parent.path if self.parent_id else '/'}{self.uuid.hex}/"
        old_path, self.path = self.path, new_path
        super().save(*args, **kwargs)
        if old_path and old_path != new_path:
            # Moving an organisation moves its whole subtree.
            for child in Organisation.objects.filter(path__startswith=old_path).exclude(pk=self.pk):
                Organisation.objects.filter(pk=child.pk).update(path=new_path + child.path[len(old_path) :])

    def clean(self):
        super().clean()
        if self.parent_id and self.pk and self.parent.path.startswith(self.path or "\0"):
            raise ValidationError(
                {"parent": _("An organisation cannot be placed under itself or its own units.")}
            )


class Contact(OwnedModel):
    owner = models.ForeignKey(
        Organisation, verbose_name=_("member of"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("full name"), max_length=60)
    post = models.CharField(_("post"), max_length=80, blank=True)
    mobile = models.CharField(
        _("mobile"),
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^1\d{10}$", _("A mobile number has 11 digits and starts with 1."))],
    )
    office_phone = models.CharField(
        _("office phone"),
        max_length=40,
        blank=True,
        validators=[RegexValidator(r"^[0-9+\-() ]{5,40}$", _("Use digits, spaces, +, - and brackets only."))],
    )
    email = models.EmailField(_("email"), blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)

    class Meta:
        ordering = ["owner__path", "-is_primary", "name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self):
        return f"{self.name} ({self.post})" if self.post else self.name

    def get_absolute_url(self):
        return reverse("core:contact_detail", args=[self.pk])


class User(AbstractUser):
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("member of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.DUTY)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)

    permission_family = "security"
    owner_lookup = "organisation"
    change_logged = True

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def get_absolute_url(self):
        return reverse("core:user_detail", args=[self.pk])

    @property
    def scope(self) -> Scope:
        return Role(self.role).scope


class ChangeAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    DELETE = "delete", _("Deleted")


class ObjectChange(models.Model):
    """One create, update or delete of a record: who, when, in which request, before and after."""

    time = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    user_name = models.CharField(_("user name"), max_length=150)
    request_id = models.UUIDField(_("request id"), db_index=True)
    action = models.CharField(_("action"), max_length=10, choices=ChangeAction.choices)
    content_type = models.ForeignKey(
        "contenttypes.ContentType", verbose_name=_("type"), on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    # Where the record sat when it changed, so the log is scoped like the record itself.
    division_path = models.CharField(max_length=200, db_index=True, blank=True)
    organisation_path = models.CharField(max_length=400, db_index=True, blank=True)

    owner_lookup = None
    permission_family = "audit"

    @staticmethod
    def scope_q(user):
        if user.scope == Scope.JURISDICTION:
            return models.Q(division_path__startswith=user.organisation.division.path)
        return models.Q(organisation_path__startswith=user.organisation.path)

    class Meta:
        ordering = ["-time", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        verbose_name = _("change")
        verbose_name_plural = _("change log")

    def __str__(self):
        return f"{self.get_action_display()} {self.object_repr}"

    def changed_fields(self) -> list[tuple[str, object, object]]:
        before, after = self.before or {}, self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


class AuthEventKind(models.TextChoices):
    LOGIN = "login", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Sign-in failed")
    LOCKED_OUT = "locked_out", _("Sign-in refused: locked")
    LOGOUT = "logout", _("Signed out")


class AuthEvent(models.Model):
    time = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("event"), max_length=20, choices=AuthEventKind.choices)
    username = models.CharField(_("user name"), max_length=150, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True, db_index=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    request_id = models.UUIDField(_("request id"), null=True, blank=True)

    permission_family = "security"

    @staticmethod
    def scope_q(user):
        return models.Q(user__organisation__division__path__startswith=user.organisation.division.path)

    class Meta:
        ordering = ["-time", "-pk"]
        verbose_name = _("sign-in event")
        verbose_name_plural = _("sign-in events")

    def __str__(self):
        return f"{self.username} {self.get_kind_display()}"


class Notification(models.Model):
    """An in-app message to one user; other channels (email, SMS) carry copies of it."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self):
        return self.subject


class Delivery(models.Model):
    """One attempt to carry a notification (or a message to a contact) over an outside channel."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    channel = models.CharField(_("channel"), max_length=20)
    address = models.CharField(_("address"), max_length=200)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    notification = models.ForeignKey(
        Notification, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self):
        return f"{self.channel}:{self.address} {self.status}"


class WorkerHeartbeat(models.Model):
    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=200, blank=True)
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)

    def __str__(self):
        return self.worker_id
