"""Reviewer assignments and reviews; automatic assignment for administrators."""

import sqlalchemy as sa
from marshmallow import ValidationError as SchemaError
from marshmallow import fields, pre_dump, validate, validates_schema
from sqlalchemy.orm import contains_eager, joinedload

from app import clock
from app.api.core import ApiBlueprint, actor, check_version
from app.api.resources.calls import CriterionSchema
from app.api.schemas import (
    ApiSchema,
    PageArgs,
    decimal,
    integer,
    money,
    page_of,
    paginate,
    query_integer,
    sort_field,
    text,
)
from app.auth.models import Role
from app.auth.policy import has_role
from app.calls.models import Call, CallState
from app.extensions import db
from app.proposals.display import live_content
from app.proposals.models import Proposal
from app.reviews import planning, policy, services
from app.reviews.models import Assignment, AssignmentState, PlanState, Recommendation
from app.web import get_or_404, require, require_visible

blp = ApiBlueprint(
    "reviews",
    "/reviews",
    "Reviewer assignments and reviews; automatic assignment for administrators.",
)

# The web form's limit on each comment box.
COMMENT_MAX = 20_000
DECLINE_REASON_MAX = 2_000
# Criteria are scored on scales within 0–100 (the call's rubric says which part of it).
SCORE_MAX = 100


# Read shapes


class ProposalBriefSchema(ApiSchema):
    """The proposal an assignment is about, as lists show it."""

    id = fields.Integer()
    reference = fields.String(allow_none=True)
    title = fields.String()


class ReviewerBriefSchema(ApiSchema):
    """The reviewer an assignment is given to."""

    id = fields.Integer()
    name = fields.String()


class ReviewSummarySchema(ApiSchema):
    """Where the assignment's review stands."""

    submitted_at = fields.AwareDateTime(allow_none=True)
    weighted_total = decimal(3, allow_none=True, metadata={"description": "0–100, once submitted."})
    updated_at = fields.AwareDateTime()


class AssignmentSchema(ApiSchema):
    """A proposal given to a reviewer."""

    id = fields.Integer()
    call_id = fields.Integer()
    state = fields.Enum(AssignmentState, by_value=True)
    proposal = fields.Nested(ProposalBriefSchema)
    reviewer = fields.Nested(ReviewerBriefSchema)
    due_at = fields.AwareDateTime(allow_none=True)
    deadline = fields.AwareDateTime(
        allow_none=True, metadata={"description": "The assignment's own date, else the call's."}
    )
    declined_at = fields.AwareDateTime(allow_none=True)
    decline_reason = fields.String(allow_none=True)
    review = fields.Nested(
        ReviewSummarySchema,
        allow_none=True,
        metadata={"description": "Null until the reviewer saves a draft."},
    )
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class PersonSchema(ApiSchema):
    """Someone on a proposal's team."""

    name = fields.String()
    email = fields.String()


class CoInvestigatorSchema(PersonSchema):
    """A co-investigator of a proposal."""

    affiliation = fields.String()
    role = fields.String()


class BudgetLineSchema(ApiSchema):
    """One line of a proposal's budget."""

    category = fields.String()
    description = fields.String()
    amount = money()


class ProposalForReviewSchema(ApiSchema):
    """What the reviewer reads of a proposal: in a blind call, nothing naming the team."""

    id = fields.Integer()
    reference = fields.String(allow_none=True)
    title = fields.String()
    abstract = fields.String()
    keywords = fields.List(fields.String())
    duration_months = fields.Integer(allow_none=True)
    industry_relevance = fields.String()
    requested_amount = money()
    budget_lines = fields.List(fields.Nested(BudgetLineSchema))
    sponsors = fields.List(fields.String(), metadata={"description": "Preferred sponsors."})
    team_withheld = fields.Boolean(metadata={"description": "True in a blind call."})
    applicant = fields.Nested(PersonSchema, allow_none=True)
    department = fields.String(allow_none=True)
    co_investigators = fields.List(fields.Nested(CoInvestigatorSchema), allow_none=True)
    co_investigator_count = fields.Integer()

    @pre_dump
    def _as_the_reviewer_page_shows_it(self, proposal: Proposal, **kwargs) -> dict:
        """Show what the reviewer's page shows: the team only when the call is not blind."""
        content = live_content(proposal)
        blind = proposal.call.is_blind
        team = proposal.co_investigators
        return content | {
            "id": proposal.id,
            "reference": proposal.reference,
            "title": proposal.display_title,
            "team_withheld": blind,
            "applicant": None if blind else proposal.applicant,
            "department": None if blind else proposal.department,
            "co_investigators": None if blind else team,
            "co_investigator_count": len(team),
        }


