"""Seedbed: the application factory."""

import os
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from config import CONFIGS, Config

ROOT = Path(__file__).resolve().parent.parent


def _config_class(config) -> type[Config]:
    if config is None:
        config = os.environ.get("APP_CONFIG", "development")
    if isinstance(config, str):
        try:
            return CONFIGS[config.lower()]
        except KeyError:
            raise RuntimeError(f"APP_CONFIG must be one of {', '.join(CONFIGS)}, not {config!r}")
    return config


def create_app(config: type[Config] | str | None = None, **overrides) -> Flask:
    """Build the app with a config class (or APP_CONFIG's), extensions, blueprints and CLI."""
    config_class = _config_class(config)
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=str(config_class.INSTANCE_DIR),
    )
    app.config.from_object(config_class)
    config_class.init_app(app)
    app.config.update(overrides)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )

    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    _register_template_helpers(app)

    from app.api import init_api  # noqa: PLC0415
    from app.errors import register_error_handlers  # noqa: PLC0415
    from app.security import init_security_headers  # noqa: PLC0415

    register_error_handlers(app)
    init_security_headers(app)
    init_api(app)
    return app


def _init_extensions(app: Flask) -> None:
    from app import models  # noqa: F401, PLC0415  (every table known to Alembic)
    from app.auth.models import User  # noqa: PLC0415
    from app.extensions import bootstrap, csrf, db, limiter, login_manager, migrate  # noqa: PLC0415

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    bootstrap.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_token: str):
        # Inactive users load as nobody: a deactivated account is signed out at its next request.
        return db.session.scalar(
            sa.select(User).where(User.session_token == session_token, User.is_active.is_(True))
        )


def _register_blueprints(app: Flask) -> None:
    from app.api import token_views as _token_views  # noqa: F401, PLC0415
    from app.audit import bp as audit_bp  # noqa: PLC0415
    from app.audit import views as _audit_views  # noqa: F401, PLC0415
    from app.auth import bp as auth_bp  # noqa: PLC0415
    from app.auth import views as _auth_views  # noqa: F401, PLC0415
    from app.awards import bp as awards_bp  # noqa: PLC0415
    from app.awards import report_views as _award_report_views  # noqa: F401, PLC0415
    from app.awards import views as _award_views  # noqa: F401, PLC0415
    from app.calls import bp as calls_bp  # noqa: PLC0415
    from app.calls import views as _call_views  # noqa: F401, PLC0415
    from app.decisions import bp as decisions_bp  # noqa: PLC0415
    from app.decisions import decision_views as _decision_admin_views  # noqa: F401, PLC0415
    from app.decisions import views as _decision_views  # noqa: F401, PLC0415
    from app.interest import bp as interest_bp  # noqa: PLC0415
    from app.interest import views as _interest_views  # noqa: F401, PLC0415
    from app.main import bp as main_bp  # noqa: PLC0415
    from app.main import views as _main_views  # noqa: F401, PLC0415
    from app.members import bp as members_bp  # noqa: PLC0415
    from app.members import dashboard_views as _dashboard_views  # noqa: F401, PLC0415
    from app.members import transfer_views as _member_transfer_views  # noqa: F401, PLC0415
    from app.members import views as _member_views  # noqa: F401, PLC0415
    from app.notifications import bp as notifications_bp  # noqa: PLC0415
    from app.notifications import views as _notification_views  # noqa: F401, PLC0415
    from app.portal import bp as portal_bp  # noqa: PLC0415
    from app.portal import views as _portal_views  # noqa: F401, PLC0415
    from app.proposals import admin_views as _proposal_admin_views  # noqa: F401, PLC0415
    from app.proposals import bp as proposals_bp  # noqa: PLC0415
    from app.proposals import views as _proposal_views  # noqa: F401, PLC0415
    from app.reviews import admin_views as _review_admin_views  # noqa: F401, PLC0415
    from app.reviews import bp as reviews_bp  # noqa: PLC0415
    from app.reviews import views as _review_views  # noqa: F401, PLC0415
    from app.users import bp as users_bp  # noqa: PLC0415
    from app.users import views as _user_views  # noqa: F401, PLC0415

    for blueprint in (
        main_bp,
        auth_bp,
        users_bp,
        members_bp,
        portal_bp,
        calls_bp,
        proposals_bp,
        reviews_bp,
        interest_bp,
        decisions_bp,
        awards_bp,
        audit_bp,
        notifications_bp,
    ):
        app.register_blueprint(blueprint)


def _register_cli(app: Flask) -> None:
    from app.auth.cli import users_cli  # noqa: PLC0415
    from app.awards.cli import awards_cli  # noqa: PLC0415
    from app.members.cli import members_cli  # noqa: PLC0415
    from app.notifications.cli import notifications_cli  # noqa: PLC0415
    from app.reviews.cli import reviews_cli  # noqa: PLC0415
    from app.seed.cli import seed_cli  # noqa: PLC0415

    for group in (users_cli, awards_cli, members_cli, notifications_cli, reviews_cli, seed_cli):
        app.cli.add_command(group)


def _register_template_helpers(app: Flask) -> None:
    from app.templating import init_templating  # noqa: PLC0415

    init_templating(app)
