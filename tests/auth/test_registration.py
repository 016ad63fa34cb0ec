"""Registration: good and bad input, duplicates, domains, confirmation by email."""

import re

import pytest
import sqlalchemy as sa

from app.auth.models import Role, User
from app.extensions import db
from tests.factories import UserFactory

GOOD = {
    "name": "Ada Lovelace",
    "email": "ada@mit.edu",
    "password": "analytical-engine-1843",
    "confirm": "analytical-engine-1843",
    "timezone": "America/New_York",
}


def user_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def link_in(body: str, path: str) -> str:
    return re.search(rf"http://[^\s]+/{path}/([\w-]+)", body).group(1)


def test_register_creates_unconfirmed_researcher_and_emails_link(client, outbox, audit_log):
    response = client.post("/register", data=GOOD)

    assert response.status_code == 200
    assert b"Check your email" in response.data
    user = db.session.scalar(sa.select(User).where(User.email == "ada@mit.edu"))
    assert user.role_set == {Role.RESEARCHER}
    assert user.email_verified_at is None
    assert user.password_hash.startswith("$argon2id$")
    [mail] = outbox("verify_email")
    assert mail.recipient_email == "ada@mit.edu"
    assert "/verify/" in mail.body_text
    assert [event.action for event in audit_log()] == ["user.registered"]


def test_verification_link_confirms_and_signs_in_once(client, outbox):
    client.post("/register", data=GOOD)
    token = link_in(outbox("verify_email")[0].body_text, "verify")

    response = client.get(f"/verify/{token}")

    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "ada@mit.edu"))
    assert user.email_verified_at is not None
    assert b"Welcome, Ada Lovelace" in client.get("/").data
    assert client.get(f"/verify/{token}").status_code == 400


def test_unconfirmed_account_cannot_sign_in_and_gets_a_new_link(client, outbox):
    client.post("/register", data=GOOD)

    response = client.post("/login", data={"email": "ada@mit.edu", "password": GOOD["password"]})

    assert b"Confirm your email address first" in response.data
    assert len(outbox("verify_email")) == 2
    assert client.get("/account").status_code == 302


@pytest.mark.parametrize("existing", ["ada@mit.edu", "ADA@MIT.EDU", "Ada@Mit.Edu"])
def test_duplicate_email_in_any_case_creates_nothing_and_looks_the_same(client, outbox, existing):
    owner = UserFactory(email="ada@mit.edu", name="Original Ada")

    response = client.post("/register", data=GOOD | {"email": existing.swapcase()})

    assert response.status_code == 200
    assert b"Check your email" in response.data  # the same page a new address gets
    assert user_count() == 1
    [mail] = outbox("account_exists")
    assert mail.recipient_email == owner.email
    assert outbox("verify_email") == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("password", "short", "Use at least 12 characters."),
        ("email", "not-an-email", "Invalid email address."),
        ("email", "", "This field is required."),
        ("name", "", "This field is required."),
        ("confirm", "something-else-entirely", "The passwords do not match."),
        ("timezone", "Mars/Olympus_Mons", "Not a valid choice."),
    ],
)
def test_bad_input_is_refused_beside_the_field_and_input_kept(client, field, value, message):
    data = GOOD | {field: value}
    if field == "password":
        data["confirm"] = value

    response = client.post("/register", data=data)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="{field}-error">{message}' in html
    assert 'value="Ada Lovelace"' in html or field == "name"
    assert user_count() == 0


def test_password_is_never_echoed_back(client):
    response = client.post("/register", data=GOOD | {"email": "bad"})

    assert GOOD["password"] not in response.get_data(as_text=True)


def test_domain_restriction_refuses_other_domains(app, client):
    app.config["REGISTRATION_EMAIL_DOMAINS"] = ["mit.edu"]
    try:
        refused = client.post("/register", data=GOOD | {"email": "ada@gmail.com"})
        allowed = client.post("/register", data=GOOD | {"email": "ada@csail.mit.edu"})
    finally:
        app.config["REGISTRATION_EMAIL_DOMAINS"] = []

    assert b"Registration is open to addresses at mit.edu" in refused.data
    assert b'id="email-error"' in refused.data
    assert [user.email for user in db.session.scalars(sa.select(User))] == ["ada@csail.mit.edu"]
    assert b"Check your email" in allowed.data


def test_closed_registration_refuses(app, client):
    app.config["REGISTRATION_OPEN"] = False
    try:
        response = client.post("/register", data=GOOD)
    finally:
        app.config["REGISTRATION_OPEN"] = True

    assert b"Registration is closed" in response.data
    assert user_count() == 0


def test_signed_in_user_is_sent_home_from_register(login):
    client = login(UserFactory(researcher=True))

    assert client.get("/register").status_code == 302