class CallBriefSchema(ApiSchema):
    """The call an assignment belongs to."""

    id = fields.Integer()
    title = fields.String()
    state = fields.Enum(CallState, by_value=True)
    is_blind = fields.Boolean()
    review_deadline = fields.AwareDateTime(allow_none=True)


class ScoreSchema(ApiSchema):
    """One criterion's score."""

    criterion_id = integer(1, required=True)
    score = integer(
        0, SCORE_MAX, required=True, metadata={"description": "On the criterion's scale."}
    )


class ReviewSchema(ApiSchema):
    """A reviewer's review: a draft until submitted."""

    scores = fields.List(fields.Nested(ScoreSchema))
    recommendation = fields.Enum(Recommendation, by_value=True, allow_none=True)
    confidence = fields.Integer(allow_none=True)
    comments_to_applicant = fields.String()
    confidential_comments = fields.String()
    submitted_at = fields.AwareDateTime(allow_none=True)
    weighted_total = decimal(3, allow_none=True, metadata={"description": "0–100, once submitted."})
    revision_count = fields.Integer(metadata={"description": "Revisions kept since submission."})
    version = fields.Integer(metadata={"description": "Send it back with the next save."})
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class AssignmentDetailSchema(AssignmentSchema):
    """An assignment with the proposal, the call's rubric and the review."""

    call = fields.Nested(CallBriefSchema, attribute="proposal.call")
    proposal = fields.Nested(ProposalForReviewSchema)
    criteria = fields.List(
        fields.Nested(CriterionSchema),
        attribute="proposal.call.criteria",
        metadata={"description": "The call's rubric, in order."},
    )
    review = fields.Nested(ReviewSchema, allow_none=True)
    editable = fields.Method(
        "_editable",
        metadata={
            "type": "boolean",
            "description": "Whether the review may still be saved (the call's state, the "
            "deadline).",
        },
    )

    def _editable(self, assignment: Assignment) -> bool:
        """Tell whether the reviewer's page would offer the form."""
        return policy.can_change_review(assignment, clock.now())


# Input shapes


class AssignmentListArgs(PageArgs):
    """Filters for the list of assignments."""

    call_id = query_integer()
    proposal_id = query_integer()
    reviewer_id = query_integer(
        metadata={"description": "Administrators: one reviewer's assignments."}
    )
    state = fields.List(
        fields.Enum(AssignmentState, by_value=True),
        metadata={"description": "Only assignments in these states (repeat the parameter)."},
    )
    sort = sort_field(["created_at", "due_at", "updated_at", "reference"], default="-created_at")


class ReviewValuesSchema(ApiSchema):
    """The review as it stands; what is left out is cleared (a draft may be incomplete)."""

    version = integer(
        1,
        allow_none=True,
        load_default=None,
        metadata={
            "description": "The review's version you last read; null (or left out) before the "
            "first save. A review saved since is refused with 409 and its current version."
        },
    )
    scores = fields.List(
        fields.Nested(ScoreSchema),
        load_default=list,
        validate=validate.Length(max=200),
        metadata={"description": "One score per criterion of the rubric; omitted ones are blank."},
    )
    recommendation = fields.Enum(Recommendation, by_value=True, allow_none=True, load_default=None)
    confidence = integer(1, 5, allow_none=True, load_default=None)
    comments_to_applicant = text(
        COMMENT_MAX, load_default="", metadata={"description": "The applicant reads these."}
    )
    confidential_comments = text(
        COMMENT_MAX, load_default="", metadata={"description": "Only the committee reads these."}
    )

    @validates_schema
    def _one_score_per_criterion(self, data: dict, **kwargs) -> None:
        """Refuse two scores for one criterion (which one would count?)."""
        ids = [score["criterion_id"] for score in data.get("scores", [])]
        if len(ids) != len(set(ids)):
            raise SchemaError("Give each criterion one score.", field_name="scores")


class DeclineSchema(ApiSchema):
    """Turning an assignment down."""

    reason = text(DECLINE_REASON_MAX, required=True, metadata={"description": "Why you decline."})


