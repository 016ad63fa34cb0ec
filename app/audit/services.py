"""Write audit events, in the caller's transaction."""

from typing import Any

from app.audit.models import AuditEvent
from app.auth.models import User
from app.extensions import db


def subject_key(subject: Any) -> tuple[str, str]:
    """Return the (type, id) pair that names an object in the audit log."""
    subject_type = getattr(subject, "__audit_type__", None) or subject.__tablename__.removesuffix(
        "s"
    )
    return subject_type, str(subject.id)


def record(
    actor: User | None, action: str, subject: Any, detail: dict[str, Any] | None = None
) -> AuditEvent:
    """Add an audit event for `action` on `subject` to the current transaction.

    The subject must have been flushed (it needs its id). Nothing is committed here.
    """
    if getattr(subject, "id", None) is None:
        db.session.flush()
    subject_type, subject_id = subject_key(subject)
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=detail or {},
    )
    db.session.add(event)
    return event
