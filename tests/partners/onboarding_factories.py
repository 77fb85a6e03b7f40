"""Builders for onboarding tests: agreement texts and versions, acceptances, compliance questions."""

from datetime import date

from django.utils import timezone

from partners.models import (
    AgreementAcceptance,
    AgreementTemplate,
    AgreementVersion,
    ComplianceQuestion,
    Membership,
    PartnerOrganization,
)
from prm.tenancy.scoping import partner_scope
from tests.factories import make_member

AGREEMENT_BODY = """# 1. Scope
The partner resells the vendor's products in its territory.

## 1.1 Obligations
- Register every opportunity before quoting.
- Follow the **anti-bribery** policy.

Payment terms are 30 days."""


def make_agreement_version(*, template: AgreementTemplate | None = None, language: str = "en", partner_type: str = "",
                           region=None, version: int | None = None, published: bool = True,
                           deadline: date | None = None, title: str = "Partner Program Agreement",
                           body: str = AGREEMENT_BODY) -> AgreementVersion:
    if template is None:
        template, _created = AgreementTemplate.objects.get_or_create(
            partner_type=partner_type, region=region, language=language,
            defaults={"name": "Partner Program Agreement"},
        )
    if version is None:
        latest = AgreementVersion.objects.filter(template=template).order_by("-version").first()
        version = latest.version + 1 if latest else 1
    row = AgreementVersion.objects.create(template=template, version=version, title=title, body=body,
                                          effective_date=timezone.localdate(), reaccept_deadline=deadline)
    if published:
        row.content_hash = row.computed_hash()
        row.published_at = timezone.now()
        row.save(update_fields=["content_hash", "published_at"])
    return row


def make_acceptance(*, partner: PartnerOrganization, version: AgreementVersion | None = None,
                    user=None) -> AgreementAcceptance:
    """An acceptance row written directly (the service is tested on its own)."""
    version = version or make_agreement_version(language=partner.default_language)
    user = user or make_member(partner=partner, role=Membership.Role.ADMIN).user
    with partner_scope(partner):
        return AgreementAcceptance.objects.create(
            partner=partner, version=version, template=version.template, version_number=version.version,
            content_hash=version.content_hash, language=version.template.language, accepted_by=user,
            accepted_by_name=user.get_full_name() or user.email, accepted_by_email=user.email,
            ip_address="203.0.113.7", user_agent="pytest",
        )


def make_question(*, code: str, text: dict | None = None, answer_type: str = ComplianceQuestion.AnswerType.YES_NO,
                  review_when: str = ComplianceQuestion.ReviewWhen.NEVER, required: bool = True,
                  order: int = 0) -> ComplianceQuestion:
    return ComplianceQuestion.objects.create(
        code=code, text=text or {"en": f"Question {code}?"}, answer_type=answer_type, review_when=review_when,
        required=required, order=order,
    )
