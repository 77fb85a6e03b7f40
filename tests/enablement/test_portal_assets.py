"""The asset library: the reader's language first, filters, downloads recorded per person and partner (files
streamed as attachments, links opened only for http/https), the co-branding profile (logo checked by content) and
co-branded one-pagers rendered by a worker and served when fresh; lesson files only for enrolled people."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from enablement.models import AssetDownload, CoBrandingProfile
from enablement.pdf import render_one_pager_pdf
from enablement.services.pdfs import one_pager_doc
from prm.tenancy.scoping import partner_scope
from tests.mdf.helpers import upload
from tests.mdf.test_claim_pdf import pdf_text

from .helpers import course
from .portal_helpers import (
    EXE_BYTES,
    PDF_BYTES,
    file_asset,
    learner,
    lesson_with_file,
    link_asset,
    one_pager_asset,
    png_bytes,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The PDF queue throttle lives in the cache; row ids repeat between tests."""
    cache.clear()
    yield
    cache.clear()


def downloads(partner):
    with partner_scope(partner):
        return list(AssetDownload.objects.order_by("id"))


def german(user):
    user.preferred_language = "de"
    user.save(update_fields=["preferred_language"])
    return user


def test_the_library_puts_the_readers_language_first_and_filters(client, partner_a):
    file_asset(title="Aardvark battle card", language="en", tags=["security"])
    file_asset(title="Zero-Trust-Broschüre", language="de", tags=["security", "brochure"])
    file_asset(title="Distributor price list", partner_types=["distributor"])
    file_asset(title="Unpublished draft", is_published=False)
    person = german(learner(partner_a))
    client.force_login(person)
    url = reverse("enablement:asset_library")
    html = client.get(url).content.decode()
    assert html.index("Zero-Trust-Broschüre") < html.index("Aardvark battle card")
    assert "Distributor price list" not in html and "Unpublished draft" not in html
    assert html.count('class="asset-row"') == 2
    assert client.get(url, {"language": "en"}).content.decode().count('class="asset-row"') == 1
    brochures = client.get(url, {"tag": "brochure"}).content.decode()
    assert brochures.count('class="asset-row"') == 1 and "Zero-Trust-Broschüre" in brochures
    assert "Aardvark" in client.get(url, {"q": "AARDVARK"}).content.decode()
    assert client.get(url, {"q": "nothing like it"}).content.decode().count('class="asset-row"') == 0


def test_the_library_has_a_constant_query_count(client, partner_a, admin_a):
    url = reverse("enablement:asset_library")
    client.force_login(admin_a)
    file_asset(title="Asset 0")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(1, 12):
        (one_pager_asset if n % 3 else file_asset)(title=f"Asset {n}", tags=[f"tag-{n}"])
    link_asset()
    with CaptureQueriesContext(connection) as many:
        html = client.get(url).content.decode()
    assert html.count('class="asset-row"') == 13
    assert len(many) == len(one), [q["sql"] for q in many.captured_queries]


