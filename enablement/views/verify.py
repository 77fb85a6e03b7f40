"""The public certificate check, /verify/<code>/: no sign-in, no partner scope. It shows the holder's name,
the certification and its validity (valid, expired on ..., revoked) and nothing about the partner. Lookups are
rate-limited per IP address (the application form's counter), so codes cannot be tried cheaply in bulk.
"""

from django.conf import settings
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from enablement.verification import certificate_verify
from partners.views.apply import rate_limit_consume
from prm.common.request_context import client_ip

from .portal import reader_language

TEMPLATE = "enablement/public/verify.html"


def verify_rate_limit() -> tuple[int, int]:
    """(lookups, seconds) allowed per IP address; settings.PRM_VERIFY_RATE_LIMIT overrides."""
    return getattr(settings, "PRM_VERIFY_RATE_LIMIT", (30, 600))


@never_cache
def verify(request, code: str):
    if not rate_limit_consume(client_ip(request), name="verify", limits=verify_rate_limit()):
        return TemplateResponse(request, TEMPLATE, {"limited": True}, status=429)
    result = certificate_verify(code=code, today=timezone.localdate(), language=reader_language())
    response = TemplateResponse(request, TEMPLATE, {"result": result},
                                status=200 if result is not None else 404)
    response["X-Robots-Tag"] = "noindex"
    return response
