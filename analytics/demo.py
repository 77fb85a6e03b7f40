"""Demo data of analytics: sign-in history, PSAT answers of the last three quarters (and open invitations for
this one), today's health scores and the rollups, so every dashboard panel and the partner home show something.

Runs last (analytics is the last app in INSTALLED_APPS), after the other apps' demo steps wrote their facts.
Idempotent: sign-ins are set only where a person never signed in, a PSAT wave is answered only once, health
scores are one row per (partner, day) and the rollups are recomputed from the facts. No e-mail is sent.
"""

import secrets
from datetime import timedelta

from django.utils import timezone

from partners.models import Membership, PartnerOrganization
from prm.accounts.models import User
from prm.tenancy.scoping import partners_scope

from .models import PsatInvitation, PsatResponse, PsatSurvey
from .periods import last_quarters, quarter_end

WAVES = 3  # answered quarterly waves before the current quarter
COMMENTS = {
    "en": ["Deal approvals are fast now.", "The MDF claim process needs fewer documents.",
           "Our channel manager answers quickly.", "Training paths are useful for new sales staff."],
    "de": ["Die Freigaben gehen inzwischen schnell.", "Der MDF-Nachweis verlangt zu viele Belege.",
           "Unser Channel Manager antwortet schnell."],
    "fr": ["Les validations sont rapides.", "Le remboursement MDF demande trop de justificatifs."],
    "es": ["Las aprobaciones son rápidas.", "El proceso de MDF es demasiado largo."],
    "ja": ["承認が早くなりました。", "MDF の申請書類をもっと簡単にしてほしい。"],
}


def seed_demo(ctx) -> None:
    partners = [p for p in ctx.partners if p.status in PartnerOrganization.PORTAL_STATUSES]
    if not partners:
        return
    ids = [p.pk for p in partners]
    dormant = {p.pk for index, p in enumerate(partners) if index % 7 == 3}  # nobody signed in for weeks
    with partners_scope(ids):
        members = list(Membership.objects.filter(partner_id__in=ids, is_active=True).select_related("user")
                       .order_by("partner_id", "pk"))
        signed_in = _sign_ins(ctx, members, dormant)
        answered = _psat(ctx, partners, members, dormant)
    health = _health(ctx, ids)
    refreshed = _rollups(ids)
    if signed_in or answered:
        ctx.stdout.write(f"analytics: {signed_in} sign-in dates, {answered} PSAT answers, {health} health scores, "
                         f"rollups of {refreshed} partners")


def _sign_ins(ctx, members: list[Membership], dormant: set[int]) -> int:
    """A last sign-in for each person who never signed in: weeks ago at dormant partners, days ago elsewhere
    (one person in five at active partners has not been back for over a month)."""
    rng = ctx.rng
    updates = {}
    for membership in members:
        if membership.user.last_login is not None:
            continue
        if membership.partner_id in dormant:
            days = rng.randint(40, 90)
        else:
            days = rng.randint(31, 60) if rng.random() < 0.2 else rng.randint(0, 20)
        updates[membership.user_id] = ctx.now - timedelta(days=days, hours=rng.randint(0, 12))
    users = list(User.objects.filter(pk__in=list(updates), last_login__isnull=True))
    for user in users:
        user.last_login = updates[user.pk]
    User.objects.bulk_update(users, ["last_login"])
    return len(users)


def _psat(ctx, partners, members: list[Membership], dormant: set[int]) -> int:
    rng = ctx.rng
    language = {p.pk: p.default_language for p in partners}
    quarters = last_quarters(ctx.now.date(), WAVES + 1)
    PsatSurvey.objects.get_or_create(kind=PsatSurvey.Kind.DEAL_APPROVED, defaults={"is_active": True})
    answered = 0
    for quarter in quarters[:-1]:
        survey, _ = PsatSurvey.objects.get_or_create(kind=PsatSurvey.Kind.QUARTERLY, quarter=quarter)
        if PsatInvitation.objects.filter(survey=survey, partner_id__in=list(language)).exists():
            continue
        sent = timezone.make_aware(timezone.datetime.combine(quarter + timedelta(days=14), timezone.datetime.min.time()))
        invitations, responses = [], []
        for membership in members:
            pid = membership.partner_id
            invitations.append(PsatInvitation(
                partner_id=pid, survey=survey, user_id=membership.user_id, subject_key="quarter",
                token_hash=PsatInvitation.hash_token(secrets.token_urlsafe(32)), sent_at=sent,
                expires_at=sent + timedelta(days=survey.link_valid_days)))
            if rng.random() > 0.7:
                continue  # did not answer
            mean = 5 if pid in dormant else 8
            score = max(0, min(10, round(rng.gauss(mean, 1.6))))
            anonymous = rng.random() < 0.25
            lang = language[pid]
            comment = rng.choice(COMMENTS.get(lang, COMMENTS["en"])) if rng.random() < 0.4 else ""
            at = min(sent + timedelta(days=rng.randint(0, 20), hours=rng.randint(8, 17)),
                     timezone.make_aware(timezone.datetime.combine(quarter_end(quarter), timezone.datetime.min.time())))
            if anonymous:  # anonymous answers keep the day only (analytics.psat: no matching link use to answer)
                at = at.replace(hour=0, minute=0, second=0, microsecond=0)
            invitations[-1].used_at = at
            responses.append(PsatResponse(partner_id=pid, survey=survey, user=None if anonymous else membership.user,
                                          score=score, comment=comment, language=lang, submitted_at=at))
        PsatInvitation.objects.bulk_create(invitations)
        PsatResponse.objects.bulk_create(responses)
        answered += len(responses)
    # This quarter's wave went out to the partner admins a few days ago; they have not answered yet.
    current, _ = PsatSurvey.objects.get_or_create(kind=PsatSurvey.Kind.QUARTERLY, quarter=quarters[-1])
    if not PsatInvitation.objects.filter(survey=current, partner_id__in=list(language)).exists():
        sent = ctx.now - timedelta(days=3)
        PsatInvitation.objects.bulk_create([
            PsatInvitation(partner_id=m.partner_id, survey=current, user_id=m.user_id, subject_key="quarter",
                           token_hash=PsatInvitation.hash_token(secrets.token_urlsafe(32)), sent_at=sent,
                           expires_at=sent + timedelta(days=current.link_valid_days))
            for m in members if m.role == Membership.Role.ADMIN
        ])
    return answered


def _health(ctx, ids: list[int]) -> int:
    from .health.scoring import chunked, score_partners

    scored = 0
    for chunk in chunked(sorted(ids)):
        with partners_scope(chunk):
            scored += score_partners(chunk, ctx.now.date()).scored
    return scored


def _rollups(ids: list[int]) -> int:
    """Every partner's rollups (a full refresh, so the dashboards' "as of" is set)."""
    from .rollups.services import refresh_all

    return refresh_all()

