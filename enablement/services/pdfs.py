"""Certificates and co-branded one-pagers as PDFs: when a stored one is fresh, queueing its rendering, and
rendering and storing it (in a worker, enablement/tasks_pdf.py).

A certificate is fresh when it was rendered for the award's current validity (``certificate_rendered_for ==
expires_on``: a renewal makes it stale). A one-pager is fresh when it was rendered for the current versions of
the asset and of the partner's co-branding profile. Rendering runs outside any transaction (no lock held while
WeasyPrint works); storing locks the row and keeps one file, so two workers racing leave one.
"""

import logging
import secrets
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from enablement.models import Asset, CertificationAward, CoBrandedPdf, CoBrandingProfile, localized
from enablement.pdf import CertificateDoc, OnePagerDoc, logo_data_uri, render_certificate_pdf, render_one_pager_pdf
from partners.models import PartnerOrganization
from prm.common.audit import audit

logger = logging.getLogger(__name__)

# A refreshing person queues a rendering at most once per version in this many seconds.
QUEUE_THROTTLE_SECONDS = 120


def _queue_once(key: str, dispatch) -> bool:
    if not cache.add(key, 1, timeout=QUEUE_THROTTLE_SECONDS):
        return False
    transaction.on_commit(dispatch, robust=True)
    return True


