"""Home page by role, and a health check for load balancers."""

import sqlalchemy as sa
from flask import current_app, render_template
from flask_login import current_user

from app import clock
from app.auth.models import Role, User
from app.auth.policy import has_role
from app.extensions import db
from app.main import bp
from app.main.admin_home import admin_overview
from app.notifications.models import Notification, NotificationStatus


@bp.route("/")
def home():
    """Show the signed-in user's start page, or the welcome page."""
    if not current_user.is_authenticated:
        return render_template("main/welcome.html")
    admin_figures = overview = None
    if has_role(current_user, Role.ADMIN):
        admin_figures = {
            "users": db.session.scalar(sa.select(sa.func.count(User.id))),
            "inactive": db.session.scalar(
                sa.select(sa.func.count(User.id)).where(User.is_active.is_(False))
            ),
            "pending_mail": db.session.scalar(
                sa.select(sa.func.count(Notification.id)).where(
                    Notification.status != NotificationStatus.SENT
                )
            ),
        }
        overview = admin_overview(
            clock.today(), fiscal_year_start_month=current_app.config["FISCAL_YEAR_START_MONTH"]
        )
    return render_template("main/home.html", admin_figures=admin_figures, overview=overview)


@bp.route("/healthz")
def healthz():
    """Answer a constant string: the app is up (also the benchmark's floor)."""
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}
