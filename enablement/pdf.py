"""Enablement's PDFs (WeasyPrint): a person's certificate, in the holder's language, and an asset's co-branded
one-pager stamped with the partner's name, logo and contact details. No network: partners.pdf refuses every
resource but ``data:`` URIs, so the logo travels inside the HTML.
"""

import base64
from dataclasses import dataclass
from datetime import date

from django.template.loader import render_to_string
from django.utils import timezone, translation

from partners.pdf import render_html_to_pdf

LOGO_TYPES = ("image/png", "image/jpeg")


@dataclass(frozen=True)
class CertificateDoc:
    """Everything the certificate shows, loaded by enablement.services.pdfs in a fixed number of queries."""

    partner_name: str
    holder_name: str
    certification_name: str
    awarded_on: date
    renewed_on: date | None
    expires_on: date
    verification_code: str
    verification_url: str
    language: str


@dataclass(frozen=True)
class OnePagerDoc:
    title: str
    body: str
    display_name: str
    logo_data_uri: str
    contact_email: str
    contact_phone: str
    website: str
    language: str


def logo_data_uri(content: bytes, content_type: str) -> str:
    """The logo inlined as a data: URI (PNG or JPEG only, as checked on upload); empty for anything else."""
    if not content or content_type not in LOGO_TYPES:
        return ""
    return f"data:{content_type};base64,{base64.b64encode(content).decode('ascii')}"


def render_certificate_html(doc: CertificateDoc) -> str:
    with translation.override(doc.language), timezone.override("UTC"):
        return render_to_string("enablement/pdf/certificate.html", {"doc": doc, "language": doc.language})


def render_certificate_pdf(doc: CertificateDoc, *, uncompressed: bool = False) -> bytes:
    return render_html_to_pdf(render_certificate_html(doc), uncompressed=uncompressed)


def render_one_pager_html(doc: OnePagerDoc) -> str:
    with translation.override(doc.language), timezone.override("UTC"):
        return render_to_string("enablement/pdf/one_pager.html", {"doc": doc, "language": doc.language})


def render_one_pager_pdf(doc: OnePagerDoc, *, uncompressed: bool = False) -> bytes:
    return render_html_to_pdf(render_one_pager_html(doc), uncompressed=uncompressed)