class AssignSchema(ApiSchema):
    """Giving a proposal of the call to a reviewer of its pool."""

    proposal_id = integer(1, required=True)
    reviewer_id = integer(1, required=True, metadata={"description": "A user in the call's pool."})


class AutoAssignSchema(ApiSchema):
    """Options of the automatic assignment, as on the administrators' assignment page."""

    expert_threshold = fields.Float(
        allow_none=True,
        load_default=None,
        validate=validate.Range(min=0, max=1),
        metadata={
            "description": "From 0 to 1: each proposal gets at least one reviewer whose "
            "affinity reaches it; null for no such rule."
        },
    )
    load_balancing = fields.String(
        load_default="none",
        validate=validate.OneOf(list(planning.LOAD_BALANCING)),
        metadata={"description": "; ".join(planning.LOAD_BALANCING_LABELS.values())},
    )
    deploy = fields.Boolean(
        load_default=True,
        metadata={
            "description": "False: keep the plan for preview on the assignment page, "
            "assigning nothing."
        },
    )


class ShortfallSchema(ApiSchema):
    """Where the plan falls short of what the call asks."""

    kind = fields.String()
    proposal_id = fields.Integer(allow_none=True, attribute="proposal")
    reviewer_id = fields.Integer(allow_none=True, attribute="reviewer")
    missing = fields.Integer()
    reason = fields.String()


class AutoAssignResultSchema(ApiSchema):
    """What the automatic assignment did."""

    plan_id = fields.Integer()
    state = fields.Enum(PlanState, by_value=True, metadata={"description": "deployed or proposed."})
    complete = fields.Boolean(metadata={"description": "Every proposal got its reviewers."})
    created = fields.Integer(metadata={"description": "New assignments made."})
    kept = fields.Integer(metadata={"description": "Existing assignments kept."})
    mean_affinity = fields.Float()
    shortfalls = fields.List(fields.Nested(ShortfallSchema))
    assignments = fields.List(
        fields.Nested(AssignmentSchema), metadata={"description": "The new assignments."}
    )


# Access


def _is_admin() -> bool:
    return has_role(actor(), Role.ADMIN)


def _visible_assignment(assignment_id: int) -> Assignment:
    """Load an assignment the caller may see: an administrator, or its reviewer as on the
    reviewer's page (not declined, no confirmed conflict); anyone else gets 404."""
    assignment = get_or_404(Assignment, assignment_id)
    require_visible(_is_admin() or policy.can_open_assignment(actor(), assignment))
    return assignment


def _own_assignment(assignment_id: int) -> Assignment:
    """Load an assignment the caller works on as its reviewer (administrators: 403)."""
    assignment = _visible_assignment(assignment_id)
    require(policy.can_open_assignment(actor(), assignment))
    return assignment


def _listed() -> sa.Select:
    """Assignments with what a page of them shows, loaded in the page's query."""
    return (
        sa.select(Assignment)
        .join(Assignment.proposal)
        .options(
            contains_eager(Assignment.proposal).joinedload(Proposal.call),
            joinedload(Assignment.reviewer),
            joinedload(Assignment.review),
        )
    )


ASSIGNMENT_SORTS = {
    "created_at": Assignment.created_at,
    "due_at": Assignment.due_at,
    "updated_at": Assignment.updated_at,
    "reference": Proposal.reference,
}


# Reviewers and administrators


@blp.route("/assignments")
@blp.arguments(AssignmentListArgs, location="query", as_kwargs=True)
@blp.response(200, page_of(AssignmentSchema))
@blp.documents(403)
def list_assignments(call_id=None, proposal_id=None, reviewer_id=None, state=None, **page):
    """List assignments: a reviewer's own, or all of them for administrators."""
    query = _listed()
    if not _is_admin():
        require(has_role(actor(), Role.REVIEWER))
        query = query.where(Assignment.reviewer_id == actor().id)
    if call_id is not None:
        query = query.where(Assignment.call_id == call_id)
    if proposal_id is not None:
        query = query.where(Assignment.proposal_id == proposal_id)
    if reviewer_id is not None:
        query = query.where(Assignment.reviewer_id == reviewer_id)
    if state:
        query = query.where(Assignment.state.in_(state))
    return paginate(query, page, ASSIGNMENT_SORTS)


