"""Administrators browse the audit log."""

from flask import render_template, request
from flask_login import current_user

from app.audit import bp
from app.audit.forms import AuditFilterForm
from app.audit.queries import audit_events_query, known_actions
from app.auth.models import Role
from app.extensions import db
from app.web import page_number, role_required


@bp.route("/")
@role_required(Role.ADMIN)
def index():
    """List audit events, newest first, with filters and pages."""
    filters = AuditFilterForm(request.args)
    criteria = {}
    if filters.validate():
        criteria = {name: field.data for name, field in filters._fields.items() if field.data}
    query = audit_events_query(timezone=current_user.timezone, **criteria)
    page = db.paginate(query, page=page_number(), per_page=50, error_out=False, count=False)
    return render_template(
        "audit/index.html",
        page=page,
        filters=filters,
        actions=db.session.scalars(known_actions()).all(),
    )
