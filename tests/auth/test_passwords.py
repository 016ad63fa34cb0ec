"""Password reset by emailed link, change of password, and the profile."""

import re
from datetime import timedelta

import sqlalchemy as sa

from app.auth.models import TokenPurpose, UserToken
from app.auth.passwords import verify_password
from app.database import utcnow
from app.extensions import db
from tests.factories import PASSWORD, UserFactory

NEW = "a-brand-new-passphrase"


def reset_token(outbox) -> str:
    return re.search(r"/reset/([\w-]+)", outbox("password_reset")[-1].body_text).group(1)


def test_forgot_sends_a_link_and_says_the_same_for_unknown_addresses(client, outbox):
    UserFactory(email="rosa@mit.edu")

    known = client.post("/forgot", data={"email": "ROSA@mit.edu"}, follow_redirects=True)
    unknown = client.post("/forgot", data={"email": "nobody@mit.edu"}, follow_redirects=True)

    assert b"If an account uses that address" in known.data
    assert b"If an account uses that address" in unknown.data
    assert [mail.recipient_email for mail in outbox("password_reset")] == ["rosa@mit.edu"]


def test_reset_link_sets_the_password_signs_in_and_is_audited(client, outbox, audit_log):
    user = UserFactory(email="rosa@mit.edu")
    old_session_token = user.session_token
    client.post("/forgot", data={"email": "rosa@mit.edu"})

    response = client.post(f"/reset/{reset_token(outbox)}", data={"password": NEW, "confirm": NEW})

    assert response.status_code == 302
    assert verify_password(user.password_hash, NEW)
    assert user.session_token != old_session_token
    assert "user.password_reset" in [event.action for event in audit_log()]
    assert client.get("/account").status_code == 200


def test_reset_link_works_only_once(client, outbox):
    user = UserFactory(email="rosa@mit.edu")
    client.post("/forgot", data={"email": "rosa@mit.edu"})
    token = reset_token(outbox)
    client.post(f"/reset/{token}", data={"password": NEW, "confirm": NEW})
    client.post("/logout")

    reused = client.post(
        f"/reset/{token}",
        data={"password": "yet-another-password", "confirm": "yet-another-password"},
    )

    assert reused.status_code == 400
    assert b"already been used" in reused.data
    assert verify_password(user.password_hash, NEW)


def test_expired_reset_link_is_refused(client, outbox):
    user = UserFactory(email="rosa@mit.edu")
    client.post("/forgot", data={"email": "rosa@mit.edu"})
    token = reset_token(outbox)
    stored = db.session.scalar(
        sa.select(UserToken).where(UserToken.purpose == TokenPurpose.PASSWORD_RESET)
    )
    stored.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    response = client.post(f"/reset/{token}", data={"password": NEW, "confirm": NEW})

    assert response.status_code == 400
    assert verify_password(user.password_hash, PASSWORD)


def test_made_up_reset_link_is_refused(client):
    assert client.get("/reset/not-a-real-token").status_code == 400


def test_short_new_password_is_refused_and_link_still_works(client, outbox):
    user = UserFactory(email="rosa@mit.edu")
    client.post("/forgot", data={"email": "rosa@mit.edu"})
    token = reset_token(outbox)

    response = client.post(f"/reset/{token}", data={"password": "short", "confirm": "short"})

    assert b'id="password-error">Use at least 12 characters.' in response.data
    assert verify_password(user.password_hash, PASSWORD)
    assert client.get(f"/reset/{token}").status_code == 200


def test_reset_requests_are_rate_limited(client):
    UserFactory(email="rosa@mit.edu")

    statuses = [
        client.post("/forgot", data={"email": "rosa@mit.edu"}).status_code for _ in range(7)
    ]

    assert statuses[:5] == [302] * 5
    assert statuses[-1] == 429


def test_change_password_signs_out_other_devices(login, client, outbox, audit_log):
    user = UserFactory(email="rosa@mit.edu")
    here = login(user)
    elsewhere = login(user)

    response = here.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": NEW, "confirm": NEW},
    )

    assert response.status_code == 302
    assert verify_password(user.password_hash, NEW)
    assert here.get("/account").status_code == 200
    assert elsewhere.get("/account").status_code == 302
    assert outbox("password_changed")[0].recipient_email == "rosa@mit.edu"
    assert audit_log()[-1].action == "user.password_changed"


def test_change_password_with_wrong_current_password_is_refused(login):
    user = UserFactory()
    client = login(user)

    response = client.post(
        "/account/password",
        data={"current_password": "not-it-at-all", "new_password": NEW, "confirm": NEW},
    )

    assert b'id="current_password-error">That is not your current password.' in response.data
    assert verify_password(user.password_hash, PASSWORD)


def test_profile_edit_changes_name_and_time_zone(login, audit_log):
    user = UserFactory(name="Old Name", timezone="UTC")
    client = login(user)

    response = client.post("/account", data={"name": "New Name", "timezone": "Asia/Tokyo"})

    assert response.status_code == 302
    assert (user.name, user.timezone) == ("New Name", "Asia/Tokyo")
    assert audit_log()[-1].detail == {
        "name": ["Old Name", "New Name"],
        "timezone": ["UTC", "Asia/Tokyo"],
    }


def test_profile_refuses_unknown_time_zone(login):
    user = UserFactory(name="Kept", timezone="UTC")
    client = login(user)

    response = client.post("/account", data={"name": "Changed", "timezone": "Nowhere/Land"})

    assert b'id="timezone-error"' in response.data
    assert b'value="Changed"' in response.data
    assert (user.name, user.timezone) == ("Kept", "UTC")
