"""Portal pages of a person's learning: my learning, the catalogue and paths, certificates (list and PDF) and, for
partner admins, the team's progress with path assignment. Runs inside the partner's scope.

Every member learns; the team page and assigning paths need ``can_manage_users`` (partner admins have it).
A certificate is its holder's (team managers may download their members' too); another partner's id is not
found (404): every lookup goes through the partner's scope.
"""


from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from enablement import selectors
from enablement.forms import PathAssignForm, add_service_error
from enablement.models import CertificationAward, LearningPath, localized
from enablement.services import path_assign
from enablement.services.pdfs import certificate_is_fresh, certificate_queue
from partners.models import Membership
from partners.views.mixins import require_capability
from prm.common.downloads import private_download

CAN_MANAGE_TEAM = "can_manage_users"
TEAM_PAGE_SIZE = 50


def reader_language() -> str:
    return (translation.get_language() or "en").split("-")[0]


def role_of(request) -> str:
    return request.membership.role


def can_manage_team(request) -> bool:
    membership = getattr(request, "membership", None)
    return bool(membership and membership.can(CAN_MANAGE_TEAM))


def error_text(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


# --- my learning, catalogue, paths ------------------------------------------------------------------------------


def my_learning(request):
    data = selectors.my_learning(partner=request.partner, user=request.user, today=timezone.localdate(),
                                 language=reader_language())
    return TemplateResponse(request, "enablement/portal/my_learning.html", {
        "learning": data, "expiry_warning_days": selectors.EXPIRY_WARNING_DAYS,
    })


def catalogue(request):
    data = selectors.catalogue_for(partner=request.partner, role=role_of(request), user=request.user,
                                   language=reader_language())
    return TemplateResponse(request, "enablement/portal/catalogue.html", {"catalogue": data})


def paths(request):
    data = selectors.catalogue_for(partner=request.partner, role=role_of(request), user=request.user,
                                   language=reader_language())
    return TemplateResponse(request, "enablement/portal/paths.html", {"catalogue": data})


@require_POST
def path_choose(request, code: str):
    """A member picks a path for themselves: enrolled on each of its courses. Idempotent."""
    try:
        path = selectors.path_for_portal(code=code, partner=request.partner, role=role_of(request))
    except LearningPath.DoesNotExist:
        raise Http404 from None
    try:
        path_assign(partner=request.partner, user=request.user, path=path, assigned_by=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("enablement:paths")
    messages.success(request, _("%(path)s is on your learning list.")
                     % {"path": localized(path, "title", reader_language()).text})
    return redirect("enablement:my_learning")


# --- certificates ---------------------------------------------------------------------------------------------


def certificates(request):
    return TemplateResponse(request, "enablement/portal/certificates.html", {
        "awards": selectors.certificates_for(partner=request.partner, user=request.user, today=timezone.localdate(),
                                             language=reader_language()),
        "expiry_warning_days": selectors.EXPIRY_WARNING_DAYS,
    })


def certificate_pdf(request, pk: int):
    """The certificate PDF when a fresh one is stored; else it is queued for a worker and a waiting page shows."""
    try:
        award = selectors.award_get_for_portal(partner=request.partner, pk=pk, user=request.user,
                                               may_see_team=can_manage_team(request))
    except CertificationAward.DoesNotExist:
        raise Http404 from None
    if award.revoked_at is not None:
        messages.error(request, _("This certification was revoked; there is no certificate for it."))
        return redirect("enablement:certificates")
    pdf = award.certificate_pdf
    if certificate_is_fresh(award=award) and pdf.storage.exists(pdf.name):
        return private_download(pdf, filename=f"certificate-{award.verification_code}.pdf", content_type="application/pdf")
    certificate_queue(award=award)
    name = localized(award.certification, "name", reader_language())
    return TemplateResponse(request, "enablement/portal/certificate_pending.html", {"award": award, "name": name})


# --- team progress (partner admins) ---------------------------------------------------------------------------


def _assign_form(request, data=None) -> PathAssignForm:
    language = reader_language()
    members = Membership.objects.filter(partner=request.partner, is_active=True).select_related("user").order_by(
        "user__full_name", "user__email")
    options = [(p, localized(p, "title", language).text) for p in selectors.paths_assignable(partner=request.partner)]
    return PathAssignForm(data, members=members, paths=options, prefix="assign")


def _team_response(request, form: PathAssignForm, *, status: int = 200):
    rows = selectors.team_progress(partner=request.partner, today=timezone.localdate())
    page = Paginator(rows, TEAM_PAGE_SIZE).get_page(request.GET.get("page"))
    totals = {
        "members": len(rows),
        "enrolled": sum(r.enrolled for r in rows), "completed": sum(r.completed for r in rows),
        "active": sum(r.active_certifications for r in rows), "expiring": sum(r.expiring_certifications for r in rows),
    }
    return TemplateResponse(request, "enablement/portal/team_progress.html", {
        "page": page, "rows": page.object_list, "totals": totals, "form": form,
        "expiry_warning_days": selectors.EXPIRY_WARNING_DAYS,
    }, status=status)


@require_capability(CAN_MANAGE_TEAM)
def team_progress(request):
    return _team_response(request, _assign_form(request))


@require_POST
@require_capability(CAN_MANAGE_TEAM)
def team_assign(request):
    form = _assign_form(request, request.POST)
    if form.is_valid():
        member, path = form.cleaned_data["member"], form.cleaned_data["path"]
        try:
            path_assign(partner=request.partner, user=member.user, path=path, assigned_by=request.user,
                        due_on=form.cleaned_data.get("due_on"))
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("%(path)s was assigned to %(person)s.") % {
                "path": localized(path, "title", reader_language()).text, "person": member.user.get_full_name()})
            return redirect("enablement:team_progress")
    return _team_response(request, form, status=400)
