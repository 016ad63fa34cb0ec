"""Reads over the audit log."""

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, lazyload

from app.audit.models import AuditEvent
from app.audit.services import subject_key
from app.auth.models import User


def audit_events_query(
    *,
    actor: str | None = None,
    action: str | None = None,
    subject_type: str | None = None,
    subject_id: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    timezone: str = "UTC",
) -> sa.Select:
    """Return a select of audit events, newest first, narrowed by the given filters.

    Dates are whole days in the viewer's time zone.
    """
    query = sa.select(AuditEvent).options(
        joinedload(AuditEvent.actor).options(lazyload(User.roles))
    )
    if actor:
        pattern = f"%{actor.strip().lower()}%"
        query = query.join(AuditEvent.actor).where(
            sa.or_(User.email.like(pattern), sa.func.lower(User.name).like(pattern))
        )
    if action:
        query = query.where(AuditEvent.action.like(f"{action.strip()}%"))
    if subject_type:
        query = query.where(AuditEvent.subject_type == subject_type.strip())
    if subject_id:
        query = query.where(AuditEvent.subject_id == subject_id.strip())
    zone = ZoneInfo(timezone)
    if date_from:
        query = query.where(AuditEvent.occurred_at >= datetime.combine(date_from, time(), zone))
    if date_to:
        end = datetime.combine(date_to + timedelta(days=1), time(), zone)
        query = query.where(AuditEvent.occurred_at < end)
    return query.order_by(AuditEvent.id.desc())


def history_of(subject: Any, limit: int = 50) -> sa.Select:
    """Return a select of the latest audit events about one object."""
    subject_type, subject_id = subject_key(subject)
    return audit_events_query(subject_type=subject_type, subject_id=subject_id).limit(limit)


def known_actions() -> sa.Select:
    """Return a select of the distinct action names recorded so far."""
    return sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)
