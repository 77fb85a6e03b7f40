"""Certificates and co-branded one-pagers: rendered by worker tasks (no network: the logo travels as a data: URI),
in the holder's (or the asset's) language, stored once per version and rendered again only when it changed."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from enablement.models import CertificationAward, CoBrandedPdf, CoBrandingProfile
from enablement.pdf import render_certificate_html, render_certificate_pdf, render_one_pager_pdf
from enablement.services.library import cobranding_profile_save
from enablement.services.pdfs import (
    certificate_is_fresh,
    certificate_load,
    one_pager_doc,
    one_pager_is_fresh,
    one_pager_version,
)
from enablement.tasks_pdf import render_certificate, render_one_pager
from partners.pdf import render_html_to_pdf
from prm.tenancy.scoping import partner_scope
from tests.mdf.helpers import upload
from tests.mdf.test_claim_pdf import pdf_text

from .portal_helpers import award, learner, one_pager_asset, png_bytes

pytestmark = pytest.mark.django_db


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def reload(partner, award_row) -> CertificationAward:
    with partner_scope(partner):
        return CertificationAward.objects.get(pk=award_row.pk)


def test_the_certificate_names_partner_person_certification_dates_and_how_to_verify(partner_a):
    person = learner(partner_a)
    person.full_name, person.preferred_language = "Grete Müller", "de"
    person.save()
    held = award(partner_a, person)
    with partner_scope(partner_a):
        _award, doc = certificate_load(award_id=held.pk)
    html = render_certificate_html(doc)
    text = squash(pdf_text(render_certificate_pdf(doc, uncompressed=True)))
    url = settings.SITE_URL.rstrip("/") + f"/verify/{held.verification_code}/"
    for fact in ("Alpha Systems GmbH", "Grete Müller", "Zertifizierter Ingenieur", held.verification_code, url):
        assert squash(fact) in text, fact
    assert '<html lang="de">' in html
    # German dates: the day before the month name.
    assert squash(f"{held.expires_on.day}. ") in squash(html) and str(held.expires_on.year) in text


def test_the_certificate_falls_back_to_the_partners_language(partner_b):
    person = learner(partner_b)
    person.preferred_language = ""
    person.save()
    held = award(partner_b, person)
    with partner_scope(partner_b):
        _award, doc = certificate_load(award_id=held.pk)
    assert doc.language == "ja" and '<html lang="ja">' in render_certificate_html(doc)


def test_the_certificate_is_rendered_once_per_validity(partner_a, django_capture_on_commit_callbacks):
    held = award(partner_a)
    with django_capture_on_commit_callbacks(execute=True):
        assert render_certificate(partner_id=partner_a.pk, award_id=held.pk) is True
    first = reload(partner_a, held)
    assert certificate_is_fresh(award=first) and first.certificate_rendered_for == first.expires_on
    assert first.certificate_pdf.name.startswith(f"enablement/certificates/{partner_a.pk}/")
    with first.certificate_pdf.open("rb") as handle:
        assert handle.read(4) == b"%PDF"
    with django_capture_on_commit_callbacks(execute=True):
        render_certificate(partner_id=partner_a.pk, award_id=held.pk)  # redelivered: nothing changes
    assert reload(partner_a, held).certificate_pdf.name == first.certificate_pdf.name
    with partner_scope(partner_a):  # renewed: the stored certificate is stale and is replaced
        CertificationAward.objects.filter(pk=held.pk).update(expires_on=first.expires_on + timedelta(days=365))
    assert not certificate_is_fresh(award=reload(partner_a, held))
    with django_capture_on_commit_callbacks(execute=True):
        render_certificate(partner_id=partner_a.pk, award_id=held.pk)
    renewed = reload(partner_a, held)
    assert renewed.certificate_pdf.name != first.certificate_pdf.name and certificate_is_fresh(award=renewed)
    assert not renewed.certificate_pdf.storage.exists(first.certificate_pdf.name)


def test_a_revoked_certification_has_no_certificate(client, partner_a, user_a):
    held = award(partner_a, user_a)
    with partner_scope(partner_a):
        CertificationAward.objects.filter(pk=held.pk).update(revoked_at=timezone.now())
    render_certificate(partner_id=partner_a.pk, award_id=held.pk)
    assert not reload(partner_a, held).certificate_pdf
    client.force_login(user_a)
    response = client.get(reverse("enablement:certificate_pdf", args=[held.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("enablement:certificates")


def test_a_colleagues_certificate_is_not_found_but_a_partner_admin_may_download_it(client, partner_a, admin_a, user_a):
    held = award(partner_a)
    url = reverse("enablement:certificate_pdf", args=[held.pk])
    client.force_login(user_a)
    assert client.get(url).status_code == 404
    client.force_login(admin_a)
    assert client.get(url).status_code == 200


# --- co-branded one-pagers -----------------------------------------------------------------------------------


@pytest.fixture
def branded(partner_a, admin_a):
    with partner_scope(partner_a):
        return cobranding_profile_save(
            partner=partner_a, actor=admin_a, logo=upload("logo.png", png_bytes()),
            values={"display_name": partner_a.name, "contact_email": "sales@alpha.example",
                    "contact_phone": "+49 30 1234567", "website": "https://alpha.example"})


def test_the_one_pager_carries_the_partners_name_logo_and_contacts_without_fetching(partner_a, branded):
    asset = one_pager_asset(language="de")
    with partner_scope(partner_a):
        doc = one_pager_doc(asset=asset, profile=branded)
    assert doc.logo_data_uri.startswith("data:image/png;base64,")
    content = render_one_pager_pdf(doc, uncompressed=True)
    text = squash(pdf_text(content))
    for fact in ("Alpha Systems GmbH", "Zero trust one-pager", "Zero-trust networking for the Mittelstand",
                 "sales@alpha.example", "+49 30 1234567", "https://alpha.example"):
        assert squash(fact) in text, fact
    assert b"/Subtype /Image" in content  # the logo is in the PDF


def test_pdfs_never_fetch_anything():
    from weasyprint.urls import FatalURLFetchingError

    for source in ("https://cdn.example.com/logo.png", "file:///etc/hostname"):
        with pytest.raises(FatalURLFetchingError):
            render_html_to_pdf(f'<p>x</p><img src="{source}">')


def test_the_one_pager_task_renders_once_per_version_of_asset_and_profile(partner_a, admin_a, branded,
                                                                         django_capture_on_commit_callbacks):
    asset = one_pager_asset()
    with django_capture_on_commit_callbacks(execute=True):
        assert render_one_pager(partner_id=partner_a.pk, asset_id=asset.pk) is True
    with partner_scope(partner_a):
        first = CoBrandedPdf.objects.get(asset=asset)
        assert first.rendered_for == f"{asset.updated_at.isoformat()}|{branded.updated_at.isoformat()}"
        assert one_pager_is_fresh(pdf=first, asset=asset, profile=branded)
    with django_capture_on_commit_callbacks(execute=True):
        render_one_pager(partner_id=partner_a.pk, asset_id=asset.pk)
    with partner_scope(partner_a):
        assert CoBrandedPdf.objects.get(asset=asset).file.name == first.file.name
        profile = cobranding_profile_save(partner=partner_a, actor=admin_a,
                                          values={"display_name": "Alpha Secure", "contact_email": ""})
        assert not one_pager_is_fresh(pdf=first, asset=asset, profile=profile)
    with django_capture_on_commit_callbacks(execute=True):
        render_one_pager(partner_id=partner_a.pk, asset_id=asset.pk)
    with partner_scope(partner_a):
        again = CoBrandedPdf.objects.get(asset=asset)
        assert again.file.name != first.file.name
        assert again.rendered_for == one_pager_version(asset=asset, profile=CoBrandingProfile.objects.get())
        assert not again.file.storage.exists(first.file.name)
        with again.file.open("rb") as handle:
            assert handle.read(4) == b"%PDF"
