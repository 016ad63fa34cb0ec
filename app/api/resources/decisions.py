"""Funding decisions: administrators stage and release them; applicants read their own released
decisions (never the committee's rationale nor who staged them)."""

import sqlalchemy as sa
from marshmallow import fields
from sqlalchemy.orm import contains_eager

from app.api.core import ApiBlueprint, actor, check_version
from app.api.schemas import (
    ApiSchema,
    PageArgs,
    VersionSchema,
    integer,
    money,
    page_of,
    paginate,
    query_integer,
    sort_field,
    text,
)
from app.calls.models import Call
from app.decisions import decision_queries, policy, services
from app.decisions.decision_forms import TEXT_LIMIT
from app.decisions.models import Decision, Outcome
from app.extensions import db
from app.proposals.models import Proposal
from app.web import get_or_404, require, require_visible

blp = ApiBlueprint(
    "decisions",
    "/decisions",
    "Funding decisions: staging, release, and applicants' own released decisions.",
)

REDUCTION_LIMIT = 2000  # as the web form's "why less than requested"


class DecisionSchema(ApiSchema):
    """A decision. Applicants see only released ones, without the administrators' fields."""

    id = fields.Integer(required=True)
    call_id = fields.Integer(required=True)
    proposal_id = fields.Integer(required=True)
    proposal_reference = fields.String(required=True, allow_none=True)
    outcome = fields.Enum(Outcome, by_value=True, required=True)
    amount = money(allow_none=True, metadata={"description": "Awarded amount; null unless award."})
    reduction_reason = fields.String(
        allow_none=True, metadata={"description": "Why the amount is below the request."}
    )
    comments_to_applicant = fields.String(required=True)
    released = fields.Boolean(required=True)
    released_at = fields.AwareDateTime(allow_none=True)
    reviewer_comments = fields.List(
        fields.String(),
        metadata={"description": "Reviewers' comments meant for the applicant, unnamed."},
    )
    rationale = fields.String(metadata={"description": "Administrators only: the record."})
    staged_by_id = fields.Integer(allow_none=True, metadata={"description": "Administrators only."})
    released_by_id = fields.Integer(
        allow_none=True, metadata={"description": "Administrators only."}
    )
    version = fields.Integer(metadata={"description": "Administrators only: send it to change."})
    created_at = fields.AwareDateTime(metadata={"description": "Administrators only."})
    updated_at = fields.AwareDateTime(metadata={"description": "Administrators only."})


class DecisionListArgs(PageArgs):
    """Filters for the list of decisions."""

    call_id = query_integer(metadata={"description": "Only this call's decisions."})
    outcome = fields.List(
        fields.Enum(Outcome, by_value=True),
        metadata={"description": "Only these outcomes (repeat the parameter)."},
    )
    released = fields.Boolean(metadata={"description": "Only released (true) or staged (false)."})
    sort = sort_field(["reference", "amount", "released_at", "created_at"], default="reference")


class StageSchema(ApiSchema):
    """A decision to stage on a proposal under review."""

    outcome = fields.Enum(Outcome, by_value=True, required=True)
    amount = money(
        load_default=None,
        allow_none=True,
        metadata={"description": "Required for an award (at most the request); else ignored."},
    )
    reduction_reason = text(
        REDUCTION_LIMIT,
        load_default="",
        metadata={"description": "Required when an award is below the request."},
    )
    rationale = text(
        TEXT_LIMIT, load_default="", metadata={"description": "Never shown to the applicant."}
    )
    comments_to_applicant = text(TEXT_LIMIT, load_default="")
    version = integer(
        1,
        load_default=None,
        allow_none=True,
        metadata={"description": "The staged decision's version you last read; null if none."},
    )


class ReleaseSchema(VersionSchema):
    """Release a call's staged decisions: send the call's version you last read."""


class ReleasedSchema(ApiSchema):
    """What a release did: decisions released by outcome, and applicants notified."""

    award = fields.Integer(required=True)
    decline = fields.Integer(required=True)
    waitlist = fields.Integer(required=True)
    notified = fields.Integer(required=True)


DECISION_SORTS = {
    "reference": Proposal.reference,
    # No amount (decline, waitlist) counts as zero: the same order on every database.
    "amount": sa.func.coalesce(Decision.amount, 0),
    "released_at": Decision.released_at,
    "created_at": Decision.created_at,
}


