"""Portal pages of the asset library: the library (the reader's language first; filter by language, tag, search),
downloads that record who took what (files streamed from private storage, links opened after recording), the
co-branded one-pager PDF (rendered by a worker, served when fresh) and the partner's co-branding profile.
Runs inside the partner's scope.

Assets are the vendor's catalogue, shared by every partner; the downloads and one-pagers they create are the
partner's. Every member may download; the co-branding profile is for partner admins only.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from enablement import selectors
from enablement.forms import AssetFilterForm, CoBrandingForm, add_service_error
from enablement.models import Asset
from enablement.services.library import asset_download_record, cobranding_profile_save
from enablement.services.pdfs import one_pager_is_fresh, one_pager_queue
from partners.views.mixins import require_capability
from prm.common.downloads import private_download

from .portal import reader_language, role_of

PAGE_SIZE = 30
# No membership flag carries this capability: Membership.can() grants it to partner admins only.
CAN_MANAGE_COBRANDING = "can_manage_cobranding"
SAFE_LINK_SCHEMES = ("https://", "http://")


def _asset_or_404(request, pk: int) -> Asset:
    try:
        return selectors.asset_for_portal(pk=pk, partner=request.partner, role=role_of(request))
    except Asset.DoesNotExist:
        raise Http404 from None


def _is_admin(request) -> bool:
    membership = getattr(request, "membership", None)
    return bool(membership and membership.can(CAN_MANAGE_COBRANDING))


def asset_library(request):
    language = reader_language()
    library = selectors.asset_library_for(partner=request.partner, role=role_of(request), language=language)
    filters = AssetFilterForm(request.GET or None, languages=library.languages, tags=library.tags)
    wanted = filters.wanted()
    assets = selectors.asset_library_filter(library, **wanted)
    page = Paginator(assets, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return TemplateResponse(request, "enablement/portal/asset_library.html", {
        "filters": filters, "page": page, "assets": page.object_list, "query": query.urlencode(),
        "filtered": any(wanted.values()), "language": language,
        "has_profile": selectors.cobranding_profile_for(partner=request.partner) is not None,
        "is_admin": _is_admin(request),
    })


@never_cache
def asset_download(request, pk: int):
    """A file streamed as an attachment, or a link opened; either way the download is recorded first."""
    asset = _asset_or_404(request, pk)
    if asset.kind == Asset.Kind.LINK:
        if not asset.url.startswith(SAFE_LINK_SCHEMES):
            raise Http404
        asset_download_record(partner=request.partner, user=request.user, asset=asset)
        return HttpResponseRedirect(asset.url)
    if not asset.file or not asset.file.storage.exists(asset.file.name):
        raise Http404
    asset_download_record(partner=request.partner, user=request.user, asset=asset)
    return private_download(asset.file, filename=asset.file_name, fallback=f"asset-{asset.pk}",
                         content_type=asset.file_type)


def asset_one_pager(request, pk: int):
    """The partner's co-branded one-pager of the asset when a fresh one is stored (recorded as a co-branded
    download); else it is queued for a worker and a waiting page shows."""
    asset = _asset_or_404(request, pk)
    if not asset.co_brandable:
        raise Http404
    profile = selectors.cobranding_profile_for(partner=request.partner)
    if profile is None:
        return TemplateResponse(request, "enablement/portal/one_pager_pending.html", {
            "asset": asset, "no_profile": True, "is_admin": _is_admin(request)})
    pdf = selectors.co_branded_pdf_for(partner=request.partner, asset=asset)
    if one_pager_is_fresh(pdf=pdf, asset=asset, profile=profile) and pdf.file.storage.exists(pdf.file.name):
        asset_download_record(partner=request.partner, user=request.user, asset=asset, co_branded=True)
        return private_download(pdf.file, filename=f"{asset.title}.pdf", fallback="one-pager.pdf",
                             content_type="application/pdf")
    one_pager_queue(asset=asset, profile=profile)
    return TemplateResponse(request, "enablement/portal/one_pager_pending.html", {"asset": asset, "no_profile": False})


@require_capability(CAN_MANAGE_COBRANDING)
def cobranding_profile(request):
    profile = selectors.cobranding_profile_for(partner=request.partner)
    initial = {"display_name": request.partner.name}
    if profile is not None:
        initial = {name: getattr(profile, name) for name in CoBrandingForm.VALUES}
    form = CoBrandingForm(request.POST or None, request.FILES or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                cobranding_profile_save(partner=request.partner, actor=request.user, values=form.values(),
                                        logo=form.cleaned_data.get("logo"),
                                        remove_logo=form.cleaned_data.get("remove_logo", False))
            except ValidationError as error:
                add_service_error(form, error, default_field="logo")
            else:
                messages.success(request, _("Your co-branding details were saved."))
                return redirect("enablement:cobranding_profile")
    return TemplateResponse(request, "enablement/portal/cobranding_profile.html",
                            {"form": form, "profile": profile}, status=status)
