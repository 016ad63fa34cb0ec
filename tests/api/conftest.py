"""Fixtures for the API: a client that signs requests with a user's personal access token."""

import pytest

from tests.api.helpers import ApiClient, token_for
from tests.factories import UserFactory


@pytest.fixture
def api(app):
    """Return a function giving an API client for a user (None: no token at all)."""

    def _api(user=None) -> ApiClient:
        return ApiClient(app.test_client(), token_for(user) if user is not None else None)

    return _api


@pytest.fixture
def admin():
    """An administrator."""
    return UserFactory(admin=True)


@pytest.fixture
def researcher():
    """A researcher."""
    return UserFactory(researcher=True)


@pytest.fixture
def reviewer():
    """A reviewer."""
    return UserFactory(reviewer=True)
