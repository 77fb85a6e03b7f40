"""Contacts import in the admin: rows of (partner, e-mail, name, role, language) become invitations.

django-import-export's flow gives the preview with row errors; ContactResource makes each row an
invitation through the service and rolls the whole file back unless every row is valid.
"""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from import_export.admin import ImportExportMixin

from partners.resources import ContactResource


class ContactsImportExportMixin(ImportExportMixin):
    resource_classes = [ContactResource]

    def has_import_permission(self, request):
        return request.user.is_active and request.user.has_perm("partners.add_invitation")

    def get_import_resource_kwargs(self, request, **kwargs):
        kwargs = super().get_import_resource_kwargs(request, **kwargs)
        # Partners are looked up among those the staff member may see (None: an operator, all).
        kwargs["partner_ids"] = getattr(request, "staff_partner_ids", [])
        return kwargs

    def process_result(self, result, request):
        # The confirm step re-runs the file; if a row became invalid since the preview, nothing was saved.
        if result.has_errors() or result.has_validation_errors():
            self.message_user(request, _("Nothing was imported: some rows are no longer valid. Upload the file again "
                                         "to see which."), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:partners_invitation_changelist"))
        return super().process_result(result, request)
