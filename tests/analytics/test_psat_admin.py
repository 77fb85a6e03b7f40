"""PSAT in the admin: responses scoped to the manager's regions, anonymous answers never name anyone (list,
detail, CSV), the results page with hand-computed figures by region, tier and partner type, and the operators'
survey admin."""

from datetime import date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from analytics.models import PsatInvitation, PsatResponse, PsatSurvey
from analytics.psat.selectors import psat_results
from partners.models import PartnerOrganization, PartnerTier, Tier, TierProgram
from prm.tenancy.scoping import partner_scope, partners_scope, unscoped
from tests.analytics.psat_helpers import answer, grant_psat_view, invite, quarterly
from tests.factories import PartnerFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db

Q2 = date(2026, 4, 1)


@pytest.fixture
def manager(manager_a):
    grant_psat_view(manager_a)
    return manager_a


def changelist():
    return reverse("admin:analytics_psatresponse_changelist")


# --- scoping and anonymity ---------------------------------------------------------------------------------------


def test_a_manager_sees_the_responses_of_their_regions_only(client, manager, partner_a, partner_b, user_a, user_b):
    survey = quarterly(Q2)
    mine = answer(partner_a, 9, survey=survey, user=user_a, comment="EMEA loves the deal desk")
    theirs = answer(partner_b, 2, survey=survey, user=user_b, comment="APAC waits for approvals")
    client.force_login(manager)
    content = client.get(changelist()).content.decode()
    assert "EMEA loves the deal desk" in content and partner_a.name in content
    assert "APAC waits for approvals" not in content and partner_b.name not in content
    assert client.get(reverse("admin:analytics_psatresponse_change", args=[mine.pk])).status_code == 200
    other = client.get(reverse("admin:analytics_psatresponse_change", args=[theirs.pk]), follow=True)
    assert other.redirect_chain[-1][0] == reverse("admin:index")
    assert "APAC waits for approvals" not in other.content.decode()


def test_staff_without_the_permission_and_partner_users_see_nothing(client, manager_a, partner_a, user_a):
    answer(partner_a, 9, survey=quarterly(Q2), user=user_a, comment="secret")
    client.force_login(manager_a)  # channel managers view their regions' answers (prm/accounts/roles.py)
    assert client.get(changelist()).status_code == 200
    manager_a.groups.clear()  # a staff member without that role's permission sees nothing
    client.force_login(manager_a)
    assert client.get(changelist()).status_code == 403
    client.force_login(user_a)
    assert client.get(changelist()).status_code == 302  # not staff: the admin's sign-in


def test_an_operator_sees_every_region(client, operator, partner_a, partner_b):
    survey = quarterly(Q2)
    answer(partner_a, 9, survey=survey, comment="from alpha")
    answer(partner_b, 3, survey=survey, comment="from beta")
    client.force_login(operator)
    content = client.get(changelist()).content.decode()
    assert "from alpha" in content and "from beta" in content


def test_anonymous_answers_never_name_the_person(client, manager, partner_a):
    named_person = make_member(partner=partner_a, user=UserFactory(full_name="Nadia Named",
                                                                  email="nadia@alpha.example")).user
    hidden = make_member(partner=partner_a, user=UserFactory(full_name="Zelda Quux", email="zelda@alpha.example")).user
    survey = quarterly(Q2)
    invitation, raw = invite(partner_a, hidden, survey)
    from analytics.psat.services import submit_response

    anonymous = submit_response(token=raw, score=4, comment="Too much paperwork", anonymous=True)
    named = answer(partner_a, 10, survey=survey, user=named_person, comment="Great")
    client.force_login(manager)
    pages = [
        client.get(changelist()).content.decode(),
        client.get(reverse("admin:analytics_psatresponse_change", args=[anonymous.pk])).content.decode(),
        client.post(changelist(), {"action": "export_csv", "_selected_action": [anonymous.pk, named.pk]}
                    ).content.decode("utf-8-sig"),
    ]
    for page in pages:
        assert "Too much paperwork" in page and "Anonymous" in page
        assert "Zelda" not in page and "zelda@alpha.example" not in page
    assert "Nadia Named" in pages[0] and "Nadia Named" in pages[2]  # named answers do name their author
    assert f"/admin/accounts/user/{hidden.pk}/" not in pages[1]


def test_the_csv_neutralises_formulas(client, manager, partner_a, user_a):
    response = answer(partner_a, 1, survey=quarterly(Q2), user=user_a, comment="=HYPERLINK(\"http://x\")")
    client.force_login(manager)
    csv_text = client.post(changelist(), {"action": "export_csv", "_selected_action": [response.pk]}
                           ).content.decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text
    assert csv_text.splitlines()[0].startswith("Submitted,Survey,Partner,Region")


