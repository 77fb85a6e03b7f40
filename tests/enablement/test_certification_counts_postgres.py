"""The tier metric ``active_certifications`` on PostgreSQL over ~2,000 synthetic partners: the same counts as an
independent raw aggregate (revoked, expired, not yet valid awards and former members left out), one query per
chunk the way the tier engine calls it. And on any database: it fails closed like the scoped managers."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from enablement.metrics import active_certifications
from enablement.models import CertificationAward
from partners.management.commands import generate_dataset as gd
from partners.models import Membership, PartnerOrganization
from partners.tiers import metrics
from partners.tiers.engine import CHUNK_SIZE, chunked
from prm.tenancy.scoping import ScopeError, partner_scope, partners_scope, unscoped
from tests.enablement.helpers import certification, complete, course

pytestmark = pytest.mark.django_db

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)")


def raw_counts(as_of) -> dict[int, int]:
    """Per synthetic partner: awards valid on ``as_of`` held by an active member (a JOIN, written independently)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.partner_id, COUNT(*) FROM enablement_certificationaward a "
            "JOIN partners_membership m ON m.partner_id = a.partner_id AND m.user_id = a.user_id AND m.is_active "
            "JOIN partners_partnerorganization p ON p.id = a.partner_id "
            "WHERE p.name LIKE %s AND a.revoked_at IS NULL AND a.awarded_on <= %s AND a.expires_on >= %s "
            "GROUP BY a.partner_id", [gd.PARTNER_PREFIX + "%", as_of, as_of])
        return dict(cursor.fetchall())


@pytest.mark.postgres
@on_postgres
def test_counts_over_2000_partners_equal_the_raw_aggregate_with_one_query_per_chunk(monkeypatch):
    monkeypatch.setenv("DATASET_DEALS_PER_PARTNER", "0")
    monkeypatch.setenv("DATASET_MDF_ACTIVITIES_PER_PARTNER", "0")
    gd.generate_dataset(partners=2300, users_per_partner=2)
    today = timezone.localdate()
    with unscoped():
        ids = list(gd.synthetic_partners().filter(status__in=PartnerOrganization.PORTAL_STATUSES)
                   .order_by("pk").values_list("pk", flat=True))
        valid = CertificationAward.objects.filter(partner_id__in=ids, revoked_at__isnull=True, expires_on__gte=today)
        picked = list(valid.order_by("pk").values_list("pk", "partner_id", "user_id")[:30])
        # what must not count: a revoked award, one not valid yet, one whose holder left the partner
        CertificationAward.objects.filter(pk__in=[pk for pk, _p, _u in picked[:10]]).update(revoked_at=timezone.now())
        CertificationAward.objects.filter(pk__in=[pk for pk, _p, _u in picked[10:20]]).update(
            awarded_on=today + timedelta(days=3))
        for _pk, partner_id, user_id in picked[20:]:
            Membership.objects.filter(partner_id=partner_id, user_id=user_id).update(is_active=False)
        assert CertificationAward.objects.filter(partner_id__in=ids, expires_on__lt=today).exists()
    assert len(ids) >= 2000
    expected = raw_counts(today)
    assert len(expected) > 500

    for size in (2000, 700):  # several chunks each (the engine's own chunk, CHUNK_SIZE, holds them all below)
        found: dict[int, int] = {}
        chunks = list(chunked(ids, size))
        assert len(chunks) >= 2
        for chunk in chunks:
            with partners_scope(chunk), CaptureQueriesContext(connection) as queries:
                found.update(active_certifications(chunk, today))
            assert len(queries) == 1, [q["sql"][:200] for q in queries.captured_queries]
        assert found == expected

    # the tier engine's view of the same: metrics.measure in the chunk's scope
    chunk = ids[:CHUNK_SIZE]
    with partners_scope(chunk):
        measured = metrics.measure(chunk, today)
    assert measured.values[metrics.ACTIVE_CERTIFICATIONS] == {pid: n for pid, n in expected.items() if pid in chunk}


def test_it_fails_closed_like_the_scoped_managers(partner_a, partner_b, user_a, user_b):
    first = course()
    certification(first)
    complete(partner_a, user_a, first)
    complete(partner_b, user_b, first)
    today = timezone.localdate()
    both = [partner_a.pk, partner_b.pk]
    with pytest.raises(ScopeError):
        active_certifications(both, today)
    with partner_scope(partner_a):  # another partner's awards are not counted, as the managers would not see them
        assert active_certifications(both, today) == {partner_a.pk: 1}
    with partners_scope(both):
        assert active_certifications(both, today) == {partner_a.pk: 1, partner_b.pk: 1}
        assert active_certifications([], today) == {}
    with unscoped():  # operators' jobs
        assert active_certifications(both, today) == {partner_a.pk: 1, partner_b.pk: 1}