def test_a_file_download_is_recorded_and_streamed_as_an_attachment(client, partner_a, user_a):
    asset = file_asset(title="Battle card")
    client.force_login(user_a)
    response = client.get(reverse("enablement:asset_download", args=[asset.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment") and "Battle card.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF_BYTES
    (download,) = downloads(partner_a)
    assert download.user == user_a and download.asset == asset and not download.co_branded


def test_a_link_is_recorded_then_opened_and_only_for_http(client, partner_a, partner_b, user_a):
    good = link_asset(url="https://videos.example.com/watch/7")
    bad = link_asset(title="Bad", url="javascript:alert(1)")
    client.force_login(user_a)
    response = client.get(reverse("enablement:asset_download", args=[good.pk]))
    assert response.status_code == 302 and response["Location"] == "https://videos.example.com/watch/7"
    assert client.get(reverse("enablement:asset_download", args=[bad.pk])).status_code == 404
    assert [d.asset_id for d in downloads(partner_a)] == [good.pk]
    assert downloads(partner_b) == []


def test_assets_for_another_partner_type_are_not_found(client, user_a):
    hidden = file_asset(partner_types=["distributor"], co_brandable=True)
    client.force_login(user_a)
    assert client.get(reverse("enablement:asset_download", args=[hidden.pk])).status_code == 404
    assert client.get(reverse("enablement:asset_one_pager", args=[hidden.pk])).status_code == 404


# --- co-branding ------------------------------------------------------------------------------------------------


def profile_post(**overrides):
    data = {"display_name": "Alpha Systems GmbH", "contact_email": "sales@alpha.example",
            "contact_phone": "+49 30 1234567", "website": "https://alpha.example"}
    data.update(overrides)
    return data


def test_only_partner_admins_edit_the_co_branding_profile(client, user_a):
    client.force_login(user_a)
    assert client.get(reverse("enablement:cobranding_profile")).status_code == 403


def test_a_logo_that_is_not_an_image_is_refused_with_a_translated_message(client, partner_a, admin_a):
    german(admin_a)
    client.force_login(admin_a)
    fake = upload("logo.png", EXE_BYTES, content_type="image/png")
    response = client.post(reverse("enablement:cobranding_profile"), profile_post(logo=fake))
    assert response.status_code == 400
    with translation.override("de"):
        expected = gettext("%(name)s is not a file type we accept. Upload %(types)s files.") % {
            "name": "logo.png", "types": "PNG, JPEG"}
    assert expected in response.content.decode()
    with partner_scope(partner_a):
        assert not CoBrandingProfile.objects.exists()  # nothing half-saved


def test_a_logo_over_two_megabytes_is_refused(client, partner_a, admin_a):
    client.force_login(admin_a)
    big = upload("logo.png", png_bytes() + b"\x00" * (2 * 1024 * 1024))
    response = client.post(reverse("enablement:cobranding_profile"), profile_post(logo=big))
    assert response.status_code == 400 and "at most 2 MB" in response.content.decode()


def test_the_profile_is_saved_with_a_checked_logo(client, partner_a, admin_a):
    client.force_login(admin_a)
    form = client.get(reverse("enablement:cobranding_profile")).content.decode()
    assert 'value="Alpha Systems GmbH"' in form  # the partner's name to start from
    response = client.post(reverse("enablement:cobranding_profile"),
                           profile_post(logo=upload("brand.png", png_bytes())))
    assert response.status_code == 302
    with partner_scope(partner_a):
        profile = CoBrandingProfile.objects.get()
    assert profile.logo_type == "image/png" and profile.logo.name.endswith(".png")
    assert "brand" not in profile.logo.name  # stored under our own name
    client.post(reverse("enablement:cobranding_profile"), profile_post(remove_logo="on"))
    with partner_scope(partner_a):
        assert not CoBrandingProfile.objects.get().logo


def test_the_co_branded_one_pager_is_queued_then_served_and_recorded(client, partner_a, admin_a, user_a,
                                                                     django_capture_on_commit_callbacks):
    asset = one_pager_asset()
    url = reverse("enablement:asset_one_pager", args=[asset.pk])
    client.force_login(user_a)
    missing = client.get(url)
    with translation.override("en"):
        assert gettext("Your co-branding details are missing") in missing.content.decode()
    client.force_login(admin_a)
    client.post(reverse("enablement:cobranding_profile"), profile_post(logo=upload("brand.png", png_bytes())))
    client.force_login(user_a)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        pending = client.get(url)
    assert pending.status_code == 200 and "being prepared" in pending.content.decode()
    assert len(callbacks) == 1 and downloads(partner_a) == []
    with django_capture_on_commit_callbacks(execute=False) as again:
        client.get(url)  # a refresh a moment later does not queue it twice
    assert again == []
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    served = client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "application/pdf"
    assert served["X-Content-Type-Options"] == "nosniff" and served["Content-Disposition"].startswith("attachment")
    content = b"".join(served.streaming_content)
    assert content.startswith(b"%PDF")
    (download,) = downloads(partner_a)
    assert download.co_branded and download.user == user_a and download.asset == asset
    # The profile changes: the one-pager is stale and is prepared again.
    client.force_login(admin_a)
    client.post(reverse("enablement:cobranding_profile"), profile_post(display_name="Alpha Secure"))
    with django_capture_on_commit_callbacks(execute=True):
        assert "being prepared" in client.get(url).content.decode()
    fresh = client.get(url)
    assert fresh["Content-Type"] == "application/pdf"
    with partner_scope(partner_a):
        doc = one_pager_doc(asset=asset, profile=CoBrandingProfile.objects.get())
    assert "AlphaSecure" in pdf_text(render_one_pager_pdf(doc, uncompressed=True)).replace(" ", "").replace("\n", "")


def test_a_plain_asset_has_no_one_pager(client, user_a):
    asset = file_asset()
    client.force_login(user_a)
    assert client.get(reverse("enablement:asset_one_pager", args=[asset.pk])).status_code == 404


# --- lesson files -----------------------------------------------------------------------------------------------


def test_a_lesson_file_is_only_for_people_enrolled_on_the_course(client, partner_a, user_a):
    item = course()
    lesson = lesson_with_file(item, name="Handout Zero Trust.pdf")
    url = reverse("enablement:lesson_file", args=[item.code, lesson.pk])
    client.force_login(user_a)
    assert client.get(url).status_code == 404  # not enrolled
    client.post(reverse("enablement:course_enroll", args=[item.code]))
    response = client.get(url)
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment") and "Handout Zero Trust.pdf" in response[
        "Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF_BYTES
    other = course()
    assert client.get(reverse("enablement:lesson_file", args=[other.code, lesson.pk])).status_code == 404
