"""Calls and their rubric: everyone signed in reads published calls; administrators run them."""

from decimal import Decimal

import sqlalchemy as sa
from marshmallow import fields, validate
from sqlalchemy.orm import selectinload

from app.api.core import ApiBlueprint, actor, check_version, permitted
from app.api.schemas import (
    ApiSchema,
    PageArgs,
    VersionSchema,
    changes_to,
    decimal,
    instant,
    integer,
    money,
    name,
    page_of,
    paginate,
    sort_field,
    text,
)
from app.calls import policy
from app.calls import services as call_services
from app.calls.models import Call, CallState, Criterion, InterestMode, MemberVisibility
from app.calls.services import CALL_FIELDS, CRITERION_FIELDS
from app.extensions import db
from app.proposals import services as proposal_services
from app.web import get_or_404, require_visible

blp = ApiBlueprint("calls", "/calls", "Calls for proposals, their rubric and their states.")

# The state each action moves a call to.
ACTIONS = {
    "open": CallState.OPEN,
    "close": CallState.CLOSED,
    "start-review": CallState.IN_REVIEW,
    "decide": CallState.DECIDED,
    "archive": CallState.ARCHIVED,
}


class CriterionSchema(ApiSchema):
    """One line of a call's rubric."""

    id = fields.Integer(dump_only=True)
    position = fields.Integer(dump_only=True)
    name = name(120, required=True)
    guidance = text(5000, load_default="")
    weight = decimal(4, Decimal("0.01"), example="1.00", required=True)
    scale_min = integer(0, 100, load_default=1)
    scale_max = integer(1, 100, load_default=5)


class CallSchema(ApiSchema):
    """A call for proposals, as administrators set it up."""

    id = fields.Integer(dump_only=True)
    state = fields.Enum(CallState, by_value=True, dump_only=True)
    version = fields.Integer(dump_only=True)
    title = name(200, required=True)
    theme = text(200, load_default="")
    description = text(20000, load_default="", metadata={"description": "Markdown."})
    eligibility = text(20000, load_default="", metadata={"description": "Markdown."})
    reference_prefix = fields.String(
        required=True,
        validate=validate.Regexp(r"^[A-Za-z][A-Za-z0-9]{1,9}$"),
        metadata={"description": "2 to 10 letters or digits; proposal references start with it."},
    )
    opens_at = instant(required=True)
    closes_at = instant(required=True)
    review_deadline = instant(load_default=None, allow_none=True)
    total_budget = money(required=True)
    max_award = money(required=True)
    reviews_per_proposal = integer(1, 20, load_default=3)
    is_blind = fields.Boolean(load_default=False)
    member_visibility = fields.Enum(
        MemberVisibility, by_value=True, load_default=MemberVisibility.NOTHING
    )
    interest_mode = fields.Enum(InterestMode, by_value=True, load_default=InterestMode.ADVISORY)
    interest_weight = integer(0, 100, load_default=0)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)
    criteria = fields.List(fields.Nested(CriterionSchema), dump_only=True)


class CallUpdateSchema(CallSchema):
    """Changes to a call: any of its settings, with the version the client last read."""

    version = integer(1, required=True, metadata={"description": "The version last read."})


class CallListArgs(PageArgs):
    """Filters for the list of calls."""

    state = fields.List(
        fields.Enum(CallState, by_value=True),
        metadata={"description": "Only calls in these states (repeat the parameter)."},
    )
    q = text(200, metadata={"description": "Words in the title or theme."})
    sort = sort_field(["closes_at", "opens_at", "title", "created_at"], default="-opens_at")


class ActionSchema(VersionSchema):
    """A state action on a call."""


CALL_SORTS = {
    "closes_at": Call.closes_at,
    "opens_at": Call.opens_at,
    "title": Call.title,
    "created_at": Call.created_at,
}


def _visible_call(call_id: int) -> Call:
    call = get_or_404(Call, call_id)
    require_visible(policy.can_view_call(actor(), call))
    return call


