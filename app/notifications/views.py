"""Administrators watch the outbox and retry messages."""

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from app.auth.models import Role
from app.errors import DomainError
from app.extensions import db
from app.forms import EmptyForm, SearchForm, choices
from app.notifications import bp, services
from app.notifications.models import Notification, NotificationStatus
from app.web import flash_error, get_or_404, page_number, role_required


class OutboxFilterForm(SearchForm):
    """Filter the outbox by status and recipient."""

    status = SelectField(
        "Status",
        choices=choices(
            [
                ("", "Any status"),
                *[(status.value, status.value.title()) for status in NotificationStatus],
            ]
        ),
        validators=[Optional()],
    )
    to = StringField("Recipient", validators=[Optional(), Length(max=254)])


@bp.route("/")
@role_required(Role.ADMIN)
def index():
    """List outgoing messages, newest first."""
    filters = OutboxFilterForm(request.args)
    query = sa.select(Notification).order_by(Notification.id.desc())
    if filters.validate():
        if filters.status.data:
            query = query.where(Notification.status == NotificationStatus(filters.status.data))
        if filters.to.data:
            query = query.where(
                Notification.recipient_email.like(f"%{filters.to.data.strip().lower()}%")
            )
    page = db.paginate(query, page=page_number(), per_page=50, error_out=False)
    return render_template("notifications/index.html", page=page, filters=filters, form=EmptyForm())


@bp.route("/<int:notification_id>")
@role_required(Role.ADMIN)
def detail(notification_id: int):
    """Show one message as it was sent."""
    notification = get_or_404(Notification, notification_id)
    return render_template("notifications/detail.html", notification=notification, form=EmptyForm())


@bp.route("/<int:notification_id>/retry", methods=["POST"])
@role_required(Role.ADMIN)
def retry(notification_id: int):
    """Queue an unsent message again."""
    notification = get_or_404(Notification, notification_id)
    if EmptyForm().validate_on_submit():
        try:
            services.retry_notification(notification, actor=current_user)
        except DomainError as error:
            flash_error(error)
        else:
            db.session.commit()
            flash("The message is queued again; the next delivery run sends it.", "success")
    return redirect(url_for("notifications.detail", notification_id=notification.id))