def verification_url(code: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("certificate_verify", args=[code])


# --- certificates ----------------------------------------------------------------------------------------------


def certificate_is_fresh(*, award: CertificationAward) -> bool:
    return bool(award.certificate_pdf) and award.certificate_rendered_for == award.expires_on


def _dispatch_certificate(partner_id: int, award_id: int) -> None:
    from enablement.tasks_pdf import render_certificate

    try:
        render_certificate.delay(partner_id=partner_id, award_id=award_id)
    except Exception:
        logger.warning("Queueing the certificate of award %s failed", award_id, exc_info=True)  # queued on next visit


def certificate_queue(*, award: CertificationAward) -> bool:
    """Queue the rendering after commit unless it was queued for this validity a moment ago. Safe on every view."""
    return _queue_once(f"enablement:certificate:{award.pk}:{award.expires_on.isoformat()}",
                       partial(_dispatch_certificate, award.partner_id, award.pk))


def holder_language(*, user, partner) -> str:
    return getattr(user, "preferred_language", "") or partner.default_language or settings.LANGUAGE_CODE


def certificate_load(*, award_id: int) -> tuple[CertificationAward, CertificateDoc] | None:
    """The award and what its certificate shows, in two queries; None when it is gone (or in another scope)."""
    award = CertificationAward.objects.select_related("certification", "user").filter(pk=award_id).first()
    if award is None:
        return None
    partner = PartnerOrganization.objects.only("id", "name", "default_language").get(pk=award.partner_id)
    language = holder_language(user=award.user, partner=partner)
    doc = CertificateDoc(
        partner_name=partner.name, holder_name=award.user.get_full_name(),
        certification_name=localized(award.certification, "name", language).text,
        awarded_on=award.awarded_on, renewed_on=award.renewed_on, expires_on=award.expires_on,
        verification_code=award.verification_code, verification_url=verification_url(award.verification_code),
        language=language,
    )
    return award, doc


def certificate_render(*, award_id: int, force: bool = False) -> CertificationAward | None:
    """Render and store the award's certificate unless a fresh one is stored (idempotent: a redelivered task does
    nothing). A revoked award gets none. Call in the award's partner scope (PartnerTask)."""
    loaded = certificate_load(award_id=award_id)
    if loaded is None:
        return None
    award, doc = loaded
    if award.revoked_at is not None:
        return award
    storage = CertificationAward._meta.get_field("certificate_pdf").storage
    if certificate_is_fresh(award=award) and storage.exists(award.certificate_pdf.name) and not force:
        return award
    content = render_certificate_pdf(doc)
    # A random part keeps file names unguessable even if storage is ever exposed by mistake.
    name = storage.save(f"enablement/certificates/{award.partner_id}/certificate-{award.pk}-{secrets.token_hex(8)}.pdf",
                        ContentFile(content))
    with transaction.atomic():
        current = CertificationAward.objects.select_for_update().get(pk=award.pk)
        if (not force and current.certificate_rendered_for == doc.expires_on and current.certificate_pdf
                and storage.exists(current.certificate_pdf.name)):
            transaction.on_commit(partial(storage.delete, name))  # another worker stored this validity already
            return current
        previous = current.certificate_pdf.name
        CertificationAward.objects.filter(pk=award.pk).update(certificate_pdf=name, certificate_rendered_for=doc.expires_on)
        if previous:
            transaction.on_commit(partial(storage.delete, previous))
        audit(actor=None, action="enablement.certificate.rendered", target=current,
              data={"file": name, "expires_on": doc.expires_on.isoformat()})
    current.certificate_pdf.name, current.certificate_rendered_for = name, doc.expires_on
    return current


# --- co-branded one-pagers -------------------------------------------------------------------------------------


def one_pager_version(*, asset: Asset, profile: CoBrandingProfile) -> str:
    return f"{asset.updated_at.isoformat()}|{profile.updated_at.isoformat()}"


def one_pager_is_fresh(*, pdf: CoBrandedPdf | None, asset: Asset, profile: CoBrandingProfile) -> bool:
    return bool(pdf is not None and pdf.file and pdf.rendered_for == one_pager_version(asset=asset, profile=profile))


def _dispatch_one_pager(partner_id: int, asset_id: int) -> None:
    from enablement.tasks_pdf import render_one_pager

    try:
        render_one_pager.delay(partner_id=partner_id, asset_id=asset_id)
    except Exception:
        logger.warning("Queueing the one-pager of asset %s for partner %s failed", asset_id, partner_id, exc_info=True)


def one_pager_queue(*, asset: Asset, profile: CoBrandingProfile) -> bool:
    """Queue the rendering after commit unless it was queued for these versions a moment ago."""
    version = one_pager_version(asset=asset, profile=profile)
    return _queue_once(f"enablement:one-pager:{profile.partner_id}:{asset.pk}:{version}",
                       partial(_dispatch_one_pager, profile.partner_id, asset.pk))


def one_pager_doc(*, asset: Asset, profile: CoBrandingProfile) -> OnePagerDoc:
    logo = ""
    if profile.logo:
        try:
            with profile.logo.open("rb") as handle:
                logo = logo_data_uri(handle.read(), profile.logo_type)
        except OSError:
            logger.warning("The logo of partner %s is missing from storage", profile.partner_id)
    return OnePagerDoc(title=asset.title, body=asset.one_pager_body or asset.description,
                       display_name=profile.display_name, logo_data_uri=logo, contact_email=profile.contact_email,
                       contact_phone=profile.contact_phone, website=profile.website, language=asset.language)


def one_pager_render(*, partner_id: int, asset_id: int, force: bool = False) -> CoBrandedPdf | None:
    """Render and store the partner's one-pager of a co-brandable asset unless a fresh one is stored (idempotent).
    None when the asset is gone, not co-brandable, or the partner has no co-branding profile. Call in the
    partner's scope (PartnerTask)."""
    asset = Asset.objects.filter(pk=asset_id, co_brandable=True).first()
    profile = CoBrandingProfile.objects.filter(partner_id=partner_id).first()
    if asset is None or profile is None:
        return None
    existing = CoBrandedPdf.objects.filter(partner_id=partner_id, asset=asset).first()
    storage = CoBrandedPdf._meta.get_field("file").storage
    if one_pager_is_fresh(pdf=existing, asset=asset, profile=profile) and storage.exists(existing.file.name) and not force:
        return existing
    version, started = one_pager_version(asset=asset, profile=profile), timezone.now()
    content = render_one_pager_pdf(one_pager_doc(asset=asset, profile=profile))
    name = storage.save(f"enablement/cobranded/{partner_id}/asset-{asset.pk}-{secrets.token_hex(8)}.pdf",
                        ContentFile(content))
    with transaction.atomic():
        current = CoBrandedPdf.objects.select_for_update().filter(partner_id=partner_id, asset=asset).first()
        if current is None:
            try:
                with transaction.atomic():
                    return CoBrandedPdf.objects.create(partner_id=partner_id, asset=asset, file=name, rendered_for=version)
            except IntegrityError:  # another worker created it a moment ago
                transaction.on_commit(partial(storage.delete, name))
                return CoBrandedPdf.objects.filter(partner_id=partner_id, asset=asset).first()
        if current.rendered_at >= started and not force:
            transaction.on_commit(partial(storage.delete, name))  # another worker stored a newer one
            return current
        previous = current.file.name
        current.file.name, current.rendered_for = name, version
        current.save(update_fields=["file", "rendered_for", "rendered_at"])
        if previous and previous != name:
            transaction.on_commit(partial(storage.delete, previous))
    return current
