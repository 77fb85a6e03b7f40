"""The user (e-mail login, language, time zone, staff role and regions) and personal API tokens."""

import hashlib
import secrets
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("staff_role", User.StaffRole.OPERATOR)
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """Partner people and vendor staff. Partner access comes from memberships (partners.Membership)."""

    class StaffRole(models.TextChoices):
        NONE = "", _("Not staff")
        CHANNEL_MANAGER = "channel_manager", _("Channel manager")
        EXECUTIVE = "executive", _("Executive")
        OPERATOR = "operator", _("Operator")

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC", validators=[validate_timezone])
    staff_role = models.CharField(_("staff role"), max_length=32, choices=StaffRole.choices, blank=True, default="")
    regions = models.ManyToManyField(
        "partners.Region", blank=True, related_name="staff", verbose_name=_("regions"),
        help_text=_("Channel managers and executives see the partners of these regions."),
    )
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return (self.full_name or self.email).split(" ")[0]

    def save(self, *args, **kwargs):
        self.email = (self.email or "").strip().lower()
        # The staff role decides admin access; operators are superusers.
        if self.staff_role:
            self.is_staff = True
            self.is_superuser = self.staff_role == self.StaffRole.OPERATOR
        super().save(*args, **kwargs)

    @property
    def is_operator(self) -> bool:
        return self.is_active and (self.is_superuser or self.staff_role == self.StaffRole.OPERATOR)

    @property
    def is_channel_manager(self) -> bool:
        return self.is_active and self.staff_role == self.StaffRole.CHANNEL_MANAGER

    @property
    def is_executive(self) -> bool:
        return self.is_active and self.staff_role == self.StaffRole.EXECUTIVE


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now))


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the key is shown once, at creation.

    A token acts as its user: partner scope comes from the user's membership at request time,
    so removing a member or suspending a partner closes the API at once.
    """

    PREFIX = "prm_"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    key_prefix = models.CharField(max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @classmethod
    def new_key(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)

    @staticmethod
    def hash_key(raw: str) -> str:
        return _hash_token(raw)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())
