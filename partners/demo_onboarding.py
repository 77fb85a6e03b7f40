"""Demo data for onboarding: agreement texts in every language (English with a newer version due),
compliance questions, and each demo partner's checklist as far as its status says.

Called from partners/demo.py's seed_demo(ctx); idempotent (existing rows are kept).
"""

from datetime import timedelta

from partners.banking import IBAN_LENGTHS, iban_checksum_ok
from partners.models import (
    AgreementAcceptance,
    AgreementTemplate,
    AgreementVersion,
    ComplianceQuestion,
    ComplianceResponse,
    Membership,
    OnboardingProfile,
    OnboardingStep,
    PartnerOrganization,
    PayoutDetails,
)
from partners.onboarding_selectors import current_version_for, published_versions
from prm.tenancy.scoping import partner_scope

AGREEMENTS = {
    "en": ("Partner Program Agreement", """# 1. Purpose
This agreement sets out how the Partner markets, resells and supports the Vendor's products.

# 2. Deal registration
- The Partner registers each opportunity in the portal before quoting.
- An approved registration is protected for the period of the Partner's tier.

# 3. Conduct
The Partner complies with all anti-bribery laws (including the **FCPA** and the UK Bribery Act) and never offers anything of value to a public official to win business.

# 4. Data protection
Each party processes personal data only as described in the data processing terms.

# 5. Term
This agreement runs for one year and renews automatically unless either party ends it with 90 days' notice."""),
    "de": ("Partnerprogramm-Vereinbarung", """# 1. Zweck
Diese Vereinbarung regelt, wie der Partner die Produkte des Herstellers vermarktet, weiterverkauft und betreut.

# 2. Registrierung von Verkaufschancen
- Der Partner registriert jede Verkaufschance im Portal, bevor er ein Angebot abgibt.
- Eine genehmigte Registrierung ist für die Dauer seiner Stufe geschützt.

# 3. Verhalten
Der Partner hält alle Antikorruptionsgesetze ein und bietet Amtsträgern niemals Vorteile an, um Aufträge zu gewinnen.

# 4. Datenschutz
Jede Partei verarbeitet personenbezogene Daten nur wie in den Auftragsverarbeitungsbedingungen beschrieben."""),
    "fr": ("Accord du programme partenaires", """# 1. Objet
Le présent accord définit comment le Partenaire commercialise, revend et assure le support des produits de l'Éditeur.

# 2. Enregistrement des opportunités
- Le Partenaire enregistre chaque opportunité dans le portail avant toute offre.
- Un enregistrement approuvé est protégé pendant la durée prévue par son niveau.

# 3. Éthique
Le Partenaire respecte toutes les lois anticorruption et n'offre jamais d'avantage à un agent public."""),
    "es": ("Acuerdo del programa de socios", """# 1. Objeto
Este acuerdo establece cómo el Socio comercializa, revende y da soporte a los productos del Fabricante.

# 2. Registro de oportunidades
- El Socio registra cada oportunidad en el portal antes de presentar una oferta.
- Un registro aprobado queda protegido durante el periodo de su nivel.

# 3. Conducta
El Socio cumple todas las leyes anticorrupción y nunca ofrece nada de valor a un funcionario público."""),
    "ja": ("パートナープログラム契約", """# 第1条（目的）
本契約は、パートナーがベンダーの製品を販売、再販およびサポートする条件を定める。

# 第2条（商談登録）
- パートナーは、見積を提示する前に、すべての商談をポータルに登録する。
- 承認された登録は、パートナーのティアに応じた期間保護される。

# 第3条（行動規範）
パートナーは、すべての贈収賄防止法令を遵守し、公務員に対して利益を提供してはならない。"""),
}
ENGLISH_V2_NOTE = "\n\n# 6. Changes in version 2\nMarket development funds are claimed within 60 days of the activity."

