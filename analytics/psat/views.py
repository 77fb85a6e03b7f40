"""The survey pages under /psat/ (no partner scope: the link, or the signed-in person, is the key).

- /psat/<token>/: the single-use link from the e-mail; no sign-in. Shown in the invitee's language unless the
  visitor chose another with the language switcher. GET never uses the link up (mail scanners open links);
  only a valid POST does. Requests are rate-limited per IP address (the application form's counter) and the
  form carries a honeypot; a filled honeypot gets the thank-you page and nothing is stored.
- /psat/answer/<id>/: the same survey from the portal card, for the signed-in invitee only (anyone else: 404).
- /psat/thanks/: the thank-you page.
Used, expired and closed links get a friendly page (410); unknown ones a 404.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from analytics.models import PsatSurvey
from partners.views.apply import rate_limit_consume
from prm.common.request_context import client_ip

from .forms import PsatAnswerForm
from .public import LinkedInvitation, invitation_for_token
from .selectors import member_invitation
from .services import PsatLinkError, submit_member_response, submit_response

TEMPLATE = "analytics/psat/answer.html"
INVALID_TEMPLATE = "analytics/psat/invalid.html"


def psat_rate_limit() -> tuple[int, int]:
    """(requests, seconds) allowed per IP address on survey links; settings.PRM_PSAT_RATE_LIMIT overrides.
    Generous: a whole office behind one address answers after the same e-mail, and a 256-bit token cannot be
    guessed anyway; the limit only stops hammering."""
    return getattr(settings, "PRM_PSAT_RATE_LIMIT", (300, 600))


def _reasons() -> dict[str, tuple[str, str]]:
    return {
        "unknown": (_("This survey link is not valid."),
                    _("Check that you opened the whole link from the e-mail.")),
        "used": (_("You have already answered this survey."),
                 _("Each link works once. Thank you for your feedback!")),
        "expired": (_("This survey link has expired."),
                    _("Thank you for your interest. The next pulse survey comes with a new link.")),
        "closed": (_("This survey is closed."),
                   _("It is no longer open to you. Thank you for your interest.")),
        "limited": (_("Too many requests came from your network."),
                    _("Please try again in a few minutes.")),
    }


def _invalid(request, code: str, status: int):
    title, detail = _reasons().get(code, _reasons()["unknown"])
    response = TemplateResponse(request, INVALID_TEMPLATE, {"title": title, "detail": detail, "code": code},
                                status=status)
    response["X-Robots-Tag"] = "noindex"
    return response


def _state(link: LinkedInvitation) -> str | None:
    if link.used_at is not None:
        return "used"
    if link.expires_at <= timezone.now():
        return "expired"
    return None


def _intro(kind: str) -> str:
    if kind == PsatSurvey.Kind.DEAL_APPROVED:
        return _("One of your deal registrations was approved recently. How was working with us on it?")
    if kind == PsatSurvey.Kind.CLAIM_PAID:
        return _("One of your MDF claims was paid recently. How was working with us on it?")
    return _("Our quarterly pulse: one question and an optional comment. It takes less than a minute.")


def _answer_page(request, link: LinkedInvitation, submit):
    state = _state(link)
    if state:
        return _invalid(request, state, 410)
    form = PsatAnswerForm(request.POST or None, allow_anonymous=link.allow_anonymous)
    status = 200
    if request.method == "POST":
        if form.is_spam:
            return redirect("psat:thanks")  # a bot learns nothing; the link stays unused
        if form.is_valid():
            try:
                submit(form.answer())
            except PsatLinkError as error:
                return _invalid(request, error.code, 404 if error.code == "unknown" else 410)
            except ValidationError as error:
                if not hasattr(error, "error_dict"):
                    form.add_error(None, error)
                for name, messages in getattr(error, "message_dict", {}).items():
                    form.add_error(name if name in form.fields else None, messages)
            else:
                return redirect("psat:thanks")
        status = 400
    response = TemplateResponse(request, TEMPLATE, {"form": form, "link": link, "intro": _intro(link.survey_kind)},
                                status=status)
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
def answer(request, token: str):
    if not rate_limit_consume(client_ip(request), name="psat", limits=psat_rate_limit()):
        return _invalid(request, "limited", 429)
    link = invitation_for_token(raw_token=token)
    if link is None:
        return _invalid(request, "unknown", 404)
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and link.language:
        # The invitee's language, unless this browser chose one with the language switcher.
        translation.activate(link.language)
        request.LANGUAGE_CODE = link.language
    return _answer_page(request, link, lambda data: submit_response(token=token, **data))


@never_cache
@login_required
def member_answer(request, pk: int):
    link = member_invitation(user=request.user, invitation_id=pk)
    if link is None:
        raise Http404
    return _answer_page(request, link,
                        lambda data: submit_member_response(invitation_id=pk, user=request.user, **data))


@never_cache
def thanks(request):
    return TemplateResponse(request, "analytics/psat/thanks.html", {})
