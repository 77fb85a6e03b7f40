"""django-import-export resources: partners, users and contacts, with validation per row and no partial commit."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget, Widget

from prm.accounts.models import User

from .models import Invitation, Membership, PartnerOrganization, Region


class AllOrNothingMixin:
    """A confirmed import that meets an invalid row saves nothing (the admin's confirm step would
    otherwise keep the valid rows when data changed between preview and confirm)."""

    def import_data(self, dataset, **kwargs):
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, **kwargs)


class PartnerResource(AllOrNothingMixin, resources.ModelResource):
    region = fields.Field(
        attribute="region", column_name="region", widget=ForeignKeyWidget(Region, field="code")
    )

    class Meta:
        model = PartnerOrganization
        fields = ("id", "name", "legal_name", "partner_type", "country", "region", "default_language", "currency",
                  "status", "website")
        export_order = fields
        import_id_fields = ("id",)
        clean_model_instances = True  # full_clean() per row: choices, ISO country, lengths
        skip_unchanged = True
        report_skipped = True

    def before_import_row(self, row, **kwargs):
        if row.get("country"):
            row["country"] = str(row["country"]).strip().upper()
        if row.get("currency"):
            row["currency"] = str(row["currency"]).strip().upper()


class UserResource(resources.ModelResource):
    class Meta:
        model = User
        fields = ("id", "email", "full_name", "preferred_language", "timezone", "is_active", "last_login")
        export_order = fields
        import_id_fields = ("email",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        # Imports never set passwords or roles: people arrive by invitation, staff roles are set by operators.
        exclude = ("password", "staff_role", "is_staff", "is_superuser")

    def before_import_row(self, row, **kwargs):
        if row.get("email"):
            row["email"] = str(row["email"]).strip().lower()

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        if not instance.password:
            instance.set_unusable_password()  # they sign in after an invitation or a password reset

    def get_import_fields(self):
        return [f for f in super().get_import_fields() if f.attribute not in {"id", "last_login"}]


class PartnerRefWidget(Widget):
    """A partner by id or exact name, among the partners the importing staff member may see."""

    def __init__(self, **kwargs):
        self.partner_ids: list[int] | None = []  # set per import: None = operator (all partners)
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        text = " ".join(str(value if value is not None else "").split())
        if not text:
            raise ValueError(_("Enter the partner's id or name."))
        qs = PartnerOrganization.objects.all()
        if self.partner_ids is not None:
            qs = qs.filter(pk__in=self.partner_ids)
        found = list((qs.filter(pk=int(text)) if text.isdigit() and len(text) <= 18 else qs.filter(name__iexact=text))[:2])
        if not found:
            raise ValueError(_("No partner “%(value)s” in your regions.") % {"value": text})
        if len(found) > 1:
            raise ValueError(_("Several partners are named “%(value)s”; use the partner's id.") % {"value": text})
        return found[0]

    def render(self, value, obj=None, **kwargs):
        return value.pk if value is not None else ""


class ContactResource(AllOrNothingMixin, resources.ModelResource):
    """Contacts of partners, imported as invitations (never as accounts with passwords).

    Columns: partner (id or name), email, full_name, role (admin/user, default user), language
    (default: the partner's). Every row goes through invitation_create(); the dry run rolls it back,
    and the invitation e-mails leave only after the confirmed import commits (on_commit).
    """

    partner = fields.Field(attribute="partner", column_name="partner", widget=PartnerRefWidget())
    # No default: an empty cell means "the partner's language", decided per row in save_instance().
    language = fields.Field(attribute="language", column_name="language")

    class Meta:
        model = Invitation
        fields = ("partner", "email", "full_name", "role", "language")
        export_order = fields
        import_id_fields = ("email",)
        force_init_instance = True  # every row is a new invitation; nothing is updated
        report_skipped = True

    def __init__(self, *, partner_ids=None, **kwargs):
        super().__init__(**kwargs)
        self.fields["partner"].widget.partner_ids = partner_ids
        self._seen: set[tuple[int, str]] = set()

    def before_import_row(self, row, **kwargs):
        for name in ("email", "role", "language"):
            if row.get(name) is not None:
                row[name] = str(row[name]).strip().lower()
        row["role"] = row.get("role") or Membership.Role.USER
        row["full_name"] = " ".join(str(row.get("full_name") or "").split())

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        try:
            validate_email(instance.email or "")
        except ValidationError:
            errors.setdefault("email", []).append(_("Enter a valid e-mail address."))
        if instance.role not in Membership.Role.values:
            errors.setdefault("role", []).append(_("Role must be “admin” or “user”."))
        if instance.language and instance.language not in dict(settings.LANGUAGES):
            errors.setdefault("language", []).append(
                _("Unknown language; use one of: %(codes)s.") % {"codes": ", ".join(dict(settings.LANGUAGES))}
            )
        partner_id = getattr(instance, "partner_id", None)
        if partner_id and instance.email:
            key = (partner_id, instance.email)
            if key in self._seen:
                errors.setdefault("email", []).append(_("This address appears twice for the same partner."))
            self._seen.add(key)
        if errors:
            raise ValidationError(errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        if import_validation_errors:
            raise ValidationError(import_validation_errors)

    def save_instance(self, instance, is_create, row, **kwargs):
        from .services.invitations import invitation_create

        issued = invitation_create(
            partner=instance.partner, email=instance.email, role=instance.role, invited_by=kwargs.get("user"),
            language=instance.language or None, full_name=instance.full_name,
        )
        instance.pk = issued.invitation.pk
        instance.token_hash = issued.invitation.token_hash
