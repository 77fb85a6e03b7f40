"""Building blocks for MDF tests: a funded partner, activities in each state, proof files of each type."""

import io
import zipfile
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from mdf.models import Activity, ActivityType, EvidenceKind, Fund, FundEntry
from mdf.services import activity_approve, activity_create, claim_start, claim_submit, claim_update, proof_add
from mdf.services.funds import fund_for_period
from mdf.services.ledger import fund_lock, ledger_post
from prm.common.models import ExchangeRate
from prm.tenancy.scoping import partner_scope

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 32
CSV_BYTES = b"name,email,company\nAda,ada@example.com,Acme\nBob,bob@example.com,Beta\n"


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def seed_rates(on: date | None = None) -> None:
    """EUR is the base; JPY and USD rates for the last 60 days so every conversion in a test finds one."""
    on = on or timezone.localdate()
    rows = []
    for back in range(0, 400, 20):
        day = on - timedelta(days=back)
        rows += [ExchangeRate(date=day, from_currency="JPY", to_currency="EUR", rate=Decimal("0.0062")),
                 ExchangeRate(date=day, from_currency="USD", to_currency="EUR", rate=Decimal("0.92"))]
    ExchangeRate.objects.bulk_create(rows, ignore_conflicts=True)


def fund_with(partner, amount, *, day: date | None = None) -> Fund:
    """The partner's current fund with ``amount`` allocated (a manual allocation entry). Seeds exchange rates."""
    from django.db import transaction

    day = day or timezone.localdate()
    seed_rates()
    with partner_scope(partner), transaction.atomic():
        fund = fund_for_period(partner=partner, day=day)
        fund = fund_lock(fund_id=fund.pk)
        ledger_post(fund=fund, kind=FundEntry.Kind.ALLOCATION, amount=amount, key=f"test:allocation:{amount}",
                    occurred_on=day, reason="test")
        return Fund.objects.get(pk=fund.pk)


def activity_values(**overrides) -> dict:
    today = timezone.localdate()
    values = {
        "activity_type": ActivityType.WEBINAR, "title": "Cloud security webinar", "description": "For CISOs",
        "starts_on": today + timedelta(days=10), "ends_on": today + timedelta(days=10),
        "planned_cost": Decimal("4000.00"), "expected_leads": 40, "expected_pipeline": Decimal("100000"),
    }
    values.update(overrides)
    return values


def submitted_activity(partner, actor, **overrides) -> Activity:
    with partner_scope(partner):
        activity, _ = activity_create(partner=partner, actor=actor, values=activity_values(**overrides), submit=True)
        return activity


def approved_activity(partner, actor, manager, *, amount=None, **overrides) -> Activity:
    activity = submitted_activity(partner, actor, **overrides)
    with partner_scope(partner):
        return activity_approve(activity=activity, actor=manager, amount=amount)


def ended(activity: Activity) -> Activity:
    """Move an approved activity's dates into the past (as if it ran), keeping its claim window open."""
    with partner_scope(activity.partner_id):
        past = timezone.localdate() - timedelta(days=2)
        Activity.objects.filter(pk=activity.pk).update(starts_on=past, ends_on=past,
                                                       claim_deadline=past + timedelta(days=60))
        return Activity.objects.get(pk=activity.pk)


def submitted_claim(activity: Activity, actor, *, claimed=None, invoice="INV-1001", actual_cost=Decimal("4000.00")):
    """A claim with the evidence the activity type needs, submitted."""
    from mdf.models import REQUIRED_EVIDENCE

    with partner_scope(activity.partner_id):
        claim, _ = claim_start(activity=activity, actor=actor)
        claim = claim_update(claim=claim, actor=actor, values={
            "actual_cost": actual_cost, "claimed_amount": claimed or activity.approved_amount, "leads": 35,
            "attendees": 120, "invoice_number": invoice})
        for index, kind in enumerate(REQUIRED_EVIDENCE[activity.activity_type]):
            content = PDF_BYTES + f"{activity.pk}-{kind}-{index}-{invoice}".encode()
            proof_add(claim=claim, actor=actor, upload=upload(f"{kind}.pdf", content), kind=kind)
        return claim_submit(claim=claim, actor=actor)


__all__ = ["CSV_BYTES", "JPEG_BYTES", "PDF_BYTES", "PNG_BYTES", "EvidenceKind"]
