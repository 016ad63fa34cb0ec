"""Configuration: every setting comes from an environment variable."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("SEEDBED_INSTANCE_DIR", BASE_DIR / "instance"))


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(name: str) -> list[str]:
    return [item.strip().lower() for item in os.environ.get(name, "").split(",") if item.strip()]


class Config:
    """Settings shared by every environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'seedbed.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    INSTANCE_DIR = INSTANCE_DIR
    BASE_URL = os.environ.get("SEEDBED_BASE_URL", "http://127.0.0.1:5000")
    SITE_NAME = os.environ.get("SEEDBED_SITE_NAME", "Seedbed")

    # Accounts
    REGISTRATION_OPEN = _bool("SEEDBED_REGISTRATION_OPEN", True)
    REGISTRATION_EMAIL_DOMAINS = _list("SEEDBED_REGISTRATION_DOMAINS")
    PASSWORD_MIN_LENGTH = int(os.environ.get("SEEDBED_PASSWORD_MIN_LENGTH", "12"))
    RESET_TOKEN_HOURS = int(os.environ.get("SEEDBED_RESET_TOKEN_HOURS", "2"))
    INVITATION_TOKEN_DAYS = int(os.environ.get("SEEDBED_INVITATION_TOKEN_DAYS", "14"))
    DEFAULT_TIMEZONE = os.environ.get("SEEDBED_DEFAULT_TIMEZONE", "America/New_York")
    ARGON2_TIME_COST = int(os.environ.get("SEEDBED_ARGON2_TIME_COST", "3"))
    ARGON2_MEMORY_COST = int(os.environ.get("SEEDBED_ARGON2_MEMORY_KIB", "65536"))

    # Sessions and cookies
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SEEDBED_SECURE_COOKIES", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * int(os.environ.get("SEEDBED_REMEMBER_DAYS", "14"))
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session does

    # Rate limits (Flask-Limiter): in memory for one process, Redis when shared
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL", "memory://")
    RATELIMIT_ENABLED = _bool("SEEDBED_RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("SEEDBED_LOGIN_RATE_LIMIT", "5 per 15 minutes")
    RESET_RATE_LIMIT = os.environ.get("SEEDBED_RESET_RATE_LIMIT", "5 per hour")
    API_RATE_LIMIT = os.environ.get("SEEDBED_API_RATE_LIMIT", "600 per minute")
    API_LAST_USED_RESOLUTION_SECONDS = 60  # how stale a token's "last used" time may be

    # Outgoing mail: with no MAIL_SERVER, messages are written as .eml files
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
    MAIL_TIMEOUT = int(os.environ.get("MAIL_TIMEOUT", "20"))
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Seedbed <seedbed@localhost>")
    MAIL_OUTBOX_DIR = Path(os.environ.get("MAIL_OUTBOX_DIR", INSTANCE_DIR / "outbox"))
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "8"))

    # The program office: its zone decides what "today" is for dues, terms and deadlines
    OFFICE_TIMEZONE = os.environ.get("SEEDBED_OFFICE_TIMEZONE", "America/New_York")

    # Membership
    MEMBERSHIP_GRACE_DAYS = int(os.environ.get("SEEDBED_GRACE_DAYS", "60"))
    FISCAL_YEAR_START_MONTH = int(os.environ.get("SEEDBED_FISCAL_YEAR_START_MONTH", "7"))
    INVOICE_ON_NEW_TERM = _bool("SEEDBED_INVOICE_ON_NEW_TERM", True)
    INVOICE_DUE_DAYS = int(os.environ.get("SEEDBED_INVOICE_DUE_DAYS", "30"))
    CURRENCY_SYMBOL = os.environ.get("SEEDBED_CURRENCY_SYMBOL", "$")
    # Member import: the largest CSV accepted, and where an upload waits (outside the web
    # root) between its preview and its confirmation. With several app servers, IMPORT_DIR
    # must be storage they share. MAX_CONTENT_LENGTH (below) caps every request body before
    # any view runs; keep it well above IMPORT_MAX_BYTES, so that a large upload gets the
    # message beside the field rather than the 413 page.
    IMPORT_MAX_BYTES = int(os.environ.get("SEEDBED_IMPORT_MAX_BYTES", str(5 * 1024 * 1024)))
    IMPORT_DIR = Path(os.environ.get("SEEDBED_IMPORT_DIR", INSTANCE_DIR / "imports"))
    IMPORT_KEEP_HOURS = int(os.environ.get("SEEDBED_IMPORT_KEEP_HOURS", "24"))
    # The largest request body accepted at all (a 413 page beyond it); uploads have their own,
    # smaller limits checked with a message beside the field.
    MAX_CONTENT_LENGTH = int(os.environ.get("SEEDBED_MAX_REQUEST_BYTES", str(50 * 1024 * 1024)))

    # Calls and proposals
    SUBMISSION_GRACE_SECONDS = int(os.environ.get("SEEDBED_SUBMISSION_GRACE_SECONDS", "0"))
    ATTACHMENT_MAX_BYTES = int(
        os.environ.get("SEEDBED_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024))
    )
    UPLOAD_DIR = Path(os.environ.get("SEEDBED_UPLOAD_DIR", INSTANCE_DIR / "uploads"))
    MAX_CO_INVESTIGATORS = int(os.environ.get("SEEDBED_MAX_CO_INVESTIGATORS", "10"))
    MAX_BUDGET_LINES = int(os.environ.get("SEEDBED_MAX_BUDGET_LINES", "20"))

    # Review: reviews of one proposal disagree when their weighted totals (0–100) spread more
    REVIEW_DISAGREEMENT_SPREAD = float(os.environ.get("SEEDBED_REVIEW_DISAGREEMENT_SPREAD", "20.0"))
    # `flask reviews remind` reminds reviewers of unfinished reviews due within this many days
    REVIEW_REMINDER_DAYS = int(os.environ.get("SEEDBED_REVIEW_REMINDER_DAYS", "3"))

    BOOTSTRAP_SERVE_LOCAL = True  # never a CDN
    USERS_PER_PAGE = 50
    AUDIT_EVENTS_PER_PAGE = 50

    IS_PRODUCTION = False
    IS_DEMO_ALLOWED = True

    @classmethod
    def init_app(cls, app) -> None:
        """Check the settings once the app exists."""


class DevelopmentConfig(Config):
    """Local development on the embedded SQLite database."""

    DEBUG = False  # the quick start serves without the debugger; `flask run --debug` turns it on


class TestingConfig(Config):
    """The test suite: fast hashing, no real mail, a database named by TEST_DATABASE_URL."""

    TESTING = True
    SECRET_KEY = "testing-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 64
    RATELIMIT_STORAGE_URI = "memory://"
    # Schemathesis sends thousands of requests with one token; tests of the limit lower it.
    API_RATE_LIMIT = "100000 per minute"
    MAIL_SERVER = ""
    REGISTRATION_EMAIL_DOMAINS: list[str] = []
    SERVER_TIMEZONE_FOR_TESTS = "UTC"


class ProductionConfig(Config):
    """Production: a real secret and database are required, cookies are Secure."""

    SESSION_COOKIE_SECURE = _bool("SEEDBED_SECURE_COOKIES", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    IS_PRODUCTION = True
    IS_DEMO_ALLOWED = False

    @classmethod
    def init_app(cls, app) -> None:
        """Refuse to start without a real SECRET_KEY and DATABASE_URL."""
        secret = os.environ.get("SECRET_KEY", "")
        if len(secret) < 32 or secret == Config.SECRET_KEY:
            raise RuntimeError(
                "SECRET_KEY must be set to a random value of at least 32 characters in production "
                '(python -c "import secrets; print(secrets.token_urlsafe(48))").'
            )
        if not os.environ.get("DATABASE_URL"):
            raise RuntimeError("DATABASE_URL must be set in production (PostgreSQL).")
        app.config["SECRET_KEY"] = secret
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
