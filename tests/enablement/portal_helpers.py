"""Builders for the enablement portal tests and the cross-partner URL table (tests/tenancy/test_meta.py): each
returns what a page or action needs, for one of ``partner``'s people."""

import io
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from enablement.models import Asset, CertificationAward, Lesson
from partners.models import Membership
from prm.tenancy.scoping import partner_scope
from tests.factories import make_member

from .helpers import certification, complete, course

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def png_bytes(size=(24, 12), colour=(200, 30, 30)) -> bytes:
    """A real PNG (WeasyPrint decodes it when it stamps the logo)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def learner(partner, **flags):
    """A partner user (not an admin)."""
    return make_member(partner=partner, role=Membership.Role.USER, **flags).user


def award(partner, user=None, *, months: int = 24) -> CertificationAward:
    """A certification earned through the services by ``user`` (a new member by default)."""
    person = user or learner(partner)
    item = course()
    certification(item, months=months)
    complete(partner, person, item)
    with partner_scope(partner):
        return CertificationAward.objects.select_related("certification", "user").get(user=person)


def award_of(partner) -> dict:
    return {"pk": award(partner).pk}


def lesson_with_file(item, *, name="handout.pdf", content=PDF_BYTES) -> Lesson:
    lesson = Lesson.objects.create(course=item, order=99, kind=Lesson.Kind.FILE, title="Handout",
                                   file_name=name, file_type="application/pdf")
    lesson.file.save(f"lesson-{lesson.pk}.pdf", ContentFile(content), save=True)
    return lesson


def file_asset(*, title="Battle card", language="en", tags=("security",), co_brandable=False, **fields) -> Asset:
    fields.setdefault("is_published", True)
    asset = Asset.objects.create(title=title, language=language, kind=Asset.Kind.FILE, tags=list(tags),
                                 file_name=f"{title}.pdf", file_type="application/pdf", co_brandable=co_brandable,
                                 **fields)
    asset.file.save(f"asset-{asset.pk}.pdf", ContentFile(PDF_BYTES), save=True)
    return asset


def link_asset(*, title="Product video", url="https://videos.example.com/watch/1", **fields) -> Asset:
    fields.setdefault("is_published", True)
    return Asset.objects.create(title=title, kind=Asset.Kind.LINK, url=url, **fields)


def one_pager_asset(**fields) -> Asset:
    fields.setdefault("one_pager_body", "Zero-trust networking for the Mittelstand.\nDeployed in a day.")
    return file_asset(title=fields.pop("title", "Zero trust one-pager"), co_brandable=True, **fields)


def expire(award_row: CertificationAward, *, days_ago: int = 1) -> None:
    with partner_scope(award_row.partner_id):
        CertificationAward.objects.filter(pk=award_row.pk).update(
            expires_on=timezone.localdate() - timedelta(days=days_ago))
