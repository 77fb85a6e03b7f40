"""What a dashboard shows: the viewer's regions, and the filters a viewer chose (a GET form) narrowed to them.

Region scoping is decided here once: channel managers and executives see their own regions, operators all.
Everything downstream (queries, CSV, the scorecard) receives a ``Filters`` whose region ids are already allowed.
"""

from dataclasses import dataclass, replace
from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from analytics.periods import last_quarters, parse_quarter, quarter_label, quarter_start, quarters_between
from partners.countries import country_name
from partners.models import PartnerOrganization, Region, Tier

DEFAULT_QUARTERS = 4
MAX_QUARTERS = 12  # three years side by side is the widest view that still reads as a chart


def can_view_dashboards(user) -> bool:
    """Staff with a dashboard role: channel managers, executives and operators."""
    return bool(user.is_authenticated and user.is_staff
                and (user.is_operator or user.is_channel_manager or user.is_executive))


def viewer_regions(user) -> list[Region]:
    """The regions a viewer may see (one query): every region for operators, else the user's own."""
    if user.is_operator:
        return list(Region.objects.order_by("name", "pk"))
    if user.is_channel_manager or user.is_executive:
        return list(user.regions.order_by("name", "pk"))
    return []


@dataclass(frozen=True)
class Filters:
    """A dashboard's filters. ``region_ids`` is never wider than the viewer's regions (see ``filters_for``)."""

    region_ids: tuple[int, ...]
    quarters: tuple[date, ...]
    country: str = ""
    partner_type: str = ""
    tier_id: int | None = None

    @property
    def first_quarter(self) -> date:
        return self.quarters[0]

    @property
    def last_quarter(self) -> date:
        return self.quarters[-1]

    def for_region(self, region_id: int) -> "Filters":
        return replace(self, region_ids=(region_id,))


def default_quarters(today: date | None = None) -> tuple[date, ...]:
    return tuple(last_quarters(today or timezone.localdate(), DEFAULT_QUARTERS))


def _quarter_choices(today: date) -> list[tuple[str, str]]:
    starts = last_quarters(today, 20)
    return [(quarter_label(q), quarter_label(q)) for q in reversed(starts)]


class DashboardFilterForm(forms.Form):
    """The filters as a GET form. Invalid input is reported on the form and the defaults are used instead."""

    region = forms.MultipleChoiceField(label=_("Regions"), required=False, widget=forms.CheckboxSelectMultiple)
    country = forms.ChoiceField(label=_("Country"), required=False)
    partner_type = forms.ChoiceField(label=_("Partner type"), required=False)
    tier = forms.TypedChoiceField(label=_("Tier"), required=False, coerce=int, empty_value=None)
    start = forms.ChoiceField(label=_("From quarter"), required=False)
    end = forms.ChoiceField(label=_("To quarter"), required=False)

    def __init__(self, data=None, *, regions: list[Region], tiers: list[Tier], today: date | None = None,
                 region_fixed: bool = False):
        super().__init__(data)
        self.today = today or timezone.localdate()
        self.regions = regions
        if region_fixed:
            del self.fields["region"]
        else:
            self.fields["region"].choices = [(r.code, r.name) for r in regions]
        countries = sorted({code for region in regions for code in (region.countries or [])})
        self.fields["country"].choices = [("", _("All countries"))] + [(c, country_name(c)) for c in countries]
        self.fields["partner_type"].choices = [("", _("All partner types"))] + list(
            PartnerOrganization.PartnerType.choices)
        self.fields["tier"].choices = [("", _("All tiers"))] + [(t.pk, tier_label(t)) for t in tiers]
        quarters = _quarter_choices(self.today)
        defaults = default_quarters(self.today)
        self.fields["start"].choices = quarters
        self.fields["end"].choices = quarters
        self.fields["start"].initial = quarter_label(defaults[0])
        self.fields["end"].initial = quarter_label(defaults[-1])

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start or end:
            last = parse_quarter(end) if end else quarter_start(self.today)
            first = parse_quarter(start) if start else last_quarters(last, DEFAULT_QUARTERS)[0]
            if first > last:
                self.add_error("end", _("The last quarter cannot come before the first."))
            elif len(quarters_between(first, last)) > MAX_QUARTERS:
                self.add_error("end", _("Choose at most %(count)s quarters.") % {"count": MAX_QUARTERS})
        return cleaned


def tier_label(tier: Tier) -> str:
    """"Gold (Sell-through)": tier names repeat across programs."""
    program = getattr(tier, "program", None)
    return f"{tier.display_name()} ({program.name})" if program is not None else tier.display_name()


def filters_for(form: DashboardFilterForm, *, region_ids: tuple[int, ...] | None = None) -> Filters:
    """The filters of a validated (or invalid: then only its valid fields count) form, limited to the viewer's
    regions. ``region_ids`` fixes the regions (a drill-down into one region)."""
    data = form.cleaned_data if form.is_bound else {}
    allowed = {r.code: r.pk for r in form.regions}
    if region_ids is None:
        chosen = [allowed[code] for code in (data.get("region") or []) if code in allowed]
        region_ids = tuple(chosen) if chosen else tuple(allowed.values())
    else:
        region_ids = tuple(pk for pk in region_ids if pk in allowed.values())
    quarters = default_quarters(form.today)
    if form.is_bound and not (form.errors.get("start") or form.errors.get("end")):
        end = parse_quarter(data["end"]) if data.get("end") else quarters[-1]
        start = parse_quarter(data["start"]) if data.get("start") else last_quarters(end, DEFAULT_QUARTERS)[0]
        if start <= end:
            quarters = tuple(quarters_between(start, end))[-MAX_QUARTERS:]
    return Filters(region_ids=region_ids, quarters=quarters, country=data.get("country") or "",
                   partner_type=data.get("partner_type") or "", tier_id=data.get("tier"))
