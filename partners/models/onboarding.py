"""Onboarding: the checklist steps a partner has done, its company profile and payout details,
agreements (operators' versioned texts, append-only acceptances and their PDFs) and the
compliance questionnaire (operators' questions, the partner's answers and their review)."""

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.crypto import EncryptedTextField
from prm.tenancy.models import PartnerOwned
from prm.tenancy.scoping import PartnerScopedManager

from .core import PartnerOrganization


class OnboardingStep(PartnerOwned):
    """One checklist step done by a partner, with when and by whom (codes: partners.onboarding_steps)."""

    code = models.SlugField(_("step"), max_length=40)
    completed_at = models.DateTimeField(_("completed"), default=timezone.now)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("completed by"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("onboarding step")
        verbose_name_plural = _("onboarding steps")
        ordering = ["completed_at"]
        constraints = [models.UniqueConstraint(fields=["partner", "code"], name="onboarding_step_unique_partner_code")]

    def __str__(self) -> str:
        return f"{self.code} @ {self.partner_id}"


class OnboardingProfile(PartnerOwned):
    """The partner's own company details beyond the name (legal name and website live on the partner)."""

    address_line1 = models.CharField(_("address"), max_length=200)
    address_line2 = models.CharField(_("address (line 2)"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20)
    city = models.CharField(_("city"), max_length=100)
    country = models.CharField(_("country"), max_length=2)
    vat_id = models.CharField(_("VAT / tax ID"), max_length=30)
    phone = models.CharField(_("phone"), max_length=30)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        verbose_name = _("company profile")
        verbose_name_plural = _("company profiles")
        constraints = [models.UniqueConstraint(fields=["partner"], name="onboarding_profile_one_per_partner")]

    def __str__(self) -> str:
        return f"{self.city}, {self.country}"


class PayoutDetails(PartnerOwned):
    """Where the vendor pays the partner (MDF, referral fees). Shown masked everywhere; the IBAN and the
    account number are encrypted at rest (partners/crypto.py), the bank codes (BIC, routing) are public."""

    class Method(models.TextChoices):
        IBAN = "iban", _("IBAN")
        ACCOUNT = "account", _("Account and routing number")

    account_holder = models.CharField(_("account holder"), max_length=200)
    bank_country = models.CharField(_("bank country"), max_length=2)
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    iban = EncryptedTextField(_("IBAN"), blank=True)
    bic = models.CharField(_("BIC / SWIFT"), max_length=11, blank=True)
    account_number = EncryptedTextField(_("account number"), blank=True)
    routing_number = models.CharField(_("routing number / bank code"), max_length=20, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        verbose_name = _("payout details")
        verbose_name_plural = _("payout details")
        constraints = [models.UniqueConstraint(fields=["partner"], name="payout_details_one_per_partner")]

    def __str__(self) -> str:
        return self.masked_account

    @property
    def masked_account(self) -> str:
        """Only the last four characters: enough to recognise the account, useless to anyone else."""
        raw = self.iban if self.method == self.Method.IBAN else self.account_number
        if not raw:
            return ""
        prefix = raw[:2] if self.method == self.Method.IBAN else ""
        return f"{prefix}{'•' * 4} {raw[-4:]}"


# --- Agreements ---------------------------------------------------------------------------------


class AgreementTemplate(models.Model):
    """An agreement for a group of partners: a partner type (blank: all), a region (empty: all), a language."""

    name = models.CharField(_("name"), max_length=200)
    partner_type = models.CharField(
        _("partner type"), max_length=32, choices=PartnerOrganization.PartnerType.choices, blank=True,
        help_text=_("Leave empty for every partner type."),
    )
    region = models.ForeignKey(
        "partners.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("region"), help_text=_("Leave empty for every region."),
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["name", "language"]
        constraints = [
            # NULL regions are distinct in a plain unique index, hence two partial ones.
            models.UniqueConstraint(fields=["partner_type", "region", "language"], condition=Q(region__isnull=False),
                                    name="agreement_template_unique_type_region_language"),
            models.UniqueConstraint(fields=["partner_type", "language"], condition=Q(region__isnull=True),
                                    name="agreement_template_unique_type_language_all_regions"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"


def agreement_content_hash(*, title: str, body: str) -> str:
    """sha256 over the text as shown; line endings normalised so the same text always hashes the same."""
    text = f"{title.strip()}\n\n{body.strip()}".replace("\r\n", "\n")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class AgreementVersion(models.Model):
    """One version of an agreement's text. Once published it never changes (acceptances point at it)."""

    IMMUTABLE_FIELDS = ("template_id", "version", "title", "body", "effective_date", "content_hash", "published_at")

    template = models.ForeignKey(AgreementTemplate, on_delete=models.PROTECT, related_name="versions",
                                 verbose_name=_("agreement"))
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(
        _("text"), help_text=_("Plain text. Blank lines separate paragraphs; lines starting with # are headings, "
                               "with - list items.")
    )
    effective_date = models.DateField(_("effective date"))
    reaccept_deadline = models.DateField(
        _("re-acceptance deadline"), null=True, blank=True,
        help_text=_("Partners who accepted an earlier version may keep working until this date; "
                    "without a date they must accept at once."),
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True, editable=False)
    content_hash = models.CharField(_("content hash (SHA-256)"), max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False)

    class Meta:
        verbose_name = _("agreement version")
        verbose_name_plural = _("agreement versions")
        ordering = ["template", "-version"]
        constraints = [models.UniqueConstraint(fields=["template", "version"], name="agreement_version_unique")]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    def save(self, *args, **kwargs):
        # Published text is evidence: refuse any change to it (only the deadline may move).
        if self.pk:
            stored = type(self).objects.filter(pk=self.pk).values(*self.IMMUTABLE_FIELDS).first()
            if stored and stored["published_at"] is not None:
                changed = [name for name in self.IMMUTABLE_FIELDS if stored[name] != getattr(self, name)]
                if changed:
                    raise ValidationError(_("A published agreement version cannot be changed; publish a new version."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_published:
            raise ValidationError(_("A published agreement version cannot be deleted."))
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def computed_hash(self) -> str:
        return agreement_content_hash(title=self.title, body=self.body)


class AppendOnlyError(Exception):
    """An attempt to change or delete an append-only record."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Agreement acceptances are append-only; they cannot be updated.")

    def delete(self):
        # Deleting nothing changes no record; generic clean-ups (demo reset) may ask for it.
        if not self.exists():
            return 0, {}
        raise AppendOnlyError("Agreement acceptances are append-only; they cannot be deleted.")


class AgreementAcceptance(PartnerOwned):
    """A partner admin accepted one agreement version for the company: who, when, from where, what exactly.

    Append-only: refused here (save on an existing row, delete, queryset update/delete) and by
    database triggers (partners/sql.py).
    """

    version = models.ForeignKey(AgreementVersion, on_delete=models.PROTECT, related_name="acceptances",
                                verbose_name=_("version"))
    template = models.ForeignKey(AgreementTemplate, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("agreement"))
    version_number = models.PositiveIntegerField(_("version"))
    content_hash = models.CharField(_("content hash (SHA-256)"), max_length=64)
    language = models.CharField(_("language"), max_length=8)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("accepted by"))
    accepted_by_name = models.CharField(_("name"), max_length=200)
    accepted_by_email = models.EmailField(_("e-mail address"))
    accepted_at = models.DateTimeField(_("accepted"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=400, blank=True)

    objects = PartnerScopedManager(AppendOnlyQuerySet)

    class Meta:
        verbose_name = _("agreement acceptance")
        verbose_name_plural = _("agreement acceptances")
        ordering = ["-accepted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "version"], name="agreement_acceptance_unique_partner_version")
        ]
        indexes = [models.Index(fields=["partner", "template", "-accepted_at"], name="agreement_acc_partner_tpl")]

    def __str__(self) -> str:
        return f"v{self.version_number} {self.accepted_by_email} {self.accepted_at:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Agreement acceptances are append-only; they cannot be updated.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Agreement acceptances are append-only; they cannot be deleted.")

    def get_pdf_url(self) -> str:
        return reverse("partners:agreement_pdf", kwargs={"pk": self.pk})


def agreement_pdf_path(instance, filename: str) -> str:
    return f"agreements/{instance.partner_id}/{filename}"


class AgreementPdf(PartnerOwned):
    """The PDF of an acceptance, rendered by a worker into private storage (served by a scope-checked view)."""

    acceptance = models.OneToOneField(AgreementAcceptance, on_delete=models.CASCADE, related_name="pdf",
                                      verbose_name=_("acceptance"))
    file = models.FileField(_("file"), upload_to=agreement_pdf_path, max_length=300)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("agreement PDF")
        verbose_name_plural = _("agreement PDFs")
        constraints = [models.UniqueConstraint(fields=["partner", "acceptance"], name="agreement_pdf_unique")]

    def __str__(self) -> str:
        return self.file.name


# --- Compliance questionnaire ---------------------------------------------------------------------


class ComplianceQuestion(models.Model):
    """An operator's question (anti-bribery due diligence, data protection), in every language."""

    class Topic(models.TextChoices):
        ANTI_BRIBERY = "anti_bribery", _("Anti-bribery (FCPA) due diligence")
        DATA_PROTECTION = "data_protection", _("Data protection")
        OTHER = "other", _("Other")

    class AnswerType(models.TextChoices):
        YES_NO = "yes_no", _("Yes / no")
        TEXT = "text", _("Text")

    class ReviewWhen(models.TextChoices):
        NEVER = "never", _("Never")
        YES = "yes", _("When answered yes")
        NO = "no", _("When answered no")
        ANY_TEXT = "any_text", _("When any text is given")

    code = models.SlugField(_("code"), max_length=50, unique=True)
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices, default=Topic.ANTI_BRIBERY)
    text = models.JSONField(
        _("question"), default=dict,
        help_text=_('The question per language code, e.g. {"en": "…", "de": "…"}. English is the fallback.'),
    )
    answer_type = models.CharField(_("answer type"), max_length=10, choices=AnswerType.choices,
                                   default=AnswerType.YES_NO)
    review_when = models.CharField(_("needs review"), max_length=10, choices=ReviewWhen.choices,
                                   default=ReviewWhen.NEVER)
    required = models.BooleanField(_("required"), default=True)
    partner_types = models.JSONField(_("partner types"), default=list, blank=True,
                                     help_text=_("Partner type codes that get this question; empty: all."))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("compliance question")
        verbose_name_plural = _("compliance questions")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.code

    def clean(self):
        if not isinstance(self.text, dict) or not str(self.text.get("en", "")).strip():
            raise ValidationError({"text": _("Give at least the English text, under the key “en”.")})
        unknown = set(self.text) - {code for code, _name in settings.LANGUAGES}
        if unknown:
            raise ValidationError({"text": _("Unknown language codes: %(codes)s") % {"codes": ", ".join(sorted(unknown))}})
        if not isinstance(self.partner_types, list) or set(self.partner_types) - set(PartnerOrganization.PartnerType.values):
            raise ValidationError({"partner_types": _("Use a list of partner type codes.")})
        yes_no_only = {self.ReviewWhen.YES, self.ReviewWhen.NO}
        if self.answer_type == self.AnswerType.TEXT and self.review_when in yes_no_only:
            raise ValidationError({"review_when": _("A text answer can only need review when any text is given.")})
        if self.answer_type == self.AnswerType.YES_NO and self.review_when == self.ReviewWhen.ANY_TEXT:
            raise ValidationError({"review_when": _("A yes/no answer needs review on yes or on no.")})

    def text_for(self, language: str | None) -> str:
        texts = self.text if isinstance(self.text, dict) else {}
        return str(texts.get(language or "") or texts.get(settings.LANGUAGE_CODE) or texts.get("en") or self.code)

    def applies_to(self, partner_type: str) -> bool:
        return not self.partner_types or partner_type in self.partner_types

    def needs_review(self, answer: str) -> bool:
        answer = (answer or "").strip()
        if self.review_when == self.ReviewWhen.YES:
            return answer == "yes"
        if self.review_when == self.ReviewWhen.NO:
            return answer == "no"
        if self.review_when == self.ReviewWhen.ANY_TEXT:
            return bool(answer)
        return False


class ComplianceResponse(PartnerOwned):
    """One submission of the partner's answers (a snapshot of the questions as asked) and its review.

    A partner may submit again (to correct an answer, or because a manager asked for changes): the new
    submission becomes the current one and the earlier ones stay, marked replaced, as the due-diligence
    history. Exactly one submission per partner is current (a partial unique constraint)."""

    class Review(models.TextChoices):
        NOT_NEEDED = "not_needed", _("No review needed")
        PENDING = "pending", _("Waiting for review")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        CLEARED = "cleared", _("Cleared")

    number = models.PositiveIntegerField(_("submission"), default=1)
    answers = models.JSONField(_("answers"), default=list)
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("submitted by"))
    review_status = models.CharField(_("review"), max_length=20, choices=Review.choices, default=Review.NOT_NEEDED,
                                     db_index=True)
    review_reasons = models.JSONField(_("reasons for review"), default=list, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("reviewed by"))
    review_note = models.TextField(_("review note"), blank=True)
    clearance_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("clearance carried over from"),
        help_text=_("The flagged answers are the same as in this earlier, cleared submission."),
    )
    superseded_at = models.DateTimeField(_("replaced"), null=True, blank=True,
                                         help_text=_("When a newer submission replaced this one."))

    class Meta:
        verbose_name = _("compliance questionnaire")
        verbose_name_plural = _("compliance questionnaires")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "number"], name="compliance_response_unique_partner_number"),
            models.UniqueConstraint(fields=["partner"], condition=Q(superseded_at__isnull=True),
                                    name="compliance_response_one_current_per_partner"),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id} #{self.number}: {self.get_review_status_display()}"

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    @property
    def blocks_activation(self) -> bool:
        return self.is_current and self.review_status in (self.Review.PENDING, self.Review.CHANGES_REQUESTED)

    def flagged_answers(self) -> set[tuple[str, str]]:
        """(question code, answer) of every answer that needed review: what a clearance covered."""
        return {(str(item.get("code", "")), str(item.get("answer", ""))) for item in self.answers or []
                if item.get("needs_review")}
