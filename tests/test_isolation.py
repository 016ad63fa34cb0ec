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


def test_view_work_not_committed_is_rolled_back_at_request_end(client):
    db.session.add(User(email="ghost@example.edu", name="Ghost", is_active=True))
    client.get("/healthz")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
