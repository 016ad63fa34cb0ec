"""Invitations: an administrator invites a reviewer or member representative by email."""

import re
from datetime import timedelta

import sqlalchemy as sa

from app.auth.models import Role, TokenPurpose, User, UserToken
from app.auth.passwords import verify_password
from app.database import utcnow
from app.extensions import db
from tests.factories import UserFactory

PASSWORD = "reviewer-password-123"


def invite(client, **data):
    return client.post(
        "/admin/users/invite",
        data={"email": "rev@stanford.edu", "name": "Rev Iewer", "roles": ["reviewer"]} | data,
    )


def accept_token(outbox) -> str:
    return re.search(r"/invitation/([\w-]+)", outbox("invitation")[-1].body_text).group(1)


def test_admin_invites_a_new_reviewer(login, outbox, audit_log):
    admin = UserFactory(admin=True, name="Avery Admin")

    response = invite(login(admin))

    user = db.session.scalar(sa.select(User).where(User.email == "rev@stanford.edu"))
    assert response.status_code == 302
    assert user.role_set == {Role.REVIEWER}
    assert user.password_hash is None
    [mail] = outbox("invitation")
    assert mail.recipient_email == "rev@stanford.edu"
    assert "Avery Admin invited you" in mail.subject
    actions = [event.action for event in audit_log()]
    assert actions == ["user.invited"]


def test_invited_person_sets_a_password_and_is_signed_in(login, client, outbox, audit_log):
    invite(login(UserFactory(admin=True)))
    token = accept_token(outbox)

    page = client.get(f"/invitation/{token}")
    response = client.post(
        f"/invitation/{token}",
        data={
            "name": "Dr Rev",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "timezone": "Europe/Paris",
        },
    )

    user = db.session.scalar(sa.select(User).where(User.email == "rev@stanford.edu"))
    assert b"rev@stanford.edu" in page.data
    assert response.status_code == 302
    assert verify_password(user.password_hash, PASSWORD)
    assert (user.name, user.timezone) == ("Dr Rev", "Europe/Paris")
    assert user.email_verified_at is not None
    assert audit_log()[-2].action == "user.invitation_accepted"
    assert client.get("/account").status_code == 200


def test_invitation_link_works_once(login, client, outbox):
    invite(login(UserFactory(admin=True)))
    token = accept_token(outbox)
    data = {"name": "Dr Rev", "password": PASSWORD, "confirm": PASSWORD, "timezone": "UTC"}
    client.post(f"/invitation/{token}", data=data)
    client.post("/logout")

    assert client.post(f"/invitation/{token}", data=data).status_code == 400


def test_expired_invitation_is_refused(login, client, outbox):
    invite(login(UserFactory(admin=True)))
    token = accept_token(outbox)
    stored = db.session.scalar(
        sa.select(UserToken).where(UserToken.purpose == TokenPurpose.INVITATION)
    )
    stored.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()

    response = client.post(
        f"/invitation/{token}",
        data={"name": "X", "password": PASSWORD, "confirm": PASSWORD, "timezone": "UTC"},
    )

    assert response.status_code == 400
    assert (
        db.session.scalar(sa.select(User.password_hash).where(User.email == "rev@stanford.edu"))
        is None
    )


def test_inviting_an_existing_account_grants_roles_and_tells_them(login, outbox, audit_log):
    existing = UserFactory(researcher=True, email="prof@mit.edu")

    invite(login(UserFactory(admin=True)), email="Prof@MIT.edu", roles=["reviewer", "member"])

    assert existing.role_set == {Role.RESEARCHER, Role.REVIEWER, Role.MEMBER}
    assert outbox("invitation") == []
    assert outbox("roles_granted")[0].recipient_email == "prof@mit.edu"
    assert [e.action for e in audit_log()] == ["user.role_granted", "user.role_granted"]


def test_invitation_without_role_is_refused(login, outbox):
    response = invite(login(UserFactory(admin=True)), roles=[])

    assert b'id="roles-error">Choose at least one role.' in response.data
    assert b'value="rev@stanford.edu"' in response.data
    assert outbox() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_invitation_with_bad_email_is_refused(login, outbox):
    response = invite(login(UserFactory(admin=True)), email="not an email")

    assert b'id="email-error"' in response.data
    assert outbox() == []