@blp.route("/assignments/<int:assignment_id>")
@blp.response(200, AssignmentDetailSchema)
@blp.documents(404)
def get_assignment(assignment_id: int):
    """Read an assignment with the proposal (no team in a blind call), rubric and review."""
    return _visible_assignment(assignment_id)


@blp.route("/assignments/<int:assignment_id>/review", methods=["PUT"])
@blp.arguments(ReviewValuesSchema)
@blp.response(200, AssignmentDetailSchema)
@blp.documents(403, 404, 409, 422)
def save_review(values, assignment_id: int):
    """Save the review as it stands (the assigned reviewer): a draft, or an edit of a
    submitted review before its deadline."""
    assignment = _own_assignment(assignment_id)
    version = values.pop("version")
    if assignment.review is not None:
        check_version(assignment.review, version)
    # As the web form: every criterion of the rubric, blank unless scored.
    scores = {criterion.id: None for criterion in assignment.proposal.call.criteria}
    scores |= {score["criterion_id"]: score["score"] for score in values.pop("scores")}
    services.save_review(
        assignment,
        services.ReviewValues(scores=scores, **values),
        actor=actor(),
        expected_version=version,
    )
    db.session.commit()
    return assignment


@blp.route("/assignments/<int:assignment_id>/actions/submit", methods=["POST"])
@blp.response(200, AssignmentDetailSchema)
@blp.documents(403, 404, 409, 422)
def submit_review(assignment_id: int):
    """Submit the saved review (the assigned reviewer); what is missing is named by field."""
    assignment = _own_assignment(assignment_id)
    services.submit_review(assignment, actor=actor())
    db.session.commit()
    return assignment


@blp.route("/assignments/<int:assignment_id>/actions/decline", methods=["POST"])
@blp.arguments(DeclineSchema)
@blp.response(200, AssignmentSchema)
@blp.documents(403, 404, 409, 422)
def decline_assignment(values, assignment_id: int):
    """Turn down an open assignment, saying why (the assigned reviewer)."""
    assignment = _own_assignment(assignment_id)
    services.decline_assignment(assignment, actor=actor(), reason=values["reason"])
    db.session.commit()
    return assignment


# Administrators


def _managed_call(call_id: int) -> Call:
    require(_is_admin())
    return get_or_404(Call, call_id)


@blp.route("/calls/<int:call_id>/assignments", methods=["POST"])
@blp.arguments(AssignSchema)
@blp.response(201, AssignmentSchema)
@blp.documents(403, 404, 409, 422)
def assign_reviewer(values, call_id: int):
    """Give a proposal of the call to a reviewer of its pool (administrators)."""
    call = _managed_call(call_id)
    proposal = db.session.get(Proposal, values["proposal_id"])
    require_visible(proposal is not None and proposal.call_id == call.id)
    assignment = services.assign_from_pool(call, proposal, values["reviewer_id"], actor=actor())
    db.session.commit()
    return assignment


@blp.route("/calls/<int:call_id>/actions/auto-assign", methods=["POST"])
@blp.arguments(AutoAssignSchema)
@blp.response(200, AutoAssignResultSchema)
@blp.documents(403, 404, 409, 422)
def auto_assign(values, call_id: int):
    """Run the automatic assignment of the call's proposals to its pool and deploy it (or keep
    it for preview with deploy false), as the assignment page does (administrators)."""
    call = _managed_call(call_id)
    options = planning.PlanOptions(
        expert_threshold=values["expert_threshold"], load_balancing=values["load_balancing"]
    )
    plan = planning.create_plan(call, actor=actor(), options=options)
    created = planning.deploy_plan(plan, actor=actor()) if values["deploy"] else 0
    db.session.commit()
    result = plan.result
    new_pairs = {(pair["proposal"], pair["reviewer"]) for pair in result["pairs"] if pair["new"]}
    assignments = []
    if created:
        assignments = [
            assignment
            for assignment in db.session.scalars(
                _listed()
                .where(Assignment.call_id == call.id)
                .order_by(Proposal.reference, Assignment.id)
            ).unique()
            if (assignment.proposal_id, assignment.reviewer_id) in new_pairs
        ]
    return {
        "plan_id": plan.id,
        "state": plan.state,
        "complete": result["complete"],
        "created": created,
        "kept": result["kept_count"],
        "mean_affinity": result["mean_affinity"],
        "shortfalls": result["shortfalls"],
        "assignments": assignments,
    }
