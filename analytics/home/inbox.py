"""The action inbox: what this person should do next, most urgent first.

Each source is one small aggregate (analytics.home.selectors), read live in the partner's scope, so an
item disappears as soon as it is done; the number of queries does not depend on how many deals,
activities or courses the partner has. An item is only offered to someone who can act on it: deal items
to people who may register deals, MDF items to people who may claim MDF, the agreement and onboarding to
partner admins, the team's certifications to people who manage the team.
"""

from dataclasses import dataclass, replace
from datetime import date

from babel.lists import format_list
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from prm.common.money import babel_locale, format_money, format_number

from .data import HomeData
from .selectors import CERTIFICATION_EXPIRY_DAYS

HIGH, MEDIUM, LOW = "high", "medium", "low"
SEVERITY_RANK = {HIGH: 0, MEDIUM: 1, LOW: 2}
URGENT_DAYS = 7  # a deadline within a week makes any item urgent

# Kinds, in the order that breaks ties (same severity, same due date).
KINDS = (
    "agreement", "deals_expiring", "mdf_claim_due", "mdf_funds_expiring", "deals_more_info", "mdf_activity_info",
    "mdf_claim_info", "onboarding", "tier_at_risk", "certifications_expiring", "team_certifications_expiring",
    "paths_not_started", "psat",
)


@dataclass(frozen=True)
class Action:
    kind: str
    severity: str      # "high", "medium" or "low"
    text: str          # translated, counts and dates formatted for the active language
    url: str
    due: date | None = None
    count: int = 1
    days_left: int | None = None  # from today to ``due`` (set by inbox_for)

    def sort_key(self) -> tuple:
        return (SEVERITY_RANK[self.severity], self.due or date.max, KINDS.index(self.kind))


def _date(value: date) -> str:
    return date_format(value, "DATE_FORMAT")


def _by_deadline(due: date | None, today: date, *, default: str = MEDIUM) -> str:
    return HIGH if due is not None and (due - today).days <= URGENT_DAYS else default


def _link(single_pk: int | None, detail: str, listing: str, query: str = "") -> str:
    """The one item's page when there is exactly one, else the filtered list."""
    if single_pk is not None:
        return reverse(detail, args=[single_pk])
    return reverse(listing) + (f"?{query}" if query else "")


def _deal_actions(data: HomeData) -> list[Action]:
    if not data.can("can_register_deals"):
        return []
    deals, actions = data.deals, []
    if deals.expiring:
        count = deals.expiring
        text = ngettext(
            "%(count)s registration's protection ends on %(date)s: ask for an extension or record the outcome.",
            "%(count)s registrations' protection ends within 7 days, the first on %(date)s.", count,
        ) % {"count": format_number(count), "date": _date(deals.expiring_first)}
        actions.append(Action("deals_expiring", _by_deadline(deals.expiring_first, data.today), text,
                              _link(deals.expiring_pk, "dealreg:deal_detail", "dealreg:deal_list", "status=approved"),
                              deals.expiring_first, count))
    if deals.more_info:
        count = deals.more_info
        text = ngettext("%(count)s registration is waiting for more information from you.",
                        "%(count)s registrations are waiting for more information from you.",
                        count) % {"count": format_number(count)}
        actions.append(Action("deals_more_info", MEDIUM, text,
                              _link(deals.more_info_pk, "dealreg:deal_detail", "dealreg:deal_list", "status=more_info"),
                              None, count))
    return actions


def _mdf_actions(data: HomeData) -> list[Action]:
    if not data.can("can_claim_mdf"):
        return []
    mdf, actions = data.mdf, []
    if mdf.claim_due:
        count = mdf.claim_due
        text = ngettext("Claim the costs of %(count)s pre-approved activity by %(date)s.",
                        "Claim the costs of %(count)s pre-approved activities: the first claim window closes on "
                        "%(date)s.", count) % {"count": format_number(count), "date": _date(mdf.claim_due_first)}
        actions.append(Action("mdf_claim_due", _by_deadline(mdf.claim_due_first, data.today), text,
                              _link(mdf.claim_due_pk, "mdf:activity_detail", "mdf:overview", "status=approved"),
                              mdf.claim_due_first, count))
    if mdf.activity_info:
        count = mdf.activity_info
        text = ngettext("%(count)s MDF request is waiting for more information from you.",
                        "%(count)s MDF requests are waiting for more information from you.",
                        count) % {"count": format_number(count)}
        actions.append(Action("mdf_activity_info", MEDIUM, text,
                              _link(mdf.activity_info_pk, "mdf:activity_detail", "mdf:overview", "status=more_info"),
                              None, count))
    if mdf.claim_info:
        count = mdf.claim_info
        text = ngettext("%(count)s MDF claim is waiting for more information from you.",
                        "%(count)s MDF claims are waiting for more information from you.",
                        count) % {"count": format_number(count)}
        actions.append(Action("mdf_claim_info", MEDIUM, text,
                              _link(mdf.claim_info_pk, "mdf:activity_detail", "mdf:overview"), None, count))
    funds = data.funds_expiring
    if funds:
        first = funds[0]
        if len(funds) == 1:
            text = _("%(amount)s of your %(period)s fund is unspent and expires on %(date)s.") % {
                "amount": format_money(first.available, first.currency), "period": first.label,
                "date": _date(first.expires_on)}
            url = reverse("mdf:fund_detail", args=[first.pk])
        else:
            text = ngettext("%(count)s fund with unspent money expires soon, the first on %(date)s.",
                            "%(count)s funds with unspent money expire soon, the first on %(date)s.",
                            len(funds)) % {"count": format_number(len(funds)), "date": _date(first.expires_on)}
            url = reverse("mdf:overview")
        actions.append(Action("mdf_funds_expiring", _by_deadline(first.expires_on, data.today), text,
                              url, first.expires_on, len(funds)))
    return actions


