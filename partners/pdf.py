"""PDF rendering with WeasyPrint: the accepted agreement, stamped with its acceptance record.

No network: the HTML is self-contained and the URL fetcher refuses every resource but inline data: URIs.
Fonts come from the system (fontconfig); the stack names Noto Sans CJK JP so Japanese renders.
"""

from django.template.loader import render_to_string
from django.utils import timezone, translation

from partners.agreement_text import render_agreement_body


def _local_only_fetcher():
    """Only ``data:`` URIs (decoded in-process: an inlined logo); any other resource stops the rendering.
    (A plain function as fetcher crashed WeasyPrint 70 on the first resource, even a data: URI.)"""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)


def render_html_to_pdf(html: str, *, uncompressed: bool = False) -> bytes:
    import weasyprint  # imported here: a heavy import only workers need

    return weasyprint.HTML(string=html, base_url=None, url_fetcher=_local_only_fetcher()).write_pdf(
        uncompressed_pdf=uncompressed)


def render_agreement_pdf(*, acceptance, partner, uncompressed: bool = False) -> bytes:
    """The agreement text in its own language, with the acceptance record on the first page and in every footer."""
    version = acceptance.version
    with translation.override(acceptance.language or partner.default_language), timezone.override("UTC"):
        html = render_to_string("partners/pdf/agreement.html", {
            "acceptance": acceptance,
            "version": version,
            "partner": partner,
            "body": render_agreement_body(version.body),
            "language": acceptance.language,
        })
    return render_html_to_pdf(html, uncompressed=uncompressed)
