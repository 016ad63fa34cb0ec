"""Awards: administrators fund awarded proposals, complete and terminate awards; the award's
team (its applicant and co-investigators) reads its own award and reports."""

from datetime import date

import sqlalchemy as sa
from marshmallow import fields, validate
from sqlalchemy.orm import contains_eager, selectinload

from app.api.core import ApiBlueprint, actor, check_version
from app.api.schemas import (
    ApiSchema,
    PageArgs,
    VersionSchema,
    integer,
    money,
    name,
    page_of,
    paginate,
    query_integer,
    sort_field,
)
from app.awards import queries, report_policy, services
from app.awards.models import Award, AwardState, FundingSource, Report, ReportKind, ReportState
from app.awards.policy import can_manage_awards
from app.errors import ValidationError
from app.extensions import db
from app.proposals.models import Proposal
from app.web import get_or_404, require, require_visible

blp = ApiBlueprint(
    "awards", "/awards", "Awards: creation with funding lines, completion and termination."
)

REASON_LIMIT = 4000  # as the web's terminate form
MAX_INTERVAL_MONTHS = 60  # as the web's award form
# Fiscal years and dates a request may name: what the seed fund's calendar can compute.
EARLIEST_YEAR, LATEST_YEAR = 1971, 2199


def _date(**kwargs) -> fields.Date:
    """A calendar date (ISO 8601) within the years the seed fund's calendar handles."""
    return fields.Date(
        validate=validate.Range(
            min=date(EARLIEST_YEAR, 1, 1),
            max=date(LATEST_YEAR, 12, 31),
            error=f"Give a date from {EARLIEST_YEAR} to {LATEST_YEAR}.",
        ),
        **kwargs,
    )


class AwardFundingLineSchema(ApiSchema):
    """Part of an award's money: a fiscal year's seed fund, or a co-funding member."""

    id = fields.Integer(dump_only=True)
    source = fields.Enum(FundingSource, by_value=True, required=True)
    amount = money(required=True)
    fiscal_year = integer(
        EARLIEST_YEAR,
        LATEST_YEAR,
        load_default=None,
        allow_none=True,
        metadata={"description": "The seed fund's fiscal year (its label year), for `pool`."},
    )
    organization_id = integer(
        1,
        load_default=None,
        allow_none=True,
        metadata={"description": "The co-funding member, for `member`."},
    )
    returned_amount = money(
        dump_only=True, metadata={"description": "Given back when the award was terminated."}
    )


class AwardSchema(ApiSchema):
    """A funded project: its amount, dates, report interval, state and funding lines."""

    id = fields.Integer(dump_only=True)
    proposal_id = integer(1, required=True)
    proposal_reference = fields.String(
        dump_only=True, allow_none=True, attribute="proposal.reference"
    )
    call_id = fields.Integer(dump_only=True, attribute="proposal.call_id")
    amount = money(required=True)
    starts_on = _date(required=True)
    ends_on = _date(required=True, metadata={"description": "The final report falls due then."})
    report_interval_months = integer(1, MAX_INTERVAL_MONTHS, load_default=6)
    state = fields.Enum(AwardState, by_value=True, dump_only=True)
    completed_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    terminated_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    termination_reason = fields.String(dump_only=True, allow_none=True)
    spent_amount = money(dump_only=True, allow_none=True)
    version = fields.Integer(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)
    funding_lines = fields.List(
        fields.Nested(AwardFundingLineSchema),
        required=True,
        validate=validate.Length(min=1, max=services.MAX_LINES),
    )


class AwardListArgs(PageArgs):
    """Filters for the list of awards."""

    call_id = query_integer(metadata={"description": "Only awards on this call's proposals."})
    state = fields.List(
        fields.Enum(AwardState, by_value=True),
        metadata={"description": "Only awards in these states (repeat the parameter)."},
    )
    sort = sort_field(["starts_on", "ends_on", "amount", "created_at"], default="-starts_on")


class TerminateSchema(VersionSchema):
    """End an active award early: why, and how much was spent (the rest goes back)."""

    reason = name(REASON_LIMIT, required=True)
    spent_amount = money(
        required=True,
        metadata={"description": "Spent so far; the rest returns to the funding lines."},
    )


class AwardReportSchema(ApiSchema):
    """A progress or final report on an award (its text and attachment are read on the web)."""

    id = fields.Integer(required=True)
    kind = fields.Enum(ReportKind, by_value=True, required=True)
    due_on = fields.Date(required=True)
    state = fields.Enum(ReportState, by_value=True, required=True)
    submitted_at = fields.AwareDateTime(allow_none=True)
    reviewed_at = fields.AwareDateTime(allow_none=True)
    review_comment = fields.String(allow_none=True)
    has_attachment = fields.Boolean(required=True)
    version = fields.Integer(required=True)


