"""Test fixtures: one migrated database per run, each test inside a rolled-back transaction."""

import contextvars
import os

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import has_app_context
from flask.testing import FlaskClient
from flask_login import FlaskLoginClient

from app import create_app
from app.extensions import db, limiter
from config import TestingConfig
from tests.dbutil import recreate_database, test_database_url


class SeedbedClient(FlaskLoginClient):
    """A test client whose requests run like real ones: own app context, session and `g`."""

    def open(self, *args, **kwargs):
        if not has_app_context():  # a redirect followed from inside a request's own context
            return super().open(*args, **kwargs)
        # Close the test's own savepoint first so the request's savepoint is not nested in it
        # (a later rollback of the test's session would otherwise undo the request's work).
        db.session.commit()
        # A fresh contextvars context makes Flask push a new app context for the request, as in
        # production, instead of reusing the test's (whose `g` would leak between clients).
        # Buffered: a streamed body (stream_with_context) is read inside that same context, as
        # a server reads it in the request's; read later, Flask could not pop the context.
        kwargs.setdefault("buffered", True)
        response = contextvars.Context().run(super().open, *args, **kwargs)
        db.session.expire_all()
        return response


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """Build the app on a fresh database migrated to head."""
    tmp_dir = tmp_path_factory.mktemp("seedbed")
    url = test_database_url(tmp_dir, f"seedbed_test_{os.getpid()}")
    recreate_database(url)
    app = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=url,
        MAIL_OUTBOX_DIR=tmp_dir / "outbox",
        UPLOAD_DIR=tmp_dir / "uploads",
        SEEDBED_TEST_TMP=tmp_dir,
    )
    app.test_client_class = SeedbedClient
    with app.app_context():
        flask_migrate.upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _isolated_database(request, app):
    """Run the test inside one outer transaction that is rolled back at its end.

    Flask-SQLAlchemy 3 ignores a session-level bind (issue #1167) and, handed a Connection by a
    patched engine.connect, SQLAlchemy would adopt our outer transaction as its own. So the
    app's engine map points at one connection with an open transaction; the session joins it
    with join_transaction_mode="create_savepoint", and a view's commit releases a savepoint.
    """
    if request.node.get_closest_marker("no_isolation"):
        yield
        return
    with app.app_context():
        engines = db.engines
        engine = engines[None]
        connection = engine.connect()
        outer = connection.begin()
        engines[None] = connection
        limiter.reset()
        try:
            yield
        finally:
            db.session.remove()
            engines[None] = engine
            outer.rollback()
            connection.close()


@pytest.fixture
def client(app) -> FlaskClient:
    """An anonymous browser."""
    return app.test_client()


@pytest.fixture
def login(app):
    """Return a function giving a client signed in as a user."""

    def _login(user) -> FlaskClient:
        return app.test_client(user=user)

    return _login


@pytest.fixture
def count_queries(app):
    """Count the SQL statements run inside a `with count_queries() as counter:` block."""

    class Counter:
        def __init__(self):
            self.count = 0
            self.statements: list[str] = []

        def __call__(self, conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
                self.count += 1
                self.statements.append(statement)

    class Block:
        def __enter__(self):
            self.counter = Counter()
            sa.event.listen(db.engine, "before_cursor_execute", self.counter)
            return self.counter

        def __exit__(self, *exc):
            sa.event.remove(db.engine, "before_cursor_execute", self.counter)

    return Block


@pytest.fixture
def outbox():
    """Return a function listing outbox rows, optionally of one kind."""
    from app.notifications.models import Notification

    def _outbox(kind: str | None = None, to: str | None = None):
        query = sa.select(Notification).order_by(Notification.id)
        if kind:
            query = query.where(Notification.kind == kind)
        if to:
            query = query.where(Notification.recipient_email == to)
        return db.session.scalars(query).all()

    return _outbox


@pytest.fixture
def audit_log():
    """Return a function listing audit events, optionally of one action."""
    from app.audit.models import AuditEvent

    def _audit(action: str | None = None):
        query = sa.select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        return db.session.scalars(query).all()

    return _audit


@pytest.fixture
def committed_app(tmp_path):
    """An app on a fresh database of its own, where code commits for real (concurrency tests)."""
    url = test_database_url(tmp_path, f"seedbed_test_committed_{os.getpid()}")
    recreate_database(url)
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=tmp_path / "uploads")
    with app.app_context():
        flask_migrate.upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()