QUESTIONS = [
    ("officials", ComplianceQuestion.Topic.ANTI_BRIBERY, ComplianceQuestion.ReviewWhen.YES, {
        "en": "Do government officials or their relatives own or control part of your company?",
        "de": "Sind Amtsträger oder deren Angehörige an Ihrem Unternehmen beteiligt?",
        "fr": "Des agents publics ou leurs proches détiennent-ils une part de votre société ?",
        "es": "¿Algún funcionario público o familiar suyo posee parte de su empresa?",
        "ja": "公務員またはその親族が貴社の株式を保有または支配していますか？",
    }),
    ("investigations", ComplianceQuestion.Topic.ANTI_BRIBERY, ComplianceQuestion.ReviewWhen.YES, {
        "en": "Has your company been investigated for bribery or corruption in the last five years?",
        "de": "Wurde gegen Ihr Unternehmen in den letzten fünf Jahren wegen Bestechung ermittelt?",
        "fr": "Votre société a-t-elle fait l'objet d'une enquête pour corruption au cours des cinq dernières années ?",
        "es": "¿Su empresa ha sido investigada por soborno o corrupción en los últimos cinco años?",
        "ja": "過去5年間に、贈収賄または汚職に関して調査を受けたことがありますか？",
    }),
    ("policy", ComplianceQuestion.Topic.ANTI_BRIBERY, ComplianceQuestion.ReviewWhen.NO, {
        "en": "Does your company have a written anti-bribery policy that staff are trained on?",
        "de": "Hat Ihr Unternehmen eine schriftliche Antikorruptionsrichtlinie, zu der Mitarbeitende geschult werden?",
        "fr": "Votre société dispose-t-elle d'une politique anticorruption écrite, avec formation du personnel ?",
        "es": "¿Su empresa tiene una política anticorrupción escrita en la que se forma al personal?",
        "ja": "貴社には、従業員教育を伴う書面の贈収賄防止方針がありますか？",
    }),
    ("gdpr", ComplianceQuestion.Topic.DATA_PROTECTION, ComplianceQuestion.ReviewWhen.NO, {
        "en": "Do you agree to process customer personal data only under the vendor's data processing terms?",
        "de": "Verarbeiten Sie personenbezogene Kundendaten ausschließlich gemäß den Auftragsverarbeitungsbedingungen?",
        "fr": "Acceptez-vous de traiter les données personnelles des clients uniquement selon nos conditions de traitement ?",
        "es": "¿Acepta tratar los datos personales de clientes solo según las condiciones de tratamiento del fabricante?",
        "ja": "顧客の個人データを、ベンダーのデータ処理条件に従ってのみ取り扱うことに同意しますか？",
    }),
]
CLEAN_ANSWERS = {"officials": "no", "investigations": "no", "policy": "yes", "gdpr": "yes"}


def _ensure_agreements(now) -> None:
    for language, (title, body) in AGREEMENTS.items():
        template, _created = AgreementTemplate.objects.get_or_create(
            partner_type="", region=None, language=language, defaults={"name": title}
        )
        texts = [(1, body, None)]
        if language == "en":
            texts.append((2, body + ENGLISH_V2_NOTE, (now + timedelta(days=21)).date()))
        for number, text, deadline in texts:
            if AgreementVersion.objects.filter(template=template, version=number).exists():
                continue
            version = AgreementVersion(template=template, version=number, title=title, body=text,
                                       effective_date=(now - timedelta(days=400 if number == 1 else 0)).date(),
                                       reaccept_deadline=deadline)
            version.content_hash = version.computed_hash()
            version.published_at = now - timedelta(days=400 if number == 1 else 2)
            version.save()


def _ensure_questions() -> None:
    for order, (code, topic, review_when, text) in enumerate(QUESTIONS):
        ComplianceQuestion.objects.get_or_create(
            code=code, defaults={"topic": topic, "review_when": review_when, "text": text, "order": order},
        )


def _demo_iban(country: str, rng) -> str:
    length = IBAN_LENGTHS[country]
    bban = "".join(str(rng.randrange(10)) for _ in range(length - 4))
    digits = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    iban = f"{country}{98 - int(digits) % 97:02d}{bban}"
    assert iban_checksum_ok(iban)
    return iban


