"""Explaining a health score: one translated factor per component, and what would raise the score most.

Read by the partner home, the health API and the staff pages; works on the stored ``HealthScore.components``
(see ``analytics.health.scoring`` for what each value means), so explaining never re-measures anything.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from analytics.models import HealthModel, HealthScore
from analytics.models.health import COMPONENTS

LABELS = {
    "login_recency": gettext_lazy("Sign-in recency"),
    "active_users": gettext_lazy("Active users"),
    "training": gettext_lazy("Training completions"),
    "certifications": gettext_lazy("Active certifications"),
    "pipeline_growth": gettext_lazy("Pipeline growth"),
    "win_rate": gettext_lazy("Win rate"),
    "mdf_utilisation": gettext_lazy("MDF utilisation"),
    "psat": gettext_lazy("Partner satisfaction (PSAT)"),
    "asset_downloads": gettext_lazy("Asset downloads"),
}


@dataclass(frozen=True)
class Factor:
    code: str
    label: str
    points: float      # earned, after scaling the weights of the components that apply to 100
    weight: float      # possible (the scaled weight)
    value: object      # the measured value (see analytics.health.scoring for its unit per component)
    previous: object   # the comparison value where there is one (pipeline: the 90 days before, base currency)
    message: str

    @property
    def missing(self) -> float:
        return max(0.0, round(self.weight - self.points, 2))


def label(code: str) -> str:
    return str(LABELS.get(code, code))


def _pct(value) -> str:
    """A percentage for a sentence: whole numbers unless a decimal matters."""
    number = abs(float(value))
    return f"{number:.0f}" if number >= 10 or number == int(number) else f"{number:.1f}"


def _count(value) -> int:
    return int(value or 0)


def _describe(code: str, entry: dict) -> str:
    value = entry.get("value")
    detail = entry.get("detail") or {}
    if code == "login_recency":
        if value is None:
            return _("Nobody has signed in yet.")
        if value == 0:
            return _("Someone signed in today.")
        if float(entry.get("points") or 0) >= float(entry.get("weight") or 0):
            return ngettext("Someone signed in %(days)s day ago.", "Someone signed in %(days)s days ago.",
                            value) % {"days": value}
        return ngettext("Nobody has signed in for %(days)s day.", "Nobody has signed in for %(days)s days.",
                        value) % {"days": value}
    if code == "active_users":
        members, active = detail.get("members"), detail.get("active")
        if members is not None and active is not None:
            if not members:
                return _("The partner has no active members.")
            return ngettext("%(active)s of %(members)s member signed in during the last 30 days.",
                            "%(active)s of %(members)s members signed in during the last 30 days.",
                            members) % {"active": active, "members": members}
        return _("%(percent)s%% of members signed in during the last 30 days.") % {"percent": _pct(value or 0)}
    if code == "training":
        count = _count(value)
        return ngettext("%(count)s course completed in the last 90 days.",
                        "%(count)s courses completed in the last 90 days.", count) % {"count": count}
    if code == "certifications":
        count = _count(value)
        return ngettext("%(count)s active certification.", "%(count)s active certifications.", count) % {"count": count}
    if code == "pipeline_growth":
        if value is None:
            return _("New pipeline in the last 90 days, none in the 90 days before.")
        if value < 0:
            return _("Pipeline fell %(percent)s%% compared with the 90 days before.") % {"percent": _pct(value)}
        if value > 0:
            return _("Pipeline grew %(percent)s%% compared with the 90 days before.") % {"percent": _pct(value)}
        return _("Pipeline is level with the 90 days before.")
    if code == "win_rate":
        won, lost = detail.get("won"), detail.get("lost")
        if won is not None and lost is not None:
            return _("Won %(won)s of %(closed)s deals closed in the last 12 months (%(percent)s%%).") % {
                "won": won, "closed": won + lost, "percent": _pct(value or 0)}
        return _("Won %(percent)s%% of the deals closed in the last 12 months.") % {"percent": _pct(value or 0)}
    if code == "mdf_utilisation":
        return _("%(percent)s%% of the open MDF funds is reserved or spent.") % {"percent": _pct(value or 0)}
    if code == "psat":
        score = Decimal(str(value or 0)).quantize(Decimal("0.1"))
        return _("Average satisfaction score %(score)s out of 10 in the last 180 days.") % {"score": score}
    if code == "asset_downloads":
        count = _count(value)
        return ngettext("%(count)s asset downloaded in the last 90 days.",
                        "%(count)s assets downloaded in the last 90 days.", count) % {"count": count}
    return ""


def _advise(code: str, entry: dict, model: HealthModel) -> str:
    value = entry.get("value")
    detail = entry.get("detail") or {}
    if code == "login_recency":
        return ngettext("Sign in at least once every %(days)s day to keep full points.",
                        "Sign in at least once every %(days)s days to keep full points.",
                        model.login_full_days) % {"days": model.login_full_days}
    if code == "active_users":
        missing = max(1, _count(detail.get("members")) - _count(detail.get("active")))
        return ngettext("Get %(count)s more colleague to sign in within the next 30 days.",
                        "Get %(count)s more colleagues to sign in within the next 30 days.", missing) % {"count": missing}
    if code == "training":
        missing = max(1, model.target_training_completions_90d - _count(value))
        return ngettext("Complete %(count)s more course in the next 90 days.",
                        "Complete %(count)s more courses in the next 90 days.", missing) % {"count": missing}
    if code == "certifications":
        missing = max(1, model.target_certifications - _count(value))
        return ngettext("Earn %(count)s more certification.", "Earn %(count)s more certifications.",
                        missing) % {"count": missing}
    if code == "pipeline_growth":
        return _("Register more deals: full points when the last 90 days bring 50% more pipeline than the 90 days "
                 "before.")
    if code == "win_rate":
        return _("Win more of the deals you register: qualify early and ask your channel manager for help on "
                 "deals at risk.")
    if code == "mdf_utilisation":
        return _("Put your market development funds to work: request activities for the unused balance.")
    if code == "psat":
        return _("Tell your channel manager what would make the program work better for you.")
    if code == "asset_downloads":
        missing = max(1, model.target_asset_downloads_90d - _count(value))
        return ngettext("Download %(count)s more sales or marketing asset in the next 90 days.",
                        "Download %(count)s more sales or marketing assets in the next 90 days.",
                        missing) % {"count": missing}
    return ""


def _factor(code: str, entry: dict, message: str) -> Factor:
    return Factor(code=code, label=label(code), points=float(entry.get("points") or 0),
                  weight=float(entry.get("weight") or 0), value=entry.get("value"), previous=entry.get("previous"),
                  message=message)


def factors(score: HealthScore) -> list[Factor]:
    """Every component that applied to the score, in COMPONENTS order, with a sentence saying what was measured."""
    components = score.components or {}
    return [_factor(code, components[code], _describe(code, components[code]))
            for code in COMPONENTS if code in components]


def improvements(score: HealthScore, limit: int = 3, *, model: HealthModel | None = None) -> list[Factor]:
    """The components with the most missing points first (ties in COMPONENTS order); message = what to do."""
    components = score.components or {}
    model = model or HealthModel.current()
    candidates = [_factor(code, components[code], _advise(code, components[code], model))
                  for code in COMPONENTS if code in components]
    candidates = [f for f in candidates if f.missing >= 0.5]
    candidates.sort(key=lambda f: -f.missing)  # stable: ties keep COMPONENTS order
    return candidates[:limit]


def latest_for(partner_id) -> HealthScore | None:
    """The partner's latest score, read through the scoped manager (so only inside a scope that covers it)."""
    return HealthScore.objects.filter(partner_id=int(getattr(partner_id, "pk", partner_id))).order_by("-day").first()
