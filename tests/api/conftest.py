"""API test helpers: a DRF client and personal tokens made through the real service."""

import pytest
from rest_framework.test import APIClient

from prm.accounts.services import api_token_create


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def bearer():
    """``bearer(user)`` -> headers for a fresh personal token of that user."""

    def make(user, **kwargs):
        _, raw_key = api_token_create(user=user, name="test", **kwargs)
        return {"HTTP_AUTHORIZATION": f"Bearer {raw_key}"}

    return make
