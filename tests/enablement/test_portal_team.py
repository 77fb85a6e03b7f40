"""My learning and the team's progress: constant query counts whatever the number of rows, paths chosen by a
member or assigned by a partner admin, and who may see the team."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from enablement.models import Enrollment, PathAssignment
from enablement.services import path_assign
from prm.tenancy.scoping import partner_scope

from .helpers import certification, complete, course, path
from .portal_helpers import learner

pytestmark = pytest.mark.django_db


def queries_for(client, url):
    client.get(url)  # warm up sessions and content types
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode(), queries


def test_my_learning_has_a_constant_query_count(client, partner_a, admin_a, user_a):
    url = reverse("enablement:my_learning")
    client.force_login(user_a)
    first = course()
    certification(first)
    complete(partner_a, user_a, first)
    with partner_scope(partner_a):
        path_assign(partner=partner_a, user=user_a, path=path(first, course()), assigned_by=admin_a)
    one, html, _ = queries_for(client, url)
    assert html.count('class="enrollment-row"') == 2 and html.count('class="path-row"') == 1
    assert html.count('class="award-row') == 1
    for _n in range(4):
        items = [course(), course(), course()]
        certification(items[0])
        complete(partner_a, user_a, items[0])
        with partner_scope(partner_a):
            path_assign(partner=partner_a, user=user_a, path=path(*items), assigned_by=admin_a)
    many, html, queries = queries_for(client, url)
    assert html.count('class="enrollment-row"') == 14 and html.count('class="path-row"') == 5
    assert html.count('class="award-row') == 5
    assert many == one, [q["sql"] for q in queries.captured_queries]


def test_my_learning_shows_path_progress_and_course_progress(client, partner_a, admin_a, user_a):
    done, started, untouched = course(lessons=2), course(lessons=2, quiz=False), course()
    complete(partner_a, user_a, done)
    with partner_scope(partner_a):
        path_assign(partner=partner_a, user=user_a, path=path(done, started, untouched), assigned_by=admin_a)
        from enablement.services import lesson_complete

        enrollment = Enrollment.objects.get(user=user_a, course=started)
        lesson_complete(enrollment=enrollment, lesson=started.lessons.first())
    client.force_login(user_a)
    html = client.get(reverse("enablement:my_learning")).content.decode()
    assert 'max="3" value="1"' in html  # the path: one course of three done
    assert 'max="100" value="50"' in html  # one lesson of two, no quiz
    assert 'max="100" value="100"' in html and 'max="100" value="0"' in html


def test_a_member_takes_a_path_for_themselves(client, partner_a, user_a):
    first, second = course(), course()
    learning = path(first, second, code="sales-basics")
    client.force_login(user_a)
    page = client.get(reverse("enablement:paths")).content.decode()
    choose = reverse("enablement:path_choose", args=["sales-basics"])
    assert choose in page
    assert client.post(choose)["Location"] == reverse("enablement:my_learning")
    assert client.post(choose).status_code == 302  # twice: one assignment
    with partner_scope(partner_a):
        assignment = PathAssignment.objects.get(user=user_a)
        assert assignment.path == learning and assignment.assigned_by == user_a
        assert set(Enrollment.objects.filter(user=user_a).values_list("course_id", flat=True)) == {first.pk, second.pk}
    hidden = path(course(), code="distributors-only")
    hidden.partner_types = ["distributor"]
    hidden.save()
    assert client.post(reverse("enablement:path_choose", args=["distributors-only"])).status_code == 404


def test_team_progress_is_for_partner_admins(client, partner_a, user_a):
    client.force_login(user_a)
    assert client.get(reverse("enablement:team_progress")).status_code == 403
    assert client.post(reverse("enablement:team_assign")).status_code == 403
    assert reverse("enablement:team_progress") not in client.get(reverse("enablement:my_learning")).content.decode()


def test_team_progress_has_a_constant_query_count_whatever_the_team_size(client, partner_a, admin_a, user_a):
    url = reverse("enablement:team_progress")
    client.force_login(admin_a)
    first = course()
    certification(first)
    complete(partner_a, user_a, first)
    one, html, _ = queries_for(client, url)
    assert html.count('class="member-row"') == 2
    for _n in range(8):
        person = learner(partner_a)
        item = course()
        certification(item)
        complete(partner_a, person, item)
        with partner_scope(partner_a):
            path_assign(partner=partner_a, user=person, path=path(course()), assigned_by=admin_a)
    many, html, queries = queries_for(client, url)
    assert html.count('class="member-row"') == 10
    assert many == one, [q["sql"] for q in queries.captured_queries]


def test_a_partner_admin_assigns_a_path_to_a_member(client, partner_a, admin_a, user_a, partner_b, user_b):
    first, second = course(), course()
    learning = path(first, second)
    client.force_login(admin_a)
    with partner_scope(partner_a):
        membership = user_a.memberships.get(partner=partner_a)
    page = client.get(reverse("enablement:team_progress")).content.decode()
    assert f'value="{membership.pk}"' in page and f'value="{learning.pk}"' in page
    response = client.post(reverse("enablement:team_assign"),
                           {"assign-member": membership.pk, "assign-path": learning.pk, "assign-due_on": "2031-03-31"})
    assert response.status_code == 302
    with partner_scope(partner_a):
        assignment = PathAssignment.objects.get(user=user_a)
        assert assignment.assigned_by == admin_a and str(assignment.due_on) == "2031-03-31"
        assert Enrollment.objects.filter(user=user_a, source=Enrollment.Source.ASSIGNED).count() == 2
    # The member sees the assigned path with its due date on their own page.
    client.force_login(user_a)
    assert 'class="path-row"' in client.get(reverse("enablement:my_learning")).content.decode()
    # Another partner's member is not a choice: refused with the form's message, nothing written.
    with partner_scope(partner_b):
        foreign = user_b.memberships.get(partner=partner_b)
    client.force_login(admin_a)
    refused = client.post(reverse("enablement:team_assign"), {"assign-member": foreign.pk, "assign-path": learning.pk})
    assert refused.status_code == 400
    with translation.override(admin_a.preferred_language):
        assert gettext("Select a valid choice. That choice is not one of the available choices.") in refused.content.decode()
    with partner_scope(partner_b):
        assert not PathAssignment.objects.exists() and not Enrollment.objects.exists()
