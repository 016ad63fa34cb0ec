"""The audit log: append-only, written with the change, browsed with filters."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DatabaseError

from app.audit import services as audit
from app.audit.models import AuditEvent
from app.database import utcnow
from app.extensions import db
from tests.factories import UserFactory


def test_audit_events_cannot_be_updated_or_deleted_in_the_database():
    user = UserFactory()
    audit.record(user, "user.tested", user)
    db.session.commit()

    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(sa.update(AuditEvent).values(action="user.forged"))
    db.session.rollback()
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(sa.delete(AuditEvent))
    db.session.rollback()
    assert db.session.scalar(sa.select(AuditEvent.action)) == "user.tested"


def test_an_event_rolls_back_with_its_change():
    user = UserFactory()
    audit.record(user, "user.tested", user)
    db.session.rollback()

    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0


def rows(html: str) -> set[str]:
    """Return the actions listed in the log's table (not the filter's suggestions)."""
    return set(re.findall(r"<td><code>([\w.]+)</code></td>", html))


def test_log_filters_by_actor_action_subject_and_date(login):
    admin = UserFactory(admin=True, name="Avery Admin", timezone="UTC")
    alice = UserFactory(name="Alice Actor")
    bob = UserFactory(name="Bob Other")
    audit.record(alice, "user.alpha", bob)
    audit.record(bob, "user.beta", alice)
    audit.record(bob, "user.gamma", bob)
    db.session.commit()
    old_time = utcnow() - timedelta(days=10)
    client = login(admin)

    by_actor = client.get("/admin/audit/?actor=alice").get_data(as_text=True)
    by_action = client.get("/admin/audit/?action=user.beta").get_data(as_text=True)
    by_subject = client.get(f"/admin/audit/?subject_type=user&subject_id={alice.id}").get_data(
        as_text=True
    )
    today = utcnow().date().isoformat()
    by_date = client.get(f"/admin/audit/?date_from={today}&date_to={today}").get_data(as_text=True)
    before = (old_time.date()).isoformat()
    empty = client.get(f"/admin/audit/?date_to={before}").get_data(as_text=True)

    assert rows(by_actor) == {"user.alpha"}
    assert rows(by_action) == {"user.beta"}
    assert rows(by_subject) == {"user.beta"}
    assert rows(by_date) == {"user.alpha", "user.beta", "user.gamma"}
    assert rows(empty) == set()


def test_bad_date_filter_is_ignored_not_an_error(login):
    client = login(UserFactory(admin=True))

    response = client.get("/admin/audit/?date_from=yesterday")

    assert response.status_code == 200


def test_log_is_paginated_newest_first(login):
    admin = UserFactory(admin=True)
    for n in range(60):
        audit.record(admin, f"user.step{n:02d}", admin)
    db.session.commit()
    client = login(admin)

    first = client.get("/admin/audit/").get_data(as_text=True)
    second = client.get("/admin/audit/?page=2").get_data(as_text=True)

    assert "user.step59" in rows(first) and "user.step00" not in rows(first)
    assert "user.step00" in rows(second)


def test_log_query_count_does_not_grow_with_rows(login, count_queries):
    admin = UserFactory(admin=True)
    audit.record(admin, "user.one", admin)
    db.session.commit()
    client = login(admin)
    client.get("/admin/audit/")
    with count_queries() as few:
        client.get("/admin/audit/")
    for n in range(49):
        actor = UserFactory()
        audit.record(actor, f"user.n{n}", admin)
    db.session.commit()
    with count_queries() as many:
        client.get("/admin/audit/")

    assert many.count == few.count
