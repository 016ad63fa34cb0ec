"""The audit log, filtered (administrators)."""

from marshmallow import fields

from app.api.core import ApiBlueprint, actor, permitted
from app.api.schemas import ApiSchema, PageArgs, day, page_of, paginate, sort_field, text
from app.audit.models import AuditEvent
from app.audit.queries import audit_events_query
from app.auth.policy import can_view_audit_log

blp = ApiBlueprint("audit", "/audit", "The audit log, filtered (administrators).")


class ActorSchema(ApiSchema):
    """Who acted."""

    id = fields.Integer()
    name = fields.String()
    email = fields.String()


class AuditEventSchema(ApiSchema):
    """One recorded change: who did what to which object, and when."""

    id = fields.Integer()
    occurred_at = fields.AwareDateTime()
    actor = fields.Nested(ActorSchema, allow_none=True)
    action = fields.String(metadata={"example": "proposal.submitted"})
    subject_type = fields.String(metadata={"example": "proposal"})
    subject_id = fields.String()
    detail = fields.Dict()


class AuditEventArgs(PageArgs):
    """Filters for the audit log (dates are whole days in the caller's time zone)."""

    actor = text(200, metadata={"description": "Part of the actor's name or email."})
    action = text(64, metadata={"description": "An action, or its start (e.g. `proposal.`)."})
    subject_type = text(40)
    subject_id = text(40)
    date_from = day()
    date_to = day()
    sort = sort_field(["occurred_at"], default="-occurred_at")


@blp.route("/events")
@permitted(can_view_audit_log)
@blp.arguments(AuditEventArgs, location="query", as_kwargs=True)
@blp.response(200, page_of(AuditEventSchema))
@blp.documents(403)
def list_events(page, per_page, sort, **filters):
    """List audit events, newest first unless sorted otherwise, with the web page's filters."""
    query = audit_events_query(
        timezone=actor().timezone, **{name: value for name, value in filters.items() if value}
    )
    return paginate(
        query,
        {"page": page, "per_page": per_page, "sort": sort},
        {"occurred_at": AuditEvent.occurred_at},
    )
