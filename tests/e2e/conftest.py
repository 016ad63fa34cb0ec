"""Real-browser tests: a live Seedbed on its own database, driven by Chromium through Playwright.

The live server runs in a thread of the test process and commits for real, so these tests
opt out of the per-test rollback of tests/conftest.py. They share one server and one
database for the session; each test uses its own email addresses.
"""

import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from app import create_app
from app.auth import services as auth_services
from app.database import utcnow
from app.extensions import db
from app.notifications.models import Notification
from config import TestingConfig
from tests.dbutil import recreate_database, test_database_url
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = ROOT / "test-artifacts"
CHROMIUM_PATH = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
LIVE_HOST = "127.0.0.1"


@pytest.fixture(autouse=True)
def _isolated_database():
    """Replace the per-test rollback: the live server's commits must be real."""
    yield


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch the system Chromium (CHROMIUM_PATH), quietly and without calls home."""
    if not CHROMIUM_PATH.exists():
        pytest.skip(
            f"Chromium not found at {CHROMIUM_PATH}: install it with "
            "`apt-get install -y chromium` (or set CHROMIUM_PATH)"
        )
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM_PATH),
        "args": CHROMIUM_ARGS,
    }


class LiveServer:
    """The e2e app served over HTTP, with helpers that read and arrange its database."""

    def __init__(self, app: Flask, url: str):
        self.app = app
        self.url = url

    def create_admin(self, *, email: str, name: str, password: str = PASSWORD) -> int:
        """Create a confirmed administrator the way `flask users create-admin` does."""
        with self.app.app_context():
            user, _ = auth_services.create_admin(email=email, password=password, name=name)
            db.session.commit()
            return user.id

    def create_researcher(self, *, email: str, name: str, password: str = PASSWORD) -> int:
        """Register a researcher and confirm the address, as if they had followed the link."""
        with self.app.app_context():
            user = auth_services.register_user(
                email=email, name=name, password=password, timezone="UTC"
            )
            assert user is not None, f"{email} is already registered"
            user.email_verified_at = utcnow()
            db.session.commit()
            return user.id

    def outbox(self, *, kind: str, to: str) -> list[str]:
        """Return the bodies of the outbox rows of one kind sent to one address, oldest first."""
        with self.app.app_context():
            return list(
                db.session.scalars(
                    sa.select(Notification.body_text)
                    .where(Notification.kind == kind, Notification.recipient_email == to)
                    .order_by(Notification.id)
                )
            )

    def link_in_email(self, *, kind: str, to: str) -> str:
        """Return the one link to this server in the latest email of a kind to an address."""
        bodies = self.outbox(kind=kind, to=to)
        assert bodies, f"no {kind} email to {to} in the outbox"
        links = re.findall(re.escape(self.url) + r"/\S+", bodies[-1])
        assert len(links) == 1, f"expected one link to {self.url} in:\n{bodies[-1]}"
        return links[0]


def _drop_database(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        Path(parsed.database or "").unlink(missing_ok=True)
        return
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """Serve a fresh, migrated Seedbed with CSRF on, from a thread, for the whole session."""
    tmp_dir = tmp_path_factory.mktemp("seedbed_e2e")
    url = test_database_url(tmp_dir, f"seedbed_e2e_{os.getpid()}")
    recreate_database(url)
    app = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=url,
        WTF_CSRF_ENABLED=True,
        MAIL_OUTBOX_DIR=tmp_dir / "outbox",
        UPLOAD_DIR=tmp_dir / "uploads",
        IMPORT_DIR=tmp_dir / "imports",
        SEEDBED_TEST_TMP=tmp_dir,
    )
    with app.app_context():
        flask_migrate.upgrade()
    server = make_server(LIVE_HOST, 0, app, threaded=True)
    live_url = f"http://{LIVE_HOST}:{server.server_port}"
    # Emailed links must lead back here; the port is known only once the socket is bound.
    app.config["BASE_URL"] = live_url
    thread = threading.Thread(target=server.serve_forever, name="seedbed-e2e", daemon=True)
    thread.start()
    try:
        yield LiveServer(app, live_url)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()
        _drop_database(url)


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    """Point Playwright's relative URLs (page.goto("/login")) at the live server."""
    return live_server.url


@dataclass
class BrowserLog:
    """What a page asked for and complained about while a test drove it."""

    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def external_requests(self) -> list[str]:
        """Return the requests that went anywhere but the live server's host."""
        return [
            url
            for url in self.requests
            if not url.startswith(("data:", "blob:", "about:"))
            and urlsplit(url).hostname != LIVE_HOST
        ]

    def csp_violations(self) -> list[str]:
        """Return the console errors in which the browser reports a blocked resource."""
        return [
            message
            for message in self.console_errors
            if "Content Security Policy" in message or "Content-Security-Policy" in message
        ]

    def assert_clean(self) -> None:
        """Fail if the page loaded anything from elsewhere, broke the CSP or threw."""
        assert self.requests, "the page made no requests at all"
        assert self.external_requests() == [], "resources from outside the live server"
        assert self.csp_violations() == [], "Content Security Policy violations"
        assert self.page_errors == [], "uncaught JavaScript errors"


@pytest.fixture
def browser_log(page) -> BrowserLog:
    """Record the page's requests and errors; accept data-confirm dialogs."""
    log = BrowserLog()
    page.on("request", lambda request: log.requests.append(request.url))
    page.on(
        "console",
        lambda message: (
            log.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: log.page_errors.append(str(error)))
    page.on("dialog", lambda dialog: dialog.accept())
    return log


@pytest.fixture
def sign_in(page):
    """Return a function that signs in through the login form and lands on the home page."""

    def _sign_in(email: str, password: str = PASSWORD) -> None:
        page.goto("/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"/$"))

    return _sign_in
