"""``Authorization: Bearer prm_...`` personal tokens for the API."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from prm.tenancy.lookups import api_token_for_key


class PersonalTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="ignore").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        token = api_token_for_key(raw_key=header[1].decode(errors="ignore"))
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        return token.user, token

    def authenticate_header(self, request) -> str:
        return "Bearer"
