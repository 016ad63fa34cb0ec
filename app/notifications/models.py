"""Outbox rows: one email each, rendered when the change that causes it is made."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.database import UTCDateTime, enum_column, utcnow
from app.extensions import db


class NotificationStatus(StrEnum):
    """Where a message stands in delivery."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the maximum attempts; an administrator may retry


class Notification(db.Model):
    """An email waiting in, or delivered from, the outbox."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    kind: Mapped[str] = mapped_column(sa.String(64), index=True)
    recipient_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    recipient_email: Mapped[str] = mapped_column(sa.String(254), index=True)
    subject: Mapped[str] = mapped_column(sa.String(255))
    body_text: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[NotificationStatus] = mapped_column(
        enum_column(NotificationStatus, "notification_status"),
        default=NotificationStatus.PENDING,
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    recipient: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.Index("ix_notifications_status_next_attempt_at", "status", "next_attempt_at"),
        sa.CheckConstraint("(status = 'sent') = (sent_at IS NOT NULL)", name="sent_at_iff_sent"),
    )

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind} to {self.recipient_email} {self.status}>"