def _shown(decisions: list[Decision]) -> list[dict]:
    """Return the decisions as the caller may read them, with the reviewers' comments meant for
    the applicant (one query for them all): what the applicant's page shows, and for
    administrators the committee's record besides."""
    comments = decision_queries.applicant_comments([d.proposal_id for d in decisions])
    full = policy.can_manage_decisions(actor())
    shown = []
    for decision in decisions:
        view = {
            "id": decision.id,
            "call_id": decision.call_id,
            "proposal_id": decision.proposal_id,
            "proposal_reference": decision.proposal.reference,
            "outcome": decision.outcome,
            "amount": decision.amount,
            "reduction_reason": decision.reduction_reason,
            "comments_to_applicant": decision.comments_to_applicant,
            "released": decision.is_released,
            "released_at": decision.released_at,
            "reviewer_comments": comments[decision.proposal_id],
        }
        if full:
            view |= {
                "rationale": decision.rationale,
                "staged_by_id": decision.staged_by_id,
                "released_by_id": decision.released_by_id,
                "version": decision.version,
                "created_at": decision.created_at,
                "updated_at": decision.updated_at,
            }
        shown.append(view)
    return shown


@blp.route("/")
@blp.arguments(DecisionListArgs, location="query", as_kwargs=True)
@blp.response(200, page_of(DecisionSchema))
def list_decisions(call_id=None, outcome=None, released=None, **page):
    """List decisions: all for administrators; for others, their own released decisions."""
    query = decision_queries.visible_decisions(actor()).options(contains_eager(Decision.proposal))
    if call_id is not None:
        query = query.where(Decision.call_id == call_id)
    if outcome:
        query = query.where(Decision.outcome.in_(outcome))
    if released is not None:
        query = query.where(
            Decision.released_at.is_not(None) if released else Decision.released_at.is_(None)
        )
    result = paginate(query, page, DECISION_SORTS)
    return result | {"items": _shown(result["items"])}


@blp.route("/<int:decision_id>")
@blp.response(200, DecisionSchema)
@blp.documents(404)
def get_decision(decision_id: int):
    """Read a decision: administrators any; the applicant's team once it is released."""
    decision = get_or_404(Decision, decision_id)
    require_visible(policy.can_see_decision(actor(), decision))
    return _shown([decision])[0]


def _proposal_to_decide(proposal_id: int) -> Proposal:
    require(policy.can_manage_decisions(actor()))
    return get_or_404(Proposal, proposal_id)


@blp.route("/proposals/<int:proposal_id>", methods=["PUT"])
@blp.arguments(StageSchema)
@blp.response(200, DecisionSchema)
@blp.documents(403, 404, 409, 422)
def stage_decision(values, proposal_id: int):
    """Stage (or change) a proposal's decision (administrators); the applicant sees nothing
    until the call's decisions are released. Send the staged decision's version, or null."""
    proposal = _proposal_to_decide(proposal_id)
    current = decision_queries.decision_of(proposal)
    expected = values.pop("version")
    # A proposal that takes no decision now is refused for that (by the service) first.
    if current is not None and policy.is_stageable(proposal, current):
        check_version(current, expected)
    decision = services.stage_decision(
        proposal,
        actor=actor(),
        outcome=values["outcome"],
        amount=values["amount"],
        reduction_reason=values["reduction_reason"],
        rationale=values["rationale"],
        comments_to_applicant=values["comments_to_applicant"],
        expected_version=expected,
    )
    db.session.commit()
    return _shown([decision])[0]


@blp.route("/proposals/<int:proposal_id>", methods=["DELETE"])
@blp.response(204)
@blp.documents(403, 404, 409)
def unstage_decision(proposal_id: int):
    """Remove a proposal's staged decision (administrators); a released one stays."""
    proposal = _proposal_to_decide(proposal_id)
    decision = decision_queries.decision_of(proposal)
    require_visible(decision is not None)
    services.unstage_decision(decision, actor=actor())
    db.session.commit()


@blp.route("/calls/<int:call_id>/actions/release", methods=["POST"])
@blp.arguments(ReleaseSchema)
@blp.response(200, ReleasedSchema)
@blp.documents(403, 404, 409)
def release_decisions(values, call_id: int):
    """Release every staged decision of a call in review (administrators): each applicant is
    told and the call becomes decided. Refused while a proposal under review has none."""
    require(policy.can_manage_decisions(actor()))
    call = get_or_404(Call, call_id)
    check_version(call, values["version"])
    released = services.release_decisions(call, actor=actor())
    db.session.commit()
    return released.counts | {"notified": released.notified}
