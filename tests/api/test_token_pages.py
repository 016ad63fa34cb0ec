"""Personal access tokens on the profile page: create, see once, list, revoke."""

import sqlalchemy as sa

from app.api import tokens
from app.api.models import AccessToken
from app.extensions import db
from tests.api.helpers import ApiClient
from tests.dbutil import snapshot
from tests.factories import UserFactory


def _tokens_of(user):
    return db.session.scalars(sa.select(AccessToken).where(AccessToken.user_id == user.id)).all()


def test_creating_a_token_shows_it_once_and_stores_only_its_hash(app, login, audit_log):
    user = UserFactory(researcher=True)
    browser = login(user)
    page = browser.post(
        "/account/tokens", data={"token-name": "Finance sync", "token-expires_on": ""}
    )
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    [token] = _tokens_of(user)
    raw = html.split('id="new-token-value" readonly value="')[1].split('"')[0]
    assert raw.startswith("sbd_") and token.prefix == raw[: len(token.prefix)]
    assert token.token_hash == tokens.hash_token(raw) and raw not in token.token_hash
    assert [event.detail["name"] for event in audit_log("access_token.created")] == ["Finance sync"]
    assert ApiClient(app.test_client(), raw).get("/calls/").status_code == 200

    again = browser.get("/account").get_data(as_text=True)
    assert raw not in again
    assert "Finance sync" in again and token.prefix in again


def test_a_bad_token_form_keeps_the_input_and_writes_nothing(login):
    user = UserFactory(researcher=True)
    tokens.create_token(user, name="Existing", expires_on=None, actor=user)
    db.session.commit()
    browser = login(user)
    before = snapshot()
    blank = browser.post("/account/tokens", data={"token-name": "  "}).get_data(as_text=True)
    assert "Give the token a name" in blank or "This field is required" in blank
    duplicate = browser.post("/account/tokens", data={"token-name": "existing"})
    assert "already have a token with this name" in duplicate.get_data(as_text=True)
    assert 'value="existing"' in duplicate.get_data(as_text=True)
    past = browser.post(
        "/account/tokens", data={"token-name": "Old", "token-expires_on": "2001-01-01"}
    )
    assert "from today onwards" in past.get_data(as_text=True)
    assert snapshot() == before


def test_revoking_a_token_refuses_it_at_once(app, login, audit_log):
    user = UserFactory(researcher=True)
    token, raw = tokens.create_token(user, name="CRM", expires_on=None, actor=user)
    db.session.commit()
    response = login(user).post(f"/account/tokens/{token.id}/revoke")
    assert response.status_code == 302
    assert token.revoked_at is not None
    assert [event.detail["name"] for event in audit_log("access_token.revoked")] == ["CRM"]
    assert ApiClient(app.test_client(), raw).get("/calls/").status_code == 401
    assert "CRM" not in login(user).get("/account").get_data(as_text=True)


def test_nobody_revokes_someone_elses_token(login):
    owner = UserFactory(researcher=True)
    token, _raw = tokens.create_token(owner, name="Mine", expires_on=None, actor=owner)
    db.session.commit()
    intruder = login(UserFactory(admin=True))
    before = snapshot()
    assert intruder.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    assert snapshot() == before


def test_signed_out_visitors_cannot_create_tokens(client):
    before = snapshot()
    response = client.post("/account/tokens", data={"token-name": "Sneaky"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert snapshot() == before
