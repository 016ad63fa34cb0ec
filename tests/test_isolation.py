"""Canaries: a row written by one test is gone in the next, on whichever database runs."""

import sqlalchemy as sa

from app.auth.models import User
from app.extensions import db
from tests.factories import UserFactory

CANARY = "canary@example.edu"


def test_canary_writes_and_commits_a_user():
    UserFactory(email=CANARY)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).where(User.email == CANARY)) == 1


def test_canary_sees_no_user_from_the_previous_test():
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_a_request_sees_what_the_test_committed_and_vice_versa(login, audit_log):
    user = UserFactory(name="Before")
    client = login(user)

    client.post("/account", data={"name": "After", "timezone": user.timezone})

    assert user.name == "After"
    assert [event.action for event in audit_log()] == ["user.profile_updated"]
