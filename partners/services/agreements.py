"""Agreements: operators publish versions; a partner admin accepts the current one for the company;
a worker renders the accepted text as a PDF into private storage.

An acceptance is evidence: who, when, from which address and browser, which version and the
hash of the exact text. It is append-only (model + database triggers, partners/sql.py).
"""

import logging
import secrets
from functools import partial

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import AgreementAcceptance, AgreementPdf, AgreementVersion, Membership, PartnerOrganization
from partners.onboarding_selectors import AgreementState, agreement_status_for
from partners.onboarding_steps import AGREEMENT
from prm.common.audit import audit
from prm.common.request_context import current_request_info

from .onboarding import onboarding_activate_if_ready, onboarding_step_complete

logger = logging.getLogger(__name__)


class AgreementError(ValidationError):
    """The agreement cannot be published or accepted (staff, not an admin, stale version...)."""


@transaction.atomic
def agreement_version_publish(*, version: AgreementVersion, actor) -> AgreementVersion:
    """Freeze a draft version: its hash is taken now and the text can never change afterwards."""
    version = AgreementVersion.objects.select_for_update().select_related("template").get(pk=version.pk)
    if version.is_published:
        raise AgreementError(_("Version %(number)s is already published.") % {"number": version.version},
                             code="published")
    if not version.title.strip() or not version.body.strip():
        raise AgreementError(_("An agreement needs a title and a text before it can be published."), code="empty")
    newer = AgreementVersion.objects.filter(template=version.template, version__gt=version.version,
                                            published_at__isnull=False).exists()
    if newer:
        raise AgreementError(_("A newer version is already published; publish a higher version number."),
                             code="older")
    version.content_hash = version.computed_hash()
    version.published_at = timezone.now()
    version.save(update_fields=["content_hash", "published_at"])
    audit(actor=actor, action="partners.agreement_version.published", target=version,
          data={"template": version.template_id, "version": version.version, "hash": version.content_hash,
                "reaccept_deadline": version.reaccept_deadline.isoformat() if version.reaccept_deadline else None})
    return version


def agreement_check_can_accept(*, user, membership: Membership | None, partner: PartnerOrganization) -> None:
    """Raise AgreementError unless this person may accept for this partner (also used to hide the form)."""
    if user.is_staff:
        raise AgreementError(
            _("Staff members cannot accept the partner agreement on a partner's behalf. "
              "A partner admin of the company has to accept it."),
            code="staff",
        )
    if membership is None or membership.partner_id != partner.pk or not membership.is_admin or not membership.is_active:
        raise AgreementError(_("Only a partner admin can accept the agreement for the company."), code="not_admin")


def _dispatch_pdf(partner_id: int, acceptance_id: int) -> None:
    from partners.tasks import render_agreement_pdf

    try:
        render_agreement_pdf.delay(partner_id=partner_id, acceptance_id=acceptance_id)
    except Exception:
        # The download page queues it again when the PDF is still missing.
        logger.warning("Queueing the PDF of acceptance %s failed", acceptance_id, exc_info=True)


@transaction.atomic
def agreement_accept(*, partner: PartnerOrganization, user, membership: Membership | None,
                     version_id: int) -> AgreementAcceptance:
    """Record that ``user`` accepted version ``version_id`` for ``partner``.

    Only the version currently shown to the partner can be accepted (a stale form is refused),
    only by one of its partner admins, never by staff. Accepting twice (a double click) returns
    the first record. The PDF is rendered by a worker after commit.
    """
    agreement_check_can_accept(user=user, membership=membership, partner=partner)
    status = agreement_status_for(partner=partner)
    current = status.current
    if current is None:
        raise AgreementError(_("There is no agreement to accept."), code="none")
    if current.pk != version_id:
        raise AgreementError(_("A newer version of the agreement has been published. Please read it and accept it."),
                             code="stale")
    if status.state == AgreementState.ACCEPTED:
        return status.accepted
    if current.computed_hash() != current.content_hash:
        logger.error("Agreement version %s text does not match its published hash", current.pk)
        raise AgreementError(_("This agreement cannot be accepted right now. Please contact your channel manager."),
                             code="hash")
    info = current_request_info()
    acceptance = AgreementAcceptance(
        partner=partner, version=current, template_id=current.template_id, version_number=current.version,
        content_hash=current.content_hash, language=current.template.language, accepted_by=user,
        accepted_by_name=(user.get_full_name() or user.email)[:200], accepted_by_email=user.email,
        accepted_at=timezone.now(), ip_address=info.ip, user_agent=info.user_agent[:400],
    )
    try:
        with transaction.atomic():
            acceptance.save()
    except IntegrityError:
        return AgreementAcceptance.objects.get(partner=partner, version=current)
    audit(actor=user, action="partners.agreement.accepted", target=acceptance,
          data={"version_id": current.pk, "version": current.version, "hash": current.content_hash,
                "ip": info.ip})
    onboarding_step_complete(partner=partner, code=AGREEMENT, actor=user)
    transaction.on_commit(partial(_dispatch_pdf, partner.pk, acceptance.pk), robust=True)
    onboarding_activate_if_ready(partner=partner, actor=user)
    return acceptance


def agreement_pdf_requeue(*, acceptance: AgreementAcceptance) -> None:
    """Queue the PDF again (the download page, when it is still missing a while after acceptance)."""
    transaction.on_commit(partial(_dispatch_pdf, acceptance.partner_id, acceptance.pk), robust=True)


def agreement_pdf_render(*, acceptance_id: int) -> AgreementPdf | None:
    """Render and store the PDF of one acceptance (idempotent: an existing file is kept).

    Runs in the acceptance's partner scope (the PartnerTask opens it); rendering happens outside
    any transaction so no lock is held while WeasyPrint works.
    """
    from partners.pdf import render_agreement_pdf

    acceptance = AgreementAcceptance.objects.select_related("version", "template").filter(pk=acceptance_id).first()
    if acceptance is None:
        return None
    existing = AgreementPdf.objects.filter(acceptance=acceptance).first()
    if existing is not None:
        return existing
    partner = PartnerOrganization.objects.get(pk=acceptance.partner_id)
    content = render_agreement_pdf(acceptance=acceptance, partner=partner)
    pdf = AgreementPdf(partner=partner, acceptance=acceptance)
    # A random part keeps file names unguessable even if storage is ever exposed by mistake.
    pdf.file.save(f"agreement-{acceptance.pk}-{secrets.token_hex(8)}.pdf", ContentFile(content), save=False)
    try:
        with transaction.atomic():
            pdf.save()
    except IntegrityError:
        pdf.file.delete(save=False)  # another worker was first
        return AgreementPdf.objects.filter(acceptance=acceptance).first()
    audit(actor=None, action="partners.agreement_pdf.created", target=pdf, data={"acceptance": acceptance.pk})
    return pdf
