"""Fixtures the award tests share."""

import pytest

from tests.factories import UserFactory


@pytest.fixture
def admin():
    """An administrator, the actor of most award arrangements."""
    return UserFactory(admin=True)


@pytest.fixture
def as_admin(login, admin):
    """A client signed in as that administrator."""
    return login(admin)
