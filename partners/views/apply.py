"""The public application form (/apply/) and its thank-you page. No sign-in, no partner scope.

Spam: a honeypot field (a filled one gets the thank-you page and nothing is stored) and a limit of
new applications per IP address and hour, counted in the cache. A double-click creates one
application (the form's idempotency key).
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from partners.forms_public import ApplicationForm
from partners.models import PartnerApplication
from partners.services.applications import application_by_key, application_submit
from prm.common.request_context import client_ip

SESSION_KEY = "prm_application_id"
TEMPLATE = "partners/public/apply.html"


def rate_limit() -> tuple[int, int]:
    """(applications, seconds) allowed per IP address; settings.PRM_APPLY_RATE_LIMIT overrides."""
    return getattr(settings, "PRM_APPLY_RATE_LIMIT", (5, 3600))


def rate_limit_consume(ip: str | None, *, name: str = "apply", limits: tuple[int, int] | None = None) -> bool:
    """Count one application (or, with another ``name`` and ``limits``, one other public action such as a
    certificate lookup) for ``ip`` in the current window; False when the limit is already reached."""
    limit, window = limits or rate_limit()
    bucket = int(time.time() // window)
    key = f"prm:{name}-ratelimit:{ip or 'unknown'}:{bucket}"
    cache.add(key, 0, timeout=window + 60)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=window + 60)
        count = 1
    return count <= limit


def _thank(request, application: PartnerApplication):
    request.session[SESSION_KEY] = application.pk
    return redirect("apply_thanks")


@never_cache
def apply(request):
    if request.method != "POST":
        return TemplateResponse(request, TEMPLATE, {"form": ApplicationForm()})
    form = ApplicationForm(request.POST)
    if form.is_spam:
        return redirect("apply_thanks")  # a bot learns nothing; nothing is stored or sent
    status = 400
    if form.is_valid():
        key = form.cleaned_data["idempotency_key"]
        existing = application_by_key(idempotency_key=key)
        if existing is not None:
            return _thank(request, existing)  # the second click of a double-click
        if not rate_limit_consume(client_ip(request)):
            form.add_error(None, _("Too many applications were sent from your network. Please try again in an hour."))
            status = 429
        else:
            try:
                application, _created = application_submit(
                    data=form.cleaned_data, idempotency_key=key, ip=client_ip(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return _thank(request, application)
    return TemplateResponse(request, TEMPLATE, {"form": form}, status=status)


@never_cache
def apply_thanks(request):
    application = None
    application_id = request.session.get(SESSION_KEY)
    if application_id:
        application = (PartnerApplication.objects.filter(pk=application_id)
                       .only("id", "company_name", "contact_email").first())
    return TemplateResponse(request, "partners/public/apply_thanks.html", {"application": application})
