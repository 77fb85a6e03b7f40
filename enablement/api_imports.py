"""The staff API for external LMS completions: POST /api/v1/staff/enablement/completions/ with up to 1,000 rows.

The same checks and writes as the admin's CSV import (enablement/imports.py). Operators import for every
partner; channel managers for the partners of their regions (rows of anyone else are refused like unknown
people); executives read only and cannot import. Every row gets its result (created, updated, unchanged, or
error with its messages): unknown people and courses are reported, never dropped. ``dry_run`` checks without
writing. A malformed body answers 400 with field errors.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from enablement import imports
from prm.accounts.api import StaffMFAEnrolled, error_responses
from prm.common.audit import audit
from prm.tenancy.api import IsStaffUser, StaffScopedAPIMixin

MAX_ROWS = 1000


class CanImportCompletions(BasePermission):
    message = _("Only operators and channel managers import completions.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user.is_operator or user.is_channel_manager)


class CompletionInSerializer(serializers.Serializer):
    """One completion (documentation of a row; rows are checked one by one, so a bad row never fails the rest).
    Export aliases are accepted as keys too (``user_email``, ``course_id``, ``completion_date``, ``grade`` ...)."""

    email = serializers.EmailField(help_text=_("The person's e-mail address: their membership decides the partner."))
    course_code = serializers.CharField(help_text=_("The course's code in the catalogue."))
    completed_at = serializers.CharField(help_text=_("YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS] or an ISO 8601 date-time."))
    score = serializers.DecimalField(max_digits=5, decimal_places=2, required=False, allow_null=True,
                                     help_text=_("0 to 100; optional."))
    external_id = serializers.CharField(max_length=imports.EXTERNAL_ID_MAX,
                                        help_text=_("The learning system's completion id: importing it again records "
                                                    "nothing new."))
    partner_id = serializers.IntegerField(required=False, help_text=_(
        "Only for a person who is an active member of several partners."))


class CompletionsRequestSerializer(serializers.Serializer):
    completions = serializers.ListField(child=serializers.DictField(), min_length=1, max_length=MAX_ROWS,
                                        help_text=_("At most 1,000 completions (see CompletionIn)."))
    dry_run = serializers.BooleanField(default=False, help_text=_("Check every row and write nothing."))


class CompletionsRequestDocSerializer(serializers.Serializer):
    """The request as documented (rows typed); the view reads it with CompletionsRequestSerializer."""

    completions = CompletionInSerializer(many=True, help_text=_("At most 1,000 completions."))
    dry_run = serializers.BooleanField(default=False, help_text=_("Check every row and write nothing."))


class RowErrorSerializer(serializers.Serializer):
    field = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()


class RowResultSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text=_("The row's position in the request, from 1."))
    external_id = serializers.CharField()
    result = serializers.ChoiceField(choices=[imports.CREATED, imports.UPDATED, imports.UNCHANGED, imports.ERROR],
                                     help_text=_("In a dry run: what importing the row would do."))
    partner_id = serializers.IntegerField(allow_null=True)
    message = serializers.CharField(help_text=_("The row's problems, in one sentence; empty when none."))
    errors = RowErrorSerializer(many=True)


class CompletionsResponseSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    errors = serializers.IntegerField(help_text=_("Rows with errors (nothing of them was written)."))
    certifications = serializers.IntegerField(help_text=_("Certifications awarded or renewed."))
    results = RowResultSerializer(many=True)


def _result(row: imports.RowResult) -> dict:
    errors = [{"field": e.field, "code": e.code, "message": str(e.message)} for e in row.errors]
    return {"row": row.row, "external_id": row.external_id, "result": row.result, "partner_id": row.partner_id,
            "message": " ".join(e["message"] for e in errors), "errors": errors}


@extend_schema(tags=["staff"])
class CompletionImportView(StaffScopedAPIMixin, APIView):
    permission_classes = [IsStaffUser, StaffMFAEnrolled, CanImportCompletions]

    @extend_schema(
        operation_id="staff_enablement_completions_import",
        request=CompletionsRequestDocSerializer,
        responses={200: CompletionsResponseSerializer, **error_responses(400, 401, 403)},
        description=_("Record completions from an external learning system. Each row's result is listed; rows with "
                      "errors are not written. Idempotent by external_id."),
    )
    def post(self, request):
        body = CompletionsRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        dry_run = body.validated_data["dry_run"]
        summary, rows = imports.import_rows(body.validated_data["completions"],
                                            partner_ids=request.staff_partner_ids, dry_run=dry_run)
        if not dry_run and summary.recorded:
            audit(actor=request.user, action="enablement.completions.imported",
                  data={"via": "api", "recorded": summary.recorded, "unchanged": summary.unchanged,
                        "error_rows": summary.error_rows, "certifications": summary.awards})
        return Response(CompletionsResponseSerializer({
            "dry_run": dry_run, "created": summary.created, "updated": summary.updated,
            "unchanged": summary.unchanged, "errors": summary.error_rows, "certifications": summary.awards,
            "results": [_result(row) for row in rows]}).data)
