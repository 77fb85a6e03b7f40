"""URL map. Audiences: the public and sign-in pages, the partner portal (/portal/), staff pages
(/staff/, /admin/) and the API (/api/). The tenancy middleware picks the scope by prefix."""

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from enablement.views import verify as verify_views
from partners.views import apply as apply_views
from partners.views.public import invitation_accept_view
from prm.common import views as common_views

admin.site.login = login_required(admin.site.login)  # admin sign-in goes through allauth: rate limits, MFA
admin.autodiscover()

urlpatterns = [
    path("", common_views.home, name="home"),
    path("healthz", common_views.healthz, name="healthz"),
    path("i18n/setlang/", common_views.set_language, name="set_language"),
    path("accounts/", include("allauth.urls")),
    path("account/", include("prm.accounts.urls")),
    path("invitations/<str:token>/", invitation_accept_view, name="invitation_accept"),
    path("apply/", apply_views.apply, name="apply"),
    path("apply/thanks/", apply_views.apply_thanks, name="apply_thanks"),
    path("verify/<str:code>/", verify_views.verify, name="certificate_verify"),  # public: no scope
    path("notifications/", include("prm.notifications.urls")),
    path("psat/", include(("analytics.psat.urls", "psat"))),  # public: single-use survey links, no scope
    path("portal/deals/", include("dealreg.urls")),
    path("portal/performance/", include(("analytics.home.urls", "analytics_portal"))),
    path("portal/mdf/", include("mdf.urls")),
    path("portal/learning/", include("enablement.urls")),
    path("portal/", include("partners.urls")),
    path("staff/", include("analytics.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("prm.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # Split view: the init script is a same-origin file, so the CSP (script-src self + nonce) allows it.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
]
