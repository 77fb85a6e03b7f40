"""The outbox log in the admin (read-only; operators may resend failed rows), preferences (operators only), and
the nudge rules (every registered rule, its last run and what it sent; operators edit, channel managers read)."""

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from prm.tenancy.admin import OperatorOnlyMixin, RegionScopedPartnerAdminMixin

from . import nudges
from .forms import NudgeRuleForm, nudge_rule_form, param_field_names
from .kinds import get_kind
from .models import Notification, NotificationPreference, NudgeRule
from .selectors import NoticeCount, nudge_notice_counts, nudge_rules_with_last_run, nudge_runs_recent
from .services import notifications_resend_failed, nudge_rule_update, nudge_rules_ensure


@admin.register(Notification)
class NotificationAdmin(RegionScopedPartnerAdminMixin, admin.ModelAdmin):
    """Channel managers (view permission via their group) see the rows of their regions' partners."""

    partner_field = "partner_id"
    list_display = ("email", "kind", "status", "created_at", "sent_at", "partner_id")
    list_filter = ("status", "kind")
    search_fields = ("email",)
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = ["resend_failed"]
    base_fields = (
        "email", "recipient", "language", "kind", "subject_key", "window", "partner_id", "status", "attempts",
        "last_error", "created_at", "claimed_at", "sent_at",
    )

    def get_fields(self, request, obj=None):
        # The context can hold links with secrets (an invitation's accept link): operators only.
        return (*self.base_fields, "context") if request.user.is_superuser else self.base_fields

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the log of what was sent stays

    def has_resend_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    @admin.action(description=_("Send the selected failed notifications again"), permissions=["resend"])
    def resend_failed(self, request, queryset):
        count = notifications_resend_failed(
            notification_ids=queryset.filter(status=Notification.Status.FAILED).values_list("pk", flat=True),
            actor=request.user,
        )
        self.message_user(
            request,
            ngettext("%(count)d notification queued again.", "%(count)d notifications queued again.", count)
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(OperatorOnlyMixin, admin.ModelAdmin):
    list_display = ("user", "kind", "delivery", "updated_at")
    list_filter = ("delivery", "kind")
    list_select_related = ("user",)
    search_fields = ("user__email",)
    raw_id_fields = ("user",)


# --- nudge rules -----------------------------------------------------------------------------------------------

RECENT_RUNS = 20
SENT_WINDOW = timedelta(days=7)
AUDIENCES = {"partners": _("Partner users"), "staff": _("Staff")}


def _when(value) -> str:
    return formats.localize(timezone.localtime(value)) if value else ""


def _thresholds(rule: nudges.Rule, params: dict[str, int]) -> str:
    return "; ".join(f"{param.label}: {params[param.code]}" for param in rule.params)


def _configured_at_link(rule: nudges.Rule) -> str:
    if not rule.configured_at:
        return ""
    try:
        url = reverse(rule.configured_at)
    except NoReverseMatch:
        return ""
    page = rule.configured_at_label or gettext("another page")
    return format_html('<a href="{}">{}</a>', url, gettext("set on: %(page)s") % {"page": page})


@admin.register(NudgeRule)
class NudgeRuleAdmin(admin.ModelAdmin):
    """Every registered rule (a settings row is created for new ones when the list is opened). The list costs a
    fixed number of queries: the rules with their last run (one query), the notices of the last 7 days of every
    rule's kinds (one aggregate). Operators switch rules and set thresholds; channel managers read."""

    form = NudgeRuleForm
    list_display = ("rule_label", "rule_owner", "rule_audience", "enabled", "thresholds", "last_run", "last_run_sent",
                    "sent_last_7_days", "notices_link")
    list_display_links = ("rule_label",)
    ordering = ("code",)
    list_per_page = 100
    show_full_result_count = False
    actions = None
    readonly_fields = ("about", "thresholds", "delivery", "recent_runs", "updated_at", "updated_by")

    # --- permissions ---

    def _can_view(self, request) -> bool:
        user = request.user
        return user.is_active and (user.is_superuser or getattr(user, "is_channel_manager", False)
                                   or user.has_perm("notifications.view_nudgerule"))

    def has_module_permission(self, request):
        return self._can_view(request)

    def has_view_permission(self, request, obj=None):
        return self._can_view(request)

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False  # rules are registered in code

    def has_delete_permission(self, request, obj=None):
        return False

    # --- the list ---

    def get_queryset(self, request):
        codes = [rule.code for rule in nudges.all_rules()]
        return nudge_rules_with_last_run(super().get_queryset(request).filter(code__in=codes))

    def changelist_view(self, request, extra_context=None):
        nudge_rules_ensure()
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if unquote(object_id) in {rule.code for rule in nudges.all_rules()}:
            nudge_rules_ensure()  # a link to a rule registered since the list was last opened
        return super().change_view(request, object_id, form_url, extra_context)

    def get_changelist_instance(self, request):
        """Attach each row's rule and its notices of the last 7 days, counted for the whole page in one query
        (a staff user's count covers their partners, like the notification list it links to)."""
        changelist = super().get_changelist_instance(request)
        rows = list(changelist.result_list)
        rules = {row.code: nudges.get_rule(row.code) for row in rows}
        kinds = {kind for rule in rules.values() for kind in rule.kinds}
        counts = nudge_notice_counts(kinds=kinds, since=timezone.now() - SENT_WINDOW,
                                     partner_ids=getattr(request, "staff_partner_ids", None)) if kinds else {}
        for row in rows:
            row.rule = rules[row.code]
            found = [counts.get(kind, NoticeCount()) for kind in row.rule.kinds]
            row.week = NoticeCount(sum(c.written for c in found), sum(c.delivered for c in found))
        return changelist

    @staticmethod
    def _rule(obj) -> nudges.Rule:
        return getattr(obj, "rule", None) or nudges.get_rule(obj.code)

    @admin.display(description=_("rule"), ordering="code")
    def rule_label(self, obj):
        return self._rule(obj).label

    @admin.display(description=_("app"))
    def rule_owner(self, obj):
        return self._rule(obj).owner

    @admin.display(description=_("sent to"))
    def rule_audience(self, obj):
        audience = self._rule(obj).audience
        return AUDIENCES.get(audience, audience)

    @admin.display(description=_("thresholds"))
    def thresholds(self, obj):
        rule = self._rule(obj)
        text = _thresholds(rule, rule.effective(obj.params if isinstance(obj.params, dict) else {}))
        link = _configured_at_link(rule)
        if text and link:
            return format_html("{} ({})", text, link)
        return link or text or "–"

    @admin.display(description=_("last run"))
    def last_run(self, obj):
        started = getattr(obj, "last_started_at", None)
        if started is None:
            return gettext("never")
        if obj.last_error:
            state = gettext("failed: %(error)s") % {"error": obj.last_error[:200]}
        elif obj.last_finished_at is None:
            state = gettext("running")
        elif not obj.last_enabled:
            state = gettext("finished (rule disabled)")
        else:
            state = gettext("finished %(when)s") % {"when": _when(obj.last_finished_at)}
        return format_html("{}<br>{}", _when(started), state)

    @admin.display(description=_("written by the last run"))
    def last_run_sent(self, obj):
        sent = getattr(obj, "last_sent", None)
        return "–" if sent is None else sent

    @admin.display(description=_("notices, last 7 days"))
    def sent_last_7_days(self, obj):
        week = getattr(obj, "week", None) or NoticeCount()
        return gettext("%(written)d (%(delivered)d e-mailed)") % {"written": week.written,
                                                                    "delivered": week.delivered}

    @admin.display(description=_("notices"))
    def notices_link(self, obj):
        kinds = self._rule(obj).kinds
        if not kinds:
            return "–"
        url = reverse("admin:notifications_notification_changelist") + "?" + urlencode({"kind__in": ",".join(kinds)})
        return format_html('<a href="{}">{}</a>', url, gettext("View notices"))

    # --- the change form ---

    def get_fieldsets(self, request, obj=None):
        rule = self._rule(obj)
        if self.has_change_permission(request, obj):
            settings_fields = ["enabled", *param_field_names(rule)]
            if rule.configured_at:
                settings_fields.append("thresholds")
        else:
            settings_fields = ["enabled", "thresholds"]
        return [
            (None, {"fields": ["about"]}),
            (_("Settings"), {"fields": [*settings_fields, "updated_at", "updated_by"]}),
            (_("Delivery"), {"fields": ["delivery"]}),
            (_("Recent runs"), {"fields": ["recent_runs"]}),
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None and self.has_change_permission(request, obj):
            kwargs["form"] = nudge_rule_form(self._rule(obj))
        return super().get_form(request, obj, change=change, **kwargs)

    def save_model(self, request, obj, form, change):
        """Through the service (the form checked the same bounds): defaults not pinned, updated_by, the audit row."""
        saved = nudge_rule_update(code=obj.code, enabled=form.cleaned_data["enabled"], params=form.param_values(),
                                  actor=request.user)
        obj.enabled, obj.params, obj.updated_by = saved.enabled, saved.params, saved.updated_by

    @admin.display(description=_("rule"))
    def about(self, obj):
        rule = self._rule(obj)
        audience = AUDIENCES.get(rule.audience, rule.audience)
        return format_html("<strong>{}</strong> ({}, {})<br>{}", rule.label, rule.code, audience, rule.description)

    @admin.display(description=_("how it is delivered"))
    def delivery(self, obj):
        rows = []
        for code in self._rule(obj).kinds:
            try:
                kind = get_kind(code)
            except LookupError:
                rows.append((code, gettext("not registered: nothing can be sent")))
                continue
            if kind.essential:
                rows.append((kind.label, gettext("a service message: always sent right away")))
            else:
                rows.append((kind.label, gettext(
                    "each recipient chooses in their notification settings: right away (the default), in the "
                    "daily digest, or off")))
        intro = gettext(
            "Each notice is written once per reason and sent in the recipient's language. Recipients who chose "
            "the daily digest for a kind get its notices in one e-mail a day; those who turned it off get none. "
            "Service messages ignore these choices.")
        return format_html("<p>{}</p><ul>{}</ul>", intro, format_html_join("", "<li>{}: {}</li>", rows))

    @admin.display(description=_("last runs"))
    def recent_runs(self, obj):
        runs = nudge_runs_recent(code=obj.code, limit=RECENT_RUNS)
        if not runs:
            return gettext("This rule has not run yet.")
        yes, no = gettext("yes"), gettext("no")
        header = format_html(
            "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            gettext("started"), gettext("finished"), gettext("enabled"), gettext("notices written"), gettext("error"))
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", (
            (_when(run.started_at), _when(run.finished_at), yes if run.enabled else no, run.sent, run.error[:500])
            for run in runs
        ))
        return format_html("<table>{}{}</table>", header, body)
