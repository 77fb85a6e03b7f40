"""The asset library's writes from the portal: a download (or a link opened) recorded for health scoring, and
the partner's co-branding profile saved (its logo checked by content and size, stored under our own name)."""

import secrets
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from enablement.models import Asset, AssetDownload, CoBrandingProfile
from prm.common.audit import audit
from prm.common.uploads import JPEG, PNG, check_upload

LOGO_TYPES = (PNG, JPEG)
LOGO_MAX_BYTES = 2 * 1024 * 1024
PROFILE_FIELDS = ("display_name", "contact_email", "contact_phone", "website")


def asset_download_record(*, partner, user, asset: Asset, co_branded: bool = False) -> AssetDownload:
    """One download of ``asset`` by ``user`` for ``partner``. Every download counts (an engagement signal);
    no audit row (it is not a change anyone decides on)."""
    return AssetDownload.objects.create(partner=partner, user=user, asset=asset, co_branded=co_branded)


def check_logo(upload) -> str:
    """The logo's sniffed type (PNG or JPEG, at most 2 MB); a translated ValidationError otherwise."""
    return check_upload(upload, allowed=LOGO_TYPES, max_bytes=LOGO_MAX_BYTES).content_type


@transaction.atomic
def cobranding_profile_save(*, partner, actor, values: dict, logo=None, remove_logo: bool = False) -> CoBrandingProfile:
    """Create or update the partner's co-branding profile. A new logo is checked by content before anything is
    written (nothing half-saved on refusal); the replaced logo file is deleted after commit. Partner admins only
    (the view checks); audited."""
    if not (values.get("display_name") or "").strip():
        raise ValidationError({"display_name": _("Give the name to print on your material.")}, code="required")
    logo_type = check_logo(logo) if logo is not None else None
    profile = CoBrandingProfile.objects.select_for_update().filter(partner=partner).first()
    if profile is None:
        profile = CoBrandingProfile(partner=partner)
    for name in PROFILE_FIELDS:
        setattr(profile, name, (values.get(name) or "").strip())
    previous = profile.logo.name if profile.logo else ""
    if logo is not None:
        extension = "png" if logo_type == PNG else "jpg"
        profile.logo.save(f"{partner.pk}-{secrets.token_hex(8)}.{extension}", logo, save=False)
        profile.logo_type = logo_type
    elif remove_logo:
        profile.logo, profile.logo_type = "", ""
    profile.save()
    if previous and previous != (profile.logo.name if profile.logo else ""):
        storage = CoBrandingProfile._meta.get_field("logo").storage
        transaction.on_commit(partial(storage.delete, previous))
    audit(actor=actor, action="enablement.cobranding.saved", target=profile, partner=partner,
          data={"logo": bool(profile.logo), "fields": [n for n in PROFILE_FIELDS if getattr(profile, n)]})
    return profile