def _agreement_actions(data: HomeData) -> list[Action]:
    from partners.onboarding_selectors import AgreementState

    if not data.is_admin:
        return []
    status = data.agreement
    url = reverse("partners:agreement")
    if status.state == AgreementState.REQUIRED:
        text = (_("Accept the new version of the partner agreement: until then the portal stays locked.")
                if status.accepted else _("Accept the partner agreement for your company."))
        return [Action("agreement", HIGH, text, url, status.deadline)]
    if status.state == AgreementState.DUE:
        text = _("Accept the new version of the partner agreement by %(date)s.") % {"date": _date(status.deadline)}
        return [Action("agreement", _by_deadline(status.deadline, data.today), text, url,
                       status.deadline)]
    return []


def _onboarding_actions(data: HomeData) -> list[Action]:
    # Most steps are the partner admins' (StepDefinition.admin_only); others are anyone's.
    missing = [step for step in data.onboarding_missing if data.is_admin or not step.definition.admin_only]
    if not missing:
        return []
    count = len(missing)
    text = ngettext("%(count)s onboarding step is still open: %(steps)s.",
                    "%(count)s onboarding steps are still open: %(steps)s.", count) % {
        "count": format_number(count),
        "steps": format_list([str(step.definition.label) for step in missing], locale=babel_locale())}
    return [Action("onboarding", MEDIUM, text, reverse("partners:onboarding"), None, count)]


def _learning_actions(data: HomeData) -> list[Action]:
    actions = []
    progress = data.tier_progress
    risk = progress.expiry_risk if progress is not None else None
    if risk is not None:
        text = ngettext("Your %(tier)s depends on %(count)s certification that expires within %(days)s days.",
                        "Your %(tier)s depends on %(count)s certifications that expire within %(days)s days.",
                        risk.expiring) % {"tier": risk.tier.display_name(), "count": format_number(risk.expiring),
                                          "days": format_number(risk.within_days)}
        actions.append(Action("tier_at_risk", MEDIUM, text, reverse("partners:tier"), None, risk.expiring))
    certs = data.certifications
    if certs.mine_expiring:
        count = certs.mine_expiring
        text = ngettext("%(count)s of your certifications expires on %(date)s: renew it in time.",
                        "%(count)s of your certifications expire within %(days)s days, the first on %(date)s.",
                        count) % {"count": format_number(count), "date": _date(certs.mine_expiring_first),
                                  "days": format_number(CERTIFICATION_EXPIRY_DAYS)}
        actions.append(Action("certifications_expiring",
                              _by_deadline(certs.mine_expiring_first, data.today, default=LOW), text,
                              reverse("enablement:certificates"), certs.mine_expiring_first, count))
    if certs.others_expiring and data.can("can_manage_users"):
        count = certs.others_expiring
        text = ngettext("Your team: %(count)s certification expires within %(days)s days, the first on %(date)s.",
                        "Your team: %(count)s certifications expire within %(days)s days, the first on %(date)s.",
                        count) % {"count": format_number(count), "date": _date(certs.others_expiring_first),
                                  "days": format_number(CERTIFICATION_EXPIRY_DAYS)}
        actions.append(Action("team_certifications_expiring", LOW, text, reverse("enablement:team_progress"),
                              certs.others_expiring_first, count))
    paths = data.learning
    if paths.paths_not_started:
        count = paths.paths_not_started
        if paths.paths_first_due is not None:
            text = ngettext("%(count)s learning path assigned to you is not started yet; it is due on %(date)s.",
                            "%(count)s learning paths assigned to you are not started yet, the first due on %(date)s.",
                            count) % {"count": format_number(count), "date": _date(paths.paths_first_due)}
        else:
            text = ngettext("%(count)s learning path assigned to you is not started yet.",
                            "%(count)s learning paths assigned to you are not started yet.",
                            count) % {"count": format_number(count)}
        actions.append(Action("paths_not_started",
                              _by_deadline(paths.paths_first_due, data.today, default=LOW), text,
                              reverse("enablement:my_learning"), paths.paths_first_due, count))
    return actions


def _psat_actions(data: HomeData) -> list[Action]:
    invitation = data.psat_invitation
    if invitation is None:
        return []
    return [Action("psat", LOW, _("How are we doing? A two-minute partner survey is waiting for you."),
                   reverse("psat:member_answer", args=[invitation.pk]), timezone.localdate(invitation.expires_at))]


SOURCES = (_agreement_actions, _deal_actions, _mdf_actions, _onboarding_actions, _learning_actions, _psat_actions)


def inbox_for(data: HomeData) -> list[Action]:
    """Every action this person can take now, most urgent first (severity, then due date, then kind)."""
    actions = [action for source in SOURCES for action in source(data)]
    actions = [replace(a, days_left=(a.due - data.today).days) if a.due is not None else a for a in actions]
    return sorted(actions, key=Action.sort_key)
