"""Signing in and out, remember-me, rate limits, session renewal and deactivation."""

import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.auth import services
from app.extensions import db
from tests.factories import PASSWORD, UserFactory


def sign_in(client, email, password=PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


def test_good_credentials_sign_in_and_are_audited(client, audit_log):
    user = UserFactory(researcher=True, email="rosa@mit.edu")

    response = sign_in(client, "Rosa@MIT.edu")

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert b"Welcome, " in client.get("/").data
    assert user.last_login_at is not None
    assert [e.action for e in audit_log()] == ["user.logged_in"]


def test_wrong_password_and_unknown_address_get_the_same_message(client):
    UserFactory(email="rosa@mit.edu")

    wrong = sign_in(client, "rosa@mit.edu", "not the password")
    unknown = sign_in(client, "nobody@mit.edu", "not the password")

    message = b"The email or password is not right."
    assert message in wrong.data and message in unknown.data
    assert wrong.status_code == unknown.status_code == 200
    assert b'value="rosa@mit.edu"' in wrong.data


def test_failed_attempt_on_a_real_account_is_audited(client, audit_log):
    user = UserFactory(email="rosa@mit.edu")

    sign_in(client, "rosa@mit.edu", "wrong-password")

    [event] = audit_log("user.login_failed")
    assert event.subject_id == str(user.id)


def test_deactivated_account_cannot_sign_in(client):
    UserFactory(email="gone@mit.edu", deactivated=True)

    response = sign_in(client, "gone@mit.edu")

    assert b"The email or password is not right." in response.data


def test_ten_wrong_passwords_are_answered_429_before_the_tenth(client):
    UserFactory(email="target@mit.edu")

    statuses = [sign_in(client, "target@mit.edu", f"guess-{n}").status_code for n in range(10)]

    assert 429 in statuses[:9]
    assert statuses[-1] == 429
    assert statuses[0] == 200


def test_the_limit_is_per_account_so_others_can_still_sign_in(client):
    UserFactory(email="target@mit.edu")
    UserFactory(email="other@mit.edu")
    for n in range(6):
        sign_in(client, "target@mit.edu", f"guess-{n}")

    assert sign_in(client, "other@mit.edu").status_code == 302


def test_successful_sign_ins_do_not_count_toward_the_limit(client):
    UserFactory(email="rosa@mit.edu")

    for _ in range(8):
        assert sign_in(client, "rosa@mit.edu").status_code == 302
        client.post("/logout")


def test_session_is_renewed_at_sign_in(client):
    UserFactory(email="rosa@mit.edu")
    with client.session_transaction() as planted:
        planted["planted"] = "by an attacker"

    sign_in(client, "rosa@mit.edu")

    with client.session_transaction() as current:
        assert "planted" not in current
        assert "_user_id" in current


def test_remember_me_sets_a_persistent_cookie(client):
    UserFactory(email="rosa@mit.edu")

    response = sign_in(client, "rosa@mit.edu", remember="y")

    cookie = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token=")]
    assert cookie and "HttpOnly" in cookie[0] and "Expires=" in cookie[0]


def test_without_remember_me_no_persistent_cookie(client):
    UserFactory(email="rosa@mit.edu")

    response = sign_in(client, "rosa@mit.edu")

    assert not [h for h in response.headers.getlist("Set-Cookie") if "remember_token=" in h]


def test_remember_cookie_alone_restores_the_session(client):
    UserFactory(email="rosa@mit.edu", name="Rosa Remembered")
    sign_in(client, "rosa@mit.edu", remember="y")
    with client.session_transaction() as current:
        current.clear()  # the browser was closed: only the remember cookie is left

    assert b"Welcome, Rosa Remembered" in client.get("/").data


def test_logout_ends_the_session_and_is_audited(client, audit_log):
    UserFactory(email="rosa@mit.edu")
    sign_in(client, "rosa@mit.edu")

    response = client.post("/logout")

    assert response.status_code == 302
    assert client.get("/account").status_code == 302
    assert audit_log()[-1].action == "user.logged_out"


def test_logout_by_get_is_not_allowed(login):
    client = login(UserFactory())

    assert client.get("/logout").status_code == 405
    assert client.get("/account").status_code == 200


def test_deactivation_signs_the_user_out_at_the_next_request(login):
    admin = UserFactory(admin=True)
    target = UserFactory(researcher=True)
    target_client = login(target)
    assert target_client.get("/account").status_code == 200

    services.deactivate_user(target, actor=admin)
    db.session.commit()

    response = target_client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_next_parameter_only_redirects_inside_the_site(client):
    UserFactory(email="rosa@mit.edu")

    inside = client.post(
        "/login?next=/account", data={"email": "rosa@mit.edu", "password": PASSWORD}
    )
    client.post("/logout")
    outside = client.post(
        "/login?next=https://evil.example/", data={"email": "rosa@mit.edu", "password": PASSWORD}
    )

    assert inside.headers["Location"] == "/account"
    assert outside.headers["Location"] == "/"


def test_old_password_hashes_are_upgraded_at_sign_in(app, client):
    user = UserFactory(email="rosa@mit.edu")
    old_hash = user.password_hash
    app.config["ARGON2_TIME_COST"] += 1
    try:
        sign_in(client, "rosa@mit.edu")
    finally:
        app.config["ARGON2_TIME_COST"] -= 1

    assert user.password_hash != old_hash
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) >= 1
