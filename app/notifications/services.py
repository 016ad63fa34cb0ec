"""Queue notifications in the outbox and deliver them over SMTP (or to .eml files)."""

import smtplib
import ssl
import uuid
from collections.abc import Iterable
from contextlib import suppress
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.audit import services as audit
from app.auth.models import User
from app.database import utcnow
from app.errors import WorkflowError
from app.extensions import db
from app.notifications.models import Notification, NotificationStatus

MAX_BACKOFF = timedelta(hours=6)


def render_email(kind: str, context: dict[str, Any]) -> tuple[str, str]:
    """Render `templates/email/<kind>.txt` into (subject, body).

    The template sets the subject with `{% set subject = "..." %}`.
    """
    template = current_app.jinja_env.get_template(f"email/{kind}.txt")
    module = template.make_module(
        {"site_name": current_app.config["SITE_NAME"], "base_url": current_app.config["BASE_URL"]}
        | context
    )
    subject = str(getattr(module, "subject", "")).strip()
    if not subject:
        raise ValueError(f"email/{kind}.txt sets no subject")
    return subject, str(module).strip() + "\n"


def enqueue(
    kind: str, recipients: User | str | Iterable[User | str], context: dict[str, Any]
) -> list[Notification]:
    """Write one outbox row per recipient, in the caller's transaction.

    A recipient is a user or a bare email address. The message is rendered now, so what
    was sent is exactly what the outbox shows.
    """
    if isinstance(recipients, User | str):
        recipients = [recipients]
    rows = []
    for recipient in recipients:
        user = recipient if isinstance(recipient, User) else None
        email = user.email if user else str(recipient)
        subject, body = render_email(kind, {"recipient": user, "recipient_email": email} | context)
        row = Notification(
            kind=kind,
            recipient_id=user.id if user else None,
            recipient_email=email,
            subject=subject,
            body_text=body,
        )
        db.session.add(row)
        rows.append(row)
    return rows


def build_message(notification: Notification) -> EmailMessage:
    """Return the MIME message for an outbox row."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = notification.recipient_email
    message["Subject"] = notification.subject
    message["Date"] = format_datetime(notification.created_at)
    message["Message-ID"] = make_msgid(idstring=f"seedbed-{notification.id}")
    message.set_content(notification.body_text)
    return message


class Transport:
    """Sends messages over SMTP with the configured server, or writes .eml files."""

    def __init__(self, config):
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> None:
        """Send one message or raise the transport's error."""
        if not self.config["MAIL_SERVER"]:
            self._write_file(message)
            return
        if self._smtp is None:
            self._smtp = self._connect()
        self._smtp.send_message(message)

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        timeout = config["MAIL_TIMEOUT"]
        if config["MAIL_USE_SSL"]:
            smtp = smtplib.SMTP_SSL(
                config["MAIL_SERVER"],
                config["MAIL_PORT"],
                timeout=timeout,
                context=ssl.create_default_context(),
            )
        else:
            smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout)
            if config["MAIL_USE_TLS"]:
                smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        return smtp

    def _write_file(self, message: EmailMessage) -> None:
        outbox = Path(self.config["MAIL_OUTBOX_DIR"])
        outbox.mkdir(parents=True, exist_ok=True)
        name = f"{utcnow():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.eml"
        (outbox / name).write_bytes(bytes(message))

    def close(self) -> None:
        """Close the SMTP connection if one is open."""
        if self._smtp is not None:
            with suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._smtp = None


def next_deliverable(now=None) -> Notification | None:
    """Return the oldest pending message that is due, locked against other deliverers."""
    now = now or utcnow()
    query = (
        sa.select(Notification)
        .where(Notification.status == NotificationStatus.PENDING)
        .where(Notification.next_attempt_at <= now)
        .order_by(Notification.id)
        .limit(1)
        # On PostgreSQL two delivery processes never take the same row; SQLite ignores this.
        .with_for_update(skip_locked=True)
    )
    return db.session.scalars(query).first()


def deliver_notification(notification: Notification, transport: Transport) -> bool:
    """Try to send one message; record success, or the error and when to try again.

    Returns True when sent. After MAIL_MAX_ATTEMPTS failures the row becomes failed.
    """
    now = utcnow()
    notification.attempts += 1
    try:
        transport.send(build_message(notification))
    except (OSError, smtplib.SMTPException) as error:
        transport.close()
        notification.last_error = f"{type(error).__name__}: {error}"[:2000]
        if notification.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            notification.status = NotificationStatus.FAILED
        else:
            backoff = min(timedelta(minutes=2 ** (notification.attempts - 1)), MAX_BACKOFF)
            notification.next_attempt_at = now + backoff
        return False
    notification.status = NotificationStatus.SENT
    notification.sent_at = now
    notification.last_error = None
    return True


def retry_notification(notification: Notification, *, actor: User) -> None:
    """Put an unsent message back in the queue for immediate delivery.

    Side effects: resets attempts; audit `notification.retried`.
    Raises: WorkflowError if it was already sent.
    """
    if notification.status == NotificationStatus.SENT:
        raise WorkflowError("This message has already been sent.")
    notification.status = NotificationStatus.PENDING
    notification.attempts = 0
    notification.next_attempt_at = utcnow()
    audit.record(actor, "notification.retried", notification, {"to": notification.recipient_email})
