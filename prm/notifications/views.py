"""Pages of the notification engine: a signed-in user's preferences, and the one-click unsubscribe."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import selectors
from .forms import PreferencesForm
from .services import preferences_unsubscribe, preferences_update


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    rows = selectors.preference_rows_for_user(user=request.user)
    form = PreferencesForm(request.POST or None, rows=rows)
    if request.method == "POST" and form.is_valid():
        try:
            preferences_update(user=request.user, choices=form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your notification settings have been saved."))
            return redirect("notifications:preferences")
    return TemplateResponse(request, "notifications/preferences.html", {"form": form})


# Mail clients send the RFC 8058 one-click POST without a session or CSRF token; the signed token
# is the authorisation, and all it can do is turn those kinds off for that one user.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token: str):
    target = selectors.unsubscribe_target(token=token)
    if target is None:
        return TemplateResponse(request, "notifications/unsubscribe.html", {"state": "invalid"}, status=400)
    state = "confirm"
    if request.method == "POST":
        # GET only shows the page: link scanners that prefetch URLs in e-mails must not unsubscribe anyone.
        preferences_unsubscribe(user=target.user, kinds=[kind.code for kind in target.kinds])
        state = "done"
    return TemplateResponse(
        request, "notifications/unsubscribe.html", {"state": state, "kinds": target.kinds, "email": target.user.email}
    )
