"""django-import-export resources: partners and users, with validation per row and no partial commit."""

from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget

from prm.accounts.models import User

from .models import PartnerOrganization, Region


class PartnerResource(resources.ModelResource):
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


