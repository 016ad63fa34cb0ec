"""Helpers for API tests: a client signing requests with a token, and a snapshot."""

import secrets
from functools import cache

from app import create_app
from app.api import tokens
from app.extensions import db
from config import TestingConfig
from tests.dbutil import snapshot

API = "/api/v1"


class ApiClient:
    """Calls /api/v1 as one user (or with no token), returning the test response."""

    def __init__(self, client, raw_token: str | None):
        self.client = client
        self.headers = {"Authorization": f"Bearer {raw_token}"} if raw_token else {}

    def _open(self, method: str, path: str, **kwargs):
        headers = self.headers | kwargs.pop("headers", {})
        return self.client.open(API + path, method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs):
        return self._open("GET", path, **kwargs)

    def post(self, path: str, **kwargs):
        return self._open("POST", path, **kwargs)

    def put(self, path: str, **kwargs):
        return self._open("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs):
        return self._open("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs):
        return self._open("DELETE", path, **kwargs)


def token_for(user) -> str:
    """Create a personal access token for the user and return its raw value."""
    _token, raw = tokens.create_token(
        user, name=f"tests {secrets.token_hex(4)}", expires_on=None, actor=user
    )
    db.session.commit()
    return raw


def unchanged_state() -> dict:
    """Snapshot every table but the tokens (whose last-used time any request may stamp)."""
    return snapshot(exclude=frozenset({"access_tokens"}))


@cache
def offline_app():
    """An app with no database of its own, to read the routes and the OpenAPI document."""
    return create_app(TestingConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
