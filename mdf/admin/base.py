"""What the MDF admins share: the SLA age of a waiting request or claim, the overdue filter, read-only
change pages, running a decision over many rows (each in its own transaction) and the action form page."""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from dealreg.sla import business_cutoff, is_overdue
from prm.common.money import format_money

from .forms import add_service_error


def sla_hours() -> int:
    """How many business hours a request or claim may wait for a decision before the queue marks it overdue
    (the same business-hours clock as deal registrations and the staff API: dealreg.sla)."""
    return int(getattr(settings, "MDF_SLA_BUSINESS_HOURS", 40))


def waiting_label(submitted_at, now=None) -> str:
    """“5 hours” under two days, “3 days” after that."""
    hours = max(0, int(((now or timezone.now()) - submitted_at).total_seconds() // 3600))
    if hours < 48:
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    days = hours // 24
    return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}


def sla_age_html(submitted_at):
    if submitted_at is None:
        return "—"
    label = waiting_label(submitted_at)
    if is_overdue(submitted_at, now=timezone.now(), hours=sla_hours()):
        return format_html('<strong class="overdue" title="{}">{} ⚠</strong>', _("Overdue"), label)
    return label


def money_or_dash(amount, currency) -> str:
    return format_money(amount, currency) if amount is not None else "—"


class OverdueFilter(admin.SimpleListFilter):
    """Waiting longer than the SLA, or not (``submitted_at`` against one cutoff: set-based)."""

    title = _("waiting time")
    parameter_name = "sla"

    def lookups(self, request, model_admin):
        return [("overdue", _("Overdue")), ("in_time", _("Within the approval time"))]

    def queryset(self, request, queryset):
        cutoff = business_cutoff(timezone.now(), sla_hours())
        if self.value() == "overdue":
            return queryset.filter(submitted_at__lt=cutoff)
        if self.value() == "in_time":
            return queryset.filter(submitted_at__gte=cutoff)
        return queryset


class ReadOnlyAdminMixin:
    """Rows written only by services: no add, no delete, and a change page that never saves.

    ``change`` permission still matters: it unlocks the decision pages and actions. A POST to the change
    page is refused outright: saving the form would write back values read without the ledger's lock."""

    view_on_site = False  # get_absolute_url points into the partner portal

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        extra_context = {**(extra_context or {}), "show_save": False, "show_save_and_continue": False,
                         "show_save_and_add_another": False, "show_delete": False}
        return super().change_view(request, object_id, form_url, extra_context)


class ReadOnlyInline(admin.TabularInline):
    view_on_site = False
    extra = 0
    max_num = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@dataclass
class BatchResult:
    done: list = field(default_factory=list)
    failed: list = field(default_factory=list)  # (object, translated message)


def run_each(objects, decide) -> BatchResult:
    """Call ``decide(obj)`` for each object. Each service call is its own transaction, so one refusal
    (insufficient funds, a changed state) leaves the others done; refusals come back with their message."""
    result = BatchResult()
    for obj in objects:
        try:
            decide(obj)
        except ValidationError as error:
            result.failed.append((obj, " ".join(error.messages)))
        else:
            result.done.append(obj)
    return result


class BatchActionsMixin:
    """Reporting of bulk decisions and the intermediate page that asks for a reason or a payment reference."""

    def report_batch(self, request, result: BatchResult, done_message, label) -> None:
        if result.done:
            self.message_user(request, done_message(len(result.done)), messages.SUCCESS)
        for obj, message in result.failed:
            self.message_user(request, f"{label(obj)}: {message}", messages.ERROR)

    def action_form_page(self, request, *, rows, form, action, title, intro=""):
        """``rows``: (label, partner name) per selected object."""
        context = {
            **self.admin_site.each_context(request), "title": title, "opts": self.model._meta, "form": form,
            "rows": rows, "action": action, "intro": intro,
            "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
        }
        return TemplateResponse(request, "admin/mdf/action_form.html", context)

    def apply_decision(self, request, forms: dict, decision: str, handlers: dict) -> bool:
        """Run the decision the manager chose. ``handlers``: decision -> (form class, prefix, act), where
        ``act(cleaned_data)`` calls the service and returns the success message. A refusal lands on the form."""
        handler = handlers.get(decision)
        if handler is None:
            return False
        form_class, prefix, act = handler
        form = forms[decision] = form_class(request.POST, prefix=prefix)
        if not form.is_valid():
            return False
        try:
            done = act(form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
            return False
        self.message_user(request, done, messages.SUCCESS)
        return True

    def page(self, request, template, *, title, **context):
        return TemplateResponse(request, template, {
            **self.admin_site.each_context(request), "title": title, "opts": self.model._meta, **context,
        })