@blp.route("/")
@blp.arguments(CallListArgs, location="query", as_kwargs=True)
@blp.response(200, page_of(CallSchema))
def list_calls(state=None, q=None, **page):
    """List the calls visible to the caller (drafts only for administrators)."""
    query = sa.select(Call).options(selectinload(Call.criteria))
    if not policy.can_manage_calls(actor()):
        query = query.where(Call.state != CallState.DRAFT)
    if state:
        query = query.where(Call.state.in_(state))
    if q:
        pattern = f"%{q.strip().lower()}%"
        query = query.where(
            sa.or_(sa.func.lower(Call.title).like(pattern), sa.func.lower(Call.theme).like(pattern))
        )
    return paginate(query, page, CALL_SORTS)


@blp.route("/", methods=["POST"])
@permitted(policy.can_manage_calls)
@blp.arguments(CallSchema)
@blp.response(201, CallSchema)
@blp.documents(403, 422)
def create_call(values):
    """Create a call in draft (administrators)."""
    call = call_services.create_call(actor=actor(), **values)
    db.session.commit()
    return call


@blp.route("/<int:call_id>")
@blp.response(200, CallSchema)
@blp.documents(404)
def get_call(call_id: int):
    """Read a call with its rubric."""
    return _visible_call(call_id)


@blp.route("/<int:call_id>", methods=["PATCH"])
@permitted(policy.can_manage_calls)
@blp.arguments(changes_to(CallUpdateSchema, required=("version",)))
@blp.response(200, CallSchema)
@blp.documents(403, 404, 409, 422)
def update_call(values, call_id: int):
    """Change a call's settings (administrators); send the version you last read."""
    call = _visible_call(call_id)
    check_version(call, values.pop("version"))
    current = {field: getattr(call, field) for field in CALL_FIELDS}
    call_services.update_call(
        call, actor=actor(), expected_version=call.version, **(current | values)
    )
    db.session.commit()
    return call


@blp.route(
    "/<int:call_id>/actions/<any(open, close, 'start-review', decide, archive):action>",
    methods=["POST"],
)
@permitted(policy.can_manage_calls)
@blp.arguments(ActionSchema)
@blp.response(200, CallSchema)
@blp.documents(403, 404, 409)
def call_action(values, call_id: int, action: str):
    """Move a call on: open, close, start-review (moves submitted proposals), decide, archive."""
    call = _visible_call(call_id)
    check_version(call, values["version"])
    proposal_services.change_call_state(call, ACTIONS[action], actor=actor())
    db.session.commit()
    return call


@blp.route("/<int:call_id>/criteria", methods=["POST"])
@permitted(policy.can_manage_calls)
@blp.arguments(CriterionSchema)
@blp.response(201, CriterionSchema)
@blp.documents(403, 404, 409, 422)
def add_criterion(values, call_id: int):
    """Add a criterion at the end of a call's rubric (administrators)."""
    call = _visible_call(call_id)
    criterion = call_services.add_criterion(call, actor=actor(), **values)
    db.session.commit()
    return criterion


def _managed_criterion(criterion_id: int) -> Criterion:
    criterion = get_or_404(Criterion, criterion_id)
    require_visible(policy.can_view_call(actor(), criterion.call))
    return criterion


@blp.route("/criteria/<int:criterion_id>", methods=["PATCH"])
@permitted(policy.can_manage_calls)
@blp.arguments(changes_to(CriterionSchema))
@blp.response(200, CriterionSchema)
@blp.documents(403, 404, 409, 422)
def update_criterion(values, criterion_id: int):
    """Change a rubric criterion (administrators)."""
    criterion = _managed_criterion(criterion_id)
    current = {field: getattr(criterion, field) for field in CRITERION_FIELDS}
    call_services.update_criterion(criterion, actor=actor(), **(current | values))
    db.session.commit()
    return criterion


@blp.route("/criteria/<int:criterion_id>", methods=["DELETE"])
@permitted(policy.can_manage_calls)
@blp.response(204)
@blp.documents(403, 404, 409)
def remove_criterion(criterion_id: int):
    """Remove a criterion from its rubric (administrators)."""
    criterion = _managed_criterion(criterion_id)
    call_services.remove_criterion(criterion, actor=actor())
    db.session.commit()
