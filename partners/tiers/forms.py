"""Staff forms for tiers: programs (partner types as checkboxes), tiers (a name per language), the pin,
the reason for declining, and the what-if thresholds."""

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from partners.models import PartnerOrganization, Tier, TierProgram

from .metrics import METRICS


class TierProgramForm(forms.ModelForm):
    partner_types = forms.MultipleChoiceField(
        label=_("Partner types"), choices=PartnerOrganization.PartnerType.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Partners of these types are measured against this program. A type belongs to one active program."),
    )

    class Meta:
        model = TierProgram
        fields = ["code", "name", "partner_types", "grace_days", "warn_before_days", "promotion_requires_approval",
                  "is_active"]


def other_languages() -> list[tuple[str, object]]:
    return [(code, name) for code, name in settings.LANGUAGES if code != "en"]


class _TierFormBase(forms.ModelForm):
    """The English name is the model field; one optional field per other language fills ``translations``."""

    class Meta:
        model = Tier
        fields = ["program", "code", "rank", "name", "min_won_revenue", "min_active_certifications", "min_won_deals",
                  "min_health_score", "deal_protection_days", "mdf_allocation_per_quarter", "mdf_accrual_percent", "mdf_cost_share_percent",
                  "discount_percent", "priority_review"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        existing = (self.instance.translations or {}) if self.instance else {}
        for code, _language in other_languages():
            self.initial.setdefault(f"name_{code}", existing.get(code, ""))

    def save(self, commit=True):
        self.instance.translations = {
            code: self.cleaned_data[f"name_{code}"].strip()
            for code, _language in other_languages() if self.cleaned_data.get(f"name_{code}", "").strip()
        }
        return super().save(commit=commit)


# Declared on the class (not added in __init__) so the admin's fieldsets may name them.
TierForm = type("TierForm", (_TierFormBase,), {
    f"name_{code}": forms.CharField(label=format_lazy("{} ({})", _("Name"), language), max_length=80, required=False)
    for code, language in other_languages()
})


class TierPinForm(forms.Form):
    tier = forms.ModelChoiceField(label=_("Tier to hold"), queryset=Tier.objects.none(), empty_label=_("Choose a tier"))
    until = forms.DateField(label=_("Until (inclusive)"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                             help_text=_("Kept in the history and the audit log."))

    def __init__(self, *args, program_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].queryset = Tier.objects.filter(program_id=program_id).order_by("rank")

    def clean_until(self):
        until = self.cleaned_data["until"]
        if until < timezone.localdate():
            raise forms.ValidationError(_("Choose a date from today on."))
        return until


class TierReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class TierWhatIfForm(forms.Form):
    """One row of four thresholds per tier of the program.

    Global (``region`` None): the tiers' thresholds, prefilled with the saved values, all required. For a region:
    that region's exceptions, prefilled with the saved ones; an empty field inherits the global threshold (shown
    as the placeholder)."""

    def __init__(self, *args, program: TierProgram, region=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.region = region
        self.tiers = list(program.tiers.order_by("rank"))
        saved = {}
        if region is not None:
            from partners.models import TierThresholdOverride

            saved = {o.tier_id: o for o in TierThresholdOverride.objects.filter(tier__program=program, region=region)}
        self.rows = []
        for tier in self.tiers:
            row = []
            for metric in METRICS:
                name = f"t{tier.pk}_{metric.threshold_field}"
                required = region is None
                if metric.money:
                    field = forms.DecimalField(label=metric.label, min_value=0, max_digits=14, decimal_places=2,
                                               required=required)
                else:
                    field = forms.IntegerField(label=metric.label, min_value=0, required=required,
                                               max_value=100 if metric.threshold_field == "min_health_score" else None)
                global_value = getattr(tier, metric.threshold_field)
                if region is None:
                    field.initial = global_value
                else:
                    override = saved.get(tier.pk)
                    field.initial = getattr(override, metric.threshold_field) if override is not None else None
                    field.widget.attrs["placeholder"] = str(global_value)
                self.fields[name] = field
                row.append(name)
            self.rows.append((tier, [self[name] for name in row]))

    @property
    def metrics(self):
        return METRICS

    def edits(self) -> dict[int, dict]:
        """{tier id: {field: value}} from the cleaned data (for a region, None: inherit the global threshold)."""
        return {tier.pk: {m.threshold_field: self.cleaned_data.get(f"t{tier.pk}_{m.threshold_field}") for m in METRICS}
                for tier in self.tiers}