def test_the_changelist_query_count_is_constant(client, manager, partner_a, django_assert_max_num_queries):
    survey = quarterly(Q2)
    answer(partner_a, 5, survey=survey, user=make_member(partner=partner_a).user)
    client.force_login(manager)
    client.get(changelist())
    with django_assert_max_num_queries(40) as small:
        client.get(changelist())
    for score in range(11):
        answer(partner_a, score, survey=survey, user=make_member(partner=partner_a).user, comment=f"c{score}")
        answer(partner_a, score, survey=survey)  # anonymous
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(changelist())


# --- results ---------------------------------------------------------------------------------------------------


@pytest.fixture
def results_world(region_a, region_b, partner_a, partner_b):
    """EMEA: partner_a (reseller, Gold) 10, 9, 7, 3. APAC: partner_b (reseller, no tier) 6, 8; partner_c (ISV,
    Silver) 9. Plus noise: another survey's answer and one answered in the next quarter."""
    program = TierProgram.objects.create(code="main", name="Main")
    gold = Tier.objects.create(program=program, code="gold", name="Gold", rank=3, translations={"de": "Gold DE"})
    silver = Tier.objects.create(program=program, code="silver", name="Silver", rank=2)
    partner_c = PartnerFactory(name="Gamma ISV", region=region_b, country="JP",
                               partner_type=PartnerOrganization.PartnerType.ISV)
    for partner, tier in ((partner_a, gold), (partner_c, silver)):
        with partner_scope(partner):
            PartnerTier.objects.create(partner=partner, program=program, tier=tier, since=Q2)
    survey = quarterly(Q2)
    in_q2 = timezone.make_aware(datetime(2026, 5, 10, 12, 0))
    for partner, scores in ((partner_a, (10, 9, 7, 3)), (partner_b, (6, 8)), (partner_c, (9,))):
        for score in scores:
            answer(partner, score, survey=survey, at=in_q2)
    answer(partner_a, 0, survey=survey, at=timezone.make_aware(datetime(2026, 7, 2, 12, 0)))  # next quarter
    answer(partner_a, 0, survey=quarterly(date(2026, 1, 1)), at=in_q2)  # another survey
    people = [make_member(partner=partner_a).user for _ in range(8)]
    for index, person in enumerate(people):
        invitation, _raw = invite(partner_a, person, survey, sent_at=in_q2)
        if index < 7:
            with partner_scope(partner_a):
                PsatInvitation.objects.filter(pk=invitation.pk).update(used_at=in_q2)
    return {"survey": survey, "partners": (partner_a, partner_b, partner_c)}


def rows(summaries):
    return [(s.label, s.responses, str(s.average), s.promoters, s.passives, s.detractors, s.nps) for s in summaries]


def test_results_by_region_tier_and_type_are_the_hand_computed_figures(results_world):
    with unscoped():
        results = psat_results(survey=results_world["survey"], quarter=Q2)
    overall = results.overall
    # 52 / 7 = 7.43; promoters 3, detractors 2 of 7: NPS round(14.3) = 14
    assert (overall.responses, str(overall.average), overall.promoters, overall.passives, overall.detractors,
            overall.nps) == (7, "7.4", 3, 2, 2, 14)
    assert (overall.promoters_percent, overall.passives_percent, overall.detractors_percent) == (43, 29, 29)
    assert rows(results.by_region) == [
        ("APAC", 3, "7.7", 1, 1, 1, 0),    # 6, 8, 9: 23 / 3 = 7.67
        ("EMEA", 4, "7.3", 2, 1, 1, 25),   # 10, 9, 7, 3: 29 / 4 = 7.25, half up
    ]
    assert rows(results.by_tier) == [
        ("Gold", 4, "7.3", 2, 1, 1, 25),
        ("Silver", 1, "9.0", 1, 0, 0, 100),
        ("No tier", 2, "7.0", 0, 1, 1, -50),
    ]
    assert rows(results.by_partner_type) == [  # by the type's code: isv, reseller
        ("Software vendor (ISV)", 1, "9.0", 1, 0, 0, 100),
        ("Reseller (VAR)", 6, "7.2", 2, 2, 2, 0),  # 43 / 6 = 7.17
    ]
    assert (results.invited, results.answered, results.response_rate) == (8, 7, 88)


def test_without_a_quarter_every_answer_to_the_survey_counts(results_world):
    with unscoped():
        results = psat_results(survey=results_world["survey"])
    assert results.overall.responses == 8  # the July answer too (score 0)
    assert results.overall.detractors == 3