def _complete(partner, admin, *, steps, when, ctx, versions, questions) -> None:
    for offset, code in enumerate(steps):
        OnboardingStep.objects.get_or_create(
            partner=partner, code=code, defaults={"completed_at": when + timedelta(hours=offset * 5), "completed_by": admin}
        )
    if "profile" in steps:
        OnboardingProfile.objects.get_or_create(partner=partner, defaults={
            "address_line1": f"{ctx.rng.randrange(1, 200)} Market Street", "postal_code": f"{ctx.rng.randrange(10000, 99999)}",
            "city": "Demo City", "country": partner.country, "vat_id": f"{partner.country}{ctx.rng.randrange(10**8, 10**9)}",
            "phone": f"+{ctx.rng.randrange(10, 99)} {ctx.rng.randrange(100, 999)} {ctx.rng.randrange(100000, 999999)}",
            "updated_by": admin,
        })
    if "payout" in steps and not PayoutDetails.objects.filter(partner=partner).exists():
        base = {"partner": partner, "account_holder": partner.legal_name or partner.name, "bank_country": partner.country,
                "currency": partner.currency, "updated_by": admin}
        if partner.country in IBAN_LENGTHS:
            PayoutDetails.objects.create(**base, method=PayoutDetails.Method.IBAN, iban=_demo_iban(partner.country, ctx.rng))
        else:
            PayoutDetails.objects.create(**base, method=PayoutDetails.Method.ACCOUNT, routing_number="021000021",
                                         account_number=str(ctx.rng.randrange(10**9, 10**10)))
    if "compliance" in steps and not ComplianceResponse.objects.filter(partner=partner).exists():
        ComplianceResponse.objects.create(partner=partner, submitted_by=admin, submitted_at=when, answers=[
            {"question_id": q.pk, "code": q.code, "topic": q.topic, "answer_type": q.answer_type,
             "text": q.text_for("en"), "text_as_asked": q.text_for(partner.default_language),
             "answer": CLEAN_ANSWERS.get(q.code, ""), "needs_review": False} for q in questions
        ])
    if "agreement" in steps:
        # The first version in force: English partners then see version 2 as due, with its deadline.
        current = current_version_for(partner=partner, versions=versions)
        if current is not None:
            first = AgreementVersion.objects.get(template=current.template, version=1)
            if not AgreementAcceptance.objects.filter(partner=partner, version=first).exists():
                AgreementAcceptance.objects.create(
                    partner=partner, version=first, template=first.template, version_number=1,
                    content_hash=first.content_hash, language=first.template.language, accepted_by=admin,
                    accepted_by_name=admin.get_full_name() or admin.email, accepted_by_email=admin.email,
                    accepted_at=when + timedelta(hours=3), ip_address="203.0.113.10", user_agent="Demo browser",
                )


def _flag_for_review(partner, admin, *, when, questions) -> None:
    if ComplianceResponse.objects.filter(partner=partner).exists():
        return
    answers = {**CLEAN_ANSWERS, "officials": "yes"}
    officials = next(q for q in questions if q.code == "officials")
    ComplianceResponse.objects.create(
        partner=partner, submitted_by=admin, submitted_at=when, review_status=ComplianceResponse.Review.PENDING,
        review_reasons=[f"{officials.text_for('en')} — yes"],
        answers=[{"question_id": q.pk, "code": q.code, "topic": q.topic, "answer_type": q.answer_type,
                  "text": q.text_for("en"), "text_as_asked": q.text_for(partner.default_language),
                  "answer": answers.get(q.code, ""), "needs_review": q.code == "officials"} for q in questions],
    )
    OnboardingStep.objects.get_or_create(partner=partner, code="compliance",
                                         defaults={"completed_at": when, "completed_by": admin})


def seed_onboarding_demo(ctx) -> None:
    now = ctx.now
    _ensure_agreements(now)
    _ensure_questions()
    versions = published_versions()
    questions = list(ComplianceQuestion.objects.filter(is_active=True).order_by("order"))
    every_step = ["profile", "agreement", "compliance", "payout", "team"]
    onboarding_seen = 0
    for partner in ctx.partners:
        with partner_scope(partner):
            admin_membership = (Membership.objects.filter(partner=partner, role=Membership.Role.ADMIN, is_active=True)
                                .select_related("user").order_by("pk").first())
            if admin_membership is None:
                continue
            admin = admin_membership.user
            if partner.status in (PartnerOrganization.Status.ACTIVE, PartnerOrganization.Status.SUSPENDED,
                                  PartnerOrganization.Status.OFFBOARDED):
                # Onboarded in the weeks before it became active (status_changed_at, set by seed_demo).
                activated = partner.activated_at or partner.status_changed_at
                start = activated - timedelta(days=ctx.rng.randrange(4, 30))
                _complete(partner, admin, steps=every_step, when=start, ctx=ctx, versions=versions, questions=questions)
                PartnerOrganization.objects.filter(pk=partner.pk, activated_at__isnull=True).update(activated_at=activated)
                # Approval came before onboarding: time to first value is measured from it.
                PartnerOrganization.objects.filter(pk=partner.pk, created_at__gt=start).update(
                    created_at=start - timedelta(days=ctx.rng.randrange(1, 10)))
            elif partner.status == PartnerOrganization.Status.ONBOARDING:
                # Every other onboarding partner waits for a compliance review; the rest are half-way.
                when = partner.status_changed_at + timedelta(hours=6)
                _complete(partner, admin, steps=["profile", "agreement"], when=when, ctx=ctx, versions=versions,
                          questions=questions)
                if onboarding_seen % 2 == 1:
                    _flag_for_review(partner, admin, when=when + timedelta(days=1), questions=questions)
                onboarding_seen += 1
    ctx.stdout.write("Onboarding: agreements, compliance questions and checklists ready.")
