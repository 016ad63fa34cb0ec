"""The outbox: rows written with the change, delivered by the CLI over real SMTP, retried."""

import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller

from app.auth import services as auth_services
from app.database import utcnow
from app.extensions import db
from app.notifications import services
from app.notifications.models import NotificationStatus
from tests.factories import UserFactory


class Collector:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    collector = Collector()
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    saved = {key: app.config[key] for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False)
    yield collector
    app.config.update(saved)
    controller.stop()


@pytest.fixture
def dead_smtp_server(app):
    port = free_port()  # nothing listens there
    saved = {key: app.config[key] for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False)
    yield
    app.config.update(saved)


def deliver(app):
    result = app.test_cli_runner().invoke(args=["notifications", "deliver"])
    assert result.exit_code == 0, result.output
    return result.output


def test_enqueue_renders_the_template_into_the_row(outbox):
    user = UserFactory(name="Rosa")

    services.enqueue("password_changed", user, {"reset_url": "http://x/forgot"})
    db.session.commit()

    [row] = outbox()
    assert row.subject == "Your Seedbed password was changed"
    assert "Hello Rosa," in row.body_text and "http://x/forgot" in row.body_text
    assert row.status == NotificationStatus.PENDING


def test_no_notification_survives_a_rolled_back_change(outbox):
    user = UserFactory()
    auth_services.request_password_reset(user.email)
    db.session.rollback()

    assert outbox() == []


def test_deliver_sends_over_smtp_and_marks_sent(app, smtp_server, outbox):
    user = UserFactory(email="rosa@mit.edu")
    auth_services.request_password_reset(user.email)
    db.session.commit()

    output = deliver(app)

    assert "Delivered 1, failed 0" in output
    [envelope] = smtp_server.messages
    assert envelope.rcpt_tos == ["rosa@mit.edu"]
    assert b"Subject: Reset your Seedbed password" in envelope.content
    [row] = outbox()
    assert row.status == NotificationStatus.SENT and row.sent_at is not None
    assert deliver(app).startswith("Delivered 0")  # nothing is sent twice


def test_failing_smtp_keeps_the_row_pending_with_the_error(app, dead_smtp_server, outbox):
    user = UserFactory()
    auth_services.request_password_reset(user.email)
    db.session.commit()
    before = utcnow()

    output = deliver(app)

    assert "Delivered 0, failed 1" in output
    [row] = outbox()
    assert row.status == NotificationStatus.PENDING
    assert row.attempts == 1
    assert "ConnectionRefusedError" in row.last_error
    assert row.next_attempt_at >= before + timedelta(seconds=59)
    assert deliver(app).startswith("Delivered 0, failed 0")  # not retried before its time


def test_retries_back_off_and_then_give_up(app, dead_smtp_server, outbox):
    user = UserFactory()
    services.enqueue("password_changed", user, {"reset_url": "x"})
    db.session.commit()
    delays = []
    for _ in range(app.config["MAIL_MAX_ATTEMPTS"]):
        [row] = outbox()
        row.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        started = utcnow()
        deliver(app)
        [row] = outbox()
        delays.append(round((row.next_attempt_at - started).total_seconds() / 60))

    assert delays[:4] == [1, 2, 4, 8]
    assert row.status == NotificationStatus.FAILED
    assert row.attempts == app.config["MAIL_MAX_ATTEMPTS"]


def test_failed_message_is_delivered_once_the_server_is_back(app, smtp_server, outbox):
    user = UserFactory()
    services.enqueue("password_changed", user, {"reset_url": "x"})
    db.session.commit()
    [row] = outbox()
    row.attempts, row.last_error = 3, "ConnectionRefusedError: earlier"
    db.session.commit()

    deliver(app)

    assert outbox()[0].status == NotificationStatus.SENT
    assert outbox()[0].last_error is None
    assert len(smtp_server.messages) == 1


def test_without_smtp_messages_are_written_as_eml_files(app, outbox):
    user = UserFactory(email="rosa@mit.edu")
    services.enqueue("password_changed", user, {"reset_url": "x"})
    db.session.commit()
    folder = app.config["MAIL_OUTBOX_DIR"]
    before = set(folder.glob("*.eml")) if folder.exists() else set()

    deliver(app)

    [written] = set(folder.glob("*.eml")) - before
    assert "To: rosa@mit.edu" in written.read_text()
    assert outbox()[0].status == NotificationStatus.SENT


def test_admin_sees_the_outbox_and_retries_a_failed_message(login, outbox, audit_log):
    admin = UserFactory(admin=True)
    services.enqueue("password_changed", admin, {"reset_url": "x"})
    db.session.commit()
    [row] = outbox()
    row.status, row.attempts, row.last_error = (
        NotificationStatus.FAILED,
        8,
        "SMTPServerDisconnected",
    )
    db.session.commit()
    client = login(admin)

    listing = client.get("/admin/outbox/?status=failed").get_data(as_text=True)
    detail = client.get(f"/admin/outbox/{row.id}").get_data(as_text=True)
    client.post(f"/admin/outbox/{row.id}/retry")

    assert "SMTPServerDisconnected" in listing
    assert "Hello" in detail
    [row] = outbox()
    assert (row.status, row.attempts) == (NotificationStatus.PENDING, 0)
    assert audit_log("notification.retried")[0].actor_id == admin.id


def test_a_sent_message_cannot_be_retried(login, outbox, audit_log):
    admin = UserFactory(admin=True)
    services.enqueue("password_changed", admin, {"reset_url": "x"})
    db.session.commit()
    [row] = outbox()
    row.status, row.sent_at = NotificationStatus.SENT, utcnow()
    db.session.commit()

    response = login(admin).post(f"/admin/outbox/{row.id}/retry", follow_redirects=True)

    assert b"already been sent" in response.data
    assert outbox()[0].status == NotificationStatus.SENT
    assert audit_log("notification.retried") == []
