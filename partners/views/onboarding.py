"""Portal pages of onboarding: the checklist, company profile, agreement (accept, PDF), questionnaire,
payout details. Runs inside the partner's scope; partner admins do the steps, everyone sees progress."""

from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from partners import onboarding_selectors as selectors
from partners.agreement_text import render_agreement_body
from partners.forms_onboarding import AgreementAcceptForm, CompanyProfileForm, ComplianceForm, PayoutDetailsForm
from partners.models import AgreementAcceptance
from partners.services.agreements import (
    AgreementError,
    agreement_accept,
    agreement_check_can_accept,
    agreement_pdf_requeue,
)
from partners.services.onboarding import (
    onboarding_profile_update,
    onboarding_sync,
    onboarding_team_just_me,
    payout_details_update,
)
from partners.services.onboarding_compliance import compliance_submit

PDF_REQUEUE_AFTER = timedelta(minutes=2)


def require_partner_admin(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        membership = getattr(request, "membership", None)
        if membership is None or not membership.is_admin:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _is_admin(request) -> bool:
    return bool(getattr(request, "membership", None) and request.membership.is_admin)


def _form_error(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def checklist(request):
    checklist = onboarding_sync(partner=request.partner, actor=request.user)
    return TemplateResponse(request, "partners/portal/onboarding_checklist.html", {
        "checklist": checklist,
        "agreement": checklist.facts.agreement,
        "compliance": checklist.facts.compliance,
        "is_admin": _is_admin(request),
        "partner": request.partner,
    })


def profile(request):
    partner = request.partner
    current = selectors.onboarding_profile_for(partner=partner)
    can_edit = _is_admin(request)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    initial = {"legal_name": partner.legal_name, "website": partner.website, "country": partner.country}
    if current is not None:
        initial.update({name: getattr(current, name) for name in (
            "address_line1", "address_line2", "postal_code", "city", "country", "vat_id", "phone")})
    form = CompanyProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            onboarding_profile_update(partner=partner, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Company profile saved."))
            return redirect("partners:onboarding")
    return TemplateResponse(request, "partners/portal/onboarding_profile.html",
                            {"form": form, "profile": current, "can_edit": can_edit, "partner": partner})


def agreement(request):
    partner = request.partner
    status = selectors.agreement_status_for(partner=partner)
    can_accept, cannot_reason = True, ""
    try:
        agreement_check_can_accept(user=request.user, membership=getattr(request, "membership", None), partner=partner)
    except AgreementError as error:
        can_accept, cannot_reason = False, error.messages[0]
    initial = {"version": status.current.pk} if status.current else {}
    form = AgreementAcceptForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not can_accept:
            messages.error(request, cannot_reason)
            return redirect("partners:agreement")
        if form.is_valid():
            try:
                agreement_accept(partner=partner, user=request.user, membership=request.membership,
                                 version_id=form.cleaned_data["version"])
            except AgreementError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Thank you: the agreement is accepted for %(company)s.")
                                 % {"company": partner.name})
                return redirect("partners:onboarding")
    return TemplateResponse(request, "partners/portal/agreement_detail.html", {
        "status": status,
        "version": status.current,
        "body": render_agreement_body(status.current.body) if status.current else "",
        "form": form,
        "can_accept": can_accept and status.current is not None and status.state != selectors.AgreementState.ACCEPTED,
        "cannot_reason": cannot_reason,
        "acceptances": selectors.agreement_acceptance_list_for_portal(partner=partner),
    })


def agreement_pdf(request, pk: int):
    try:
        acceptance = selectors.agreement_acceptance_get(partner=request.partner, pk=pk)
    except AgreementAcceptance.DoesNotExist:
        raise Http404 from None
    pdf = getattr(acceptance, "pdf", None)
    if pdf is not None and pdf.file and pdf.file.storage.exists(pdf.file.name):
        filename = f"agreement-v{acceptance.version_number}-{acceptance.accepted_at:%Y%m%d}.pdf"
        return FileResponse(pdf.file.open("rb"), as_attachment=True, filename=filename, content_type="application/pdf")
    if timezone.now() - acceptance.accepted_at > PDF_REQUEUE_AFTER:
        agreement_pdf_requeue(acceptance=acceptance)  # the first dispatch was lost (broker down)
    return TemplateResponse(request, "partners/portal/agreement_pdf_pending.html", {"acceptance": acceptance})


@require_partner_admin
def compliance(request):
    """The current answers with their review, the earlier submissions, and the form to answer (again)."""
    partner = request.partner
    response = selectors.compliance_response_for(partner=partner)
    editing = response is None or request.GET.get("edit") == "1" or request.method == "POST"
    questions = selectors.compliance_questions_for(partner=partner) if editing else []
    form = ComplianceForm(request.POST or None, questions=questions, language=get_language(), current=response)
    if request.method == "POST" and form.is_valid():
        try:
            submitted = compliance_submit(partner=partner, actor=request.user, answers=form.answers(),
                                          replaces=form.cleaned_data.get("replaces"))
        except ValidationError as error:
            _form_error(form, error)
        else:
            if submitted.blocks_activation:
                messages.info(request, _("Thank you. Some answers need a short review by your channel manager; "
                                         "we will be in touch."))
            else:
                messages.success(request, _("Thank you: the questionnaire is complete."))
            return redirect("partners:onboarding")
    history = [item for item in selectors.compliance_history_for(partner=partner) if response is None
               or item.pk != response.pk]
    return TemplateResponse(request, "partners/portal/onboarding_compliance.html",
                            {"form": form, "response": response, "questions": questions, "editing": editing,
                             "history": history})


@require_partner_admin
def payout(request):
    partner = request.partner
    current = selectors.payout_details_for(partner=partner)
    editing = current is None or request.GET.get("edit") == "1" or request.method == "POST"
    # Account numbers are never put back into the page: a change means entering them again.
    initial = {"currency": partner.currency, "bank_country": partner.country}
    if current is not None:
        initial.update({"account_holder": current.account_holder, "bank_country": current.bank_country,
                        "currency": current.currency})
    form = PayoutDetailsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            payout_details_update(partner=partner, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Payout details saved."))
            return redirect("partners:onboarding")
    return TemplateResponse(request, "partners/portal/onboarding_payout.html",
                            {"form": form, "details": current, "editing": editing})


@require_POST
@require_partner_admin
def just_me(request):
    onboarding_team_just_me(partner=request.partner, actor=request.user)
    messages.success(request, _("Noted: you work on your own. You can still invite colleagues at any time."))
    return redirect("partners:onboarding")