AWARD_SORTS = {
    "starts_on": Award.starts_on,
    "ends_on": Award.ends_on,
    "amount": Award.amount,
    "created_at": Award.created_at,
}


def _visible_award(award_id: int) -> Award:
    """Load an award the caller may read (its team, or administrators), or answer 404."""
    award = get_or_404(Award, award_id)
    require_visible(report_policy.can_view_award_project(actor(), award))
    return award


def _managed_award(award_id: int) -> Award:
    """Load an award the caller may change (administrators): 404 if unseen, else 403."""
    award = _visible_award(award_id)
    require(can_manage_awards(actor()))
    return award


@blp.route("/")
@blp.arguments(AwardListArgs, location="query", as_kwargs=True)
@blp.response(200, page_of(AwardSchema))
def list_awards(call_id=None, state=None, **page):
    """List awards: every one for administrators; for others, the awards of their team."""
    query = (
        sa.select(Award)
        .join(Award.proposal)
        .options(
            contains_eager(Award.proposal),
            selectinload(Award.funding_lines),
        )
    )
    if not can_manage_awards(actor()):
        query = query.where(queries.on_award_team(actor()))
    if call_id is not None:
        query = query.where(Proposal.call_id == call_id)
    if state:
        query = query.where(Award.state.in_(state))
    return paginate(query, page, AWARD_SORTS)


@blp.route("/", methods=["POST"])
@blp.arguments(AwardSchema)
@blp.response(201, AwardSchema)
@blp.documents(403, 409, 422)
def create_award(values):
    """Fund an awarded proposal (administrators): amount, dates, report interval and up to four
    funding lines adding up to the amount; the applicant is told."""
    require(can_manage_awards(actor()))
    proposal = db.session.get(Proposal, values["proposal_id"])
    if proposal is None:
        raise ValidationError("There is no such proposal.", field="proposal_id")
    lines = [
        services.FundingLineValues(
            line["source"],
            line["amount"],
            fiscal_year=line["fiscal_year"],
            organization_id=line["organization_id"],
        )
        for line in values["funding_lines"]
    ]
    try:
        award = services.create_award(
            proposal,
            actor=actor(),
            amount=values["amount"],
            starts_on=values["starts_on"],
            ends_on=values["ends_on"],
            report_interval_months=values["report_interval_months"],
            lines=lines,
        )
    except ValidationError as error:
        error.field = _body_field(error.field)
        raise
    db.session.commit()
    return award


def _body_field(form_field: str | None) -> str | None:
    """Name the body field a service error is about: the service names the web form's fields
    (`interval`, `lines`, `lines-<n>-amount`)."""
    if form_field == "interval":
        return "report_interval_months"
    if form_field and form_field.startswith("lines"):
        return "funding_" + form_field.replace("-", ".")
    return form_field


@blp.route("/<int:award_id>")
@blp.response(200, AwardSchema)
@blp.documents(404)
def get_award(award_id: int):
    """Read an award: administrators any; its team (applicant, co-investigators) their own."""
    return _visible_award(award_id)


@blp.route("/<int:award_id>/actions/complete", methods=["POST"])
@blp.arguments(VersionSchema)
@blp.response(200, AwardSchema)
@blp.documents(403, 404, 409)
def complete_award(values, award_id: int):
    """Mark an active award completed (administrators); send the version you last read."""
    award = _managed_award(award_id)
    check_version(award, values["version"])
    services.complete_award(award, actor=actor())
    db.session.commit()
    return award


@blp.route("/<int:award_id>/actions/terminate", methods=["POST"])
@blp.arguments(TerminateSchema)
@blp.response(200, AwardSchema)
@blp.documents(403, 404, 409, 422)
def terminate_award(values, award_id: int):
    """End an active award early (administrators): the unspent money returns to its funding
    lines in proportion to their amounts, and the applicant is told."""
    award = _managed_award(award_id)
    check_version(award, values["version"])
    services.terminate_award(
        award, actor=actor(), reason=values["reason"], spent_amount=values["spent_amount"]
    )
    db.session.commit()
    return award


@blp.route("/<int:award_id>/reports")
@blp.response(200, AwardReportSchema(many=True))
@blp.documents(404)
def list_reports(award_id: int):
    """List an award's reports in due order (its team and administrators)."""
    award = _visible_award(award_id)
    reports = db.session.scalars(
        sa.select(Report).where(Report.award_id == award.id).order_by(Report.due_on, Report.id)
    ).all()
    return [_report_view(report) for report in reports]


def _report_view(report: Report) -> dict:
    """Return a report's summary as the API shows it."""
    return {
        "id": report.id,
        "kind": report.kind,
        "due_on": report.due_on,
        "state": report.state,
        "submitted_at": report.submitted_at,
        "reviewed_at": report.reviewed_at,
        "review_comment": report.review_comment,
        "has_attachment": report.attachment_stored_name is not None,
        "version": report.version,
    }