def test_results_follow_the_viewers_scope_and_cost_six_queries(results_world, django_assert_num_queries):
    partner_a = results_world["partners"][0]
    with partners_scope([partner_a.pk]), django_assert_num_queries(6):
        results = psat_results(survey=results_world["survey"], quarter=Q2)
    assert results.overall.responses == 4
    assert [s.label for s in results.by_region] == ["EMEA"]
    # Twice the responses, the same six queries.
    for score in (1, 2, 3, 4):
        answer(partner_a, score, survey=results_world["survey"], at=timezone.make_aware(datetime(2026, 5, 11)))
    with partners_scope([partner_a.pk]), django_assert_num_queries(6):
        assert psat_results(survey=results_world["survey"], quarter=Q2).overall.responses == 8


def test_the_results_page_for_a_manager_shows_their_regions(client, manager, results_world):
    client.force_login(manager)
    url = reverse("admin:analytics_psatresponse_results")
    page = client.get(url, {"survey": results_world["survey"].pk, "quarter": "2026-Q2"})
    assert page.status_code == 200
    content = page.content.decode()
    assert 'id="psat-region"' in content and "EMEA" in content and "APAC" not in content
    assert "Gold" in content and "No tier" not in content  # partner_b (no tier) is in APAC
    assert page.context["results"].overall.responses == 4
    assert client.get(url, {"quarter": "nonsense"}).status_code == 200  # a bad filter is a message, not a 500
    assert client.get(changelist()).content.decode().count(url) == 1  # linked from the list


def test_the_results_page_needs_the_view_permission(client, manager_a, results_world):
    manager_a.groups.clear()  # the channel managers' group grants it; without it: refused
    client.force_login(manager_a)
    assert client.get(reverse("admin:analytics_psatresponse_results")).status_code == 403


# --- surveys (operators) ----------------------------------------------------------------------------------------


def test_operators_manage_surveys_and_managers_do_not(client, operator, manager):
    client.force_login(manager)
    assert client.get(reverse("admin:analytics_psatsurvey_changelist")).status_code == 403
    client.force_login(operator)
    add = reverse("admin:analytics_psatsurvey_add")
    response = client.post(add, {"kind": "quarterly", "quarter": "2026-08-20", "is_active": "on",
                                 "allow_anonymous": "on", "link_valid_days": "21"})
    assert response.status_code == 302
    survey = PsatSurvey.objects.get()
    assert (survey.quarter, survey.link_valid_days) == (date(2026, 7, 1), 21)  # the quarter's first day
    duplicate = client.post(add, {"kind": "quarterly", "quarter": "2026-09-01", "link_valid_days": "30"})
    assert duplicate.status_code == 200 and "There is already a pulse for 2026-Q3." in duplicate.content.decode()
    missing = client.post(add, {"kind": "quarterly", "quarter": "", "link_valid_days": "30"})
    assert "Choose a day of the quarter this pulse is for." in missing.content.decode()
    event = client.post(add, {"kind": "deal_approved", "quarter": "2026-08-20", "is_active": "on",
                              "link_valid_days": "14"})
    assert event.status_code == 302
    assert PsatSurvey.objects.get(kind="deal_approved").quarter is None
    again = client.post(add, {"kind": "deal_approved", "link_valid_days": "14"})
    assert "This event survey exists already" in again.content.decode()
    changelist_page = client.get(reverse("admin:analytics_psatsurvey_changelist"))
    assert changelist_page.status_code == 200


def test_send_now_queues_the_wave_for_quarterly_pulses(client, operator, partner_a, admin_a,
                                                       django_capture_on_commit_callbacks):
    wave = quarterly(Q2)
    event = PsatSurvey.objects.create(kind=PsatSurvey.Kind.CLAIM_PAID)
    client.force_login(operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:analytics_psatsurvey_changelist"),
                               {"action": "send_now", "_selected_action": [wave.pk, event.pk]}, follow=True)
    content = response.content.decode()
    assert "1 pulse is being sent" in content and "1 survey skipped" in content
    with partner_scope(partner_a):
        assert list(PsatInvitation.objects.values_list("user_id", "survey_id")) == [(admin_a.pk, wave.pk)]
    with unscoped():
        assert PsatResponse.objects.count() == 0


def test_a_sent_wave_keeps_its_kind_and_quarter(client, operator):
    wave = quarterly(Q2)
    client.force_login(operator)
    client.post(reverse("admin:analytics_psatsurvey_change", args=[wave.pk]),
                {"kind": "claim_paid", "quarter": "2027-01-01", "link_valid_days": "5"})
    wave.refresh_from_db()
    assert (wave.kind, wave.quarter, wave.link_valid_days, wave.is_active) == ("quarterly", Q2, 5, False)
