"""django-import-export resources for CRM data: previewed imports of small files in the admin, exports.

Big files (100k rows) go through the background import (dealreg/imports.py); these resources serve
the admin's own preview-then-confirm import and every export. Rows are validated in full
(clean_model_instances) and the import runs in a transaction, so a file with any bad row saves nothing.
"""

from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget

from prm.common.models import ExchangeRate

from .models import Deal, VendorAccount, VendorOpportunity


class _Upper:
    upper_columns: tuple[str, ...] = ()

    def before_import_row(self, row, **kwargs):
        for column in self.upper_columns:
            if row.get(column):
                row[column] = str(row[column]).strip().upper()


class VendorAccountResource(_Upper, resources.ModelResource):
    upper_columns = ("country",)

    class Meta:
        model = VendorAccount
        fields = ("external_id", "name", "domain", "country", "owner_name", "owner_email")
        export_order = fields
        import_id_fields = ("external_id",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True


class VendorOpportunityResource(_Upper, resources.ModelResource):
    upper_columns = ("currency",)
    account = fields.Field(attribute="account", column_name="account_external_id",
                           widget=ForeignKeyWidget(VendorAccount, field="external_id"))

    class Meta:
        model = VendorOpportunity
        fields = ("external_id", "account", "name", "stage", "amount", "currency", "close_date", "owner_name",
                  "owner_email")
        export_order = fields
        import_id_fields = ("external_id",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True


class ExchangeRateResource(_Upper, resources.ModelResource):
    upper_columns = ("from_currency", "to_currency")

    class Meta:
        model = ExchangeRate
        fields = ("date", "from_currency", "to_currency", "rate")
        export_order = fields
        import_id_fields = ("date", "from_currency", "to_currency")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True


class DealExportResource(resources.ModelResource):
    """Registrations for staff exports (the admin's queryset is already scoped to the staff user's regions).

    Private notes stay out: they are the partner's own.
    """

    partner = fields.Field(attribute="partner__name", column_name="partner")

    class Meta:
        model = Deal
        fields = ("id", "partner_id", "partner", "reference", "customer_name", "customer_domain", "customer_country",
                  "value", "currency", "expected_close_date", "stage", "status", "registered_at", "protected_until",
                  "closed_at", "won_amount", "won_currency", "won_amount_base", "fx_rate", "lost_reason",
                  "has_conflict", "conflict_score")
        export_order = fields
