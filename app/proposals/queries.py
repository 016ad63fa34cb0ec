"""Reads over proposals: the administrators' filtered, sorted list of a call and its counts."""

from collections.abc import Sequence
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import defer

from app.auth.models import User
from app.calls.models import Call
from app.extensions import db
from app.proposals.models import CoInvestigator, Proposal, ProposalState

# The workflow's order, so that sorting by state reads like the proposal's life.
STATE_ORDER = (
    ProposalState.DRAFT,
    ProposalState.SUBMITTED,
    ProposalState.UNDER_REVIEW,
    ProposalState.WAITLISTED,
    ProposalState.AWARDED,
    ProposalState.DECLINED,
    ProposalState.WITHDRAWN,
)
_STATE_RANK = sa.case(
    {state.value: rank for rank, state in enumerate(STATE_ORDER)}, value=Proposal.state
)

# References are PREFIX-YEAR-NNN within a call, zero-padded to three digits only: by length
# first, so that AIM-2026-1000 comes after AIM-2026-999.
SORTS = {
    "reference": (sa.func.length(Proposal.reference), Proposal.reference),
    "title": (sa.func.lower(Proposal.title),),
    "applicant": (sa.func.lower(User.name),),
    "amount": (Proposal.requested_amount,),
    "submitted": (Proposal.submitted_at,),
    "state": (_STATE_RANK,),
}
DEFAULT_SORT = "reference"
SORT_CHOICES = tuple(key for name in SORTS for key in (name, f"-{name}"))


def _order(sort: str) -> list:
    name = sort.removeprefix("-")
    columns = SORTS.get(name, SORTS[DEFAULT_SORT])
    descending = sort.startswith("-") and name in SORTS
    # Drafts have no reference or submission time: last either way, on both databases.
    return [(column.desc() if descending else column.asc()).nulls_last() for column in columns] + [
        Proposal.id.desc() if descending else Proposal.id
    ]


def _contains(column, text: str):
    return sa.func.lower(column).contains(text.lower(), autoescape=True)


def of_user(user: User) -> sa.ColumnElement[bool]:
    """Return the condition for the user's own proposals: as applicant or as co-investigator
    (those policy.can_view_proposal shows to someone who does not manage proposals)."""
    on_team = sa.select(CoInvestigator.proposal_id).where(CoInvestigator.email == user.email)
    return sa.or_(Proposal.applicant_id == user.id, Proposal.id.in_(on_team))


def proposals_for_call(
    call: Call,
    *,
    state: ProposalState | str | None = None,
    keyword: str = "",
    applicant: str = "",
    min_amount: Decimal | None = None,
    max_amount: Decimal | None = None,
    sort: str = DEFAULT_SORT,
    columns: Sequence = (Proposal.id,),
    with_applicant: bool = False,
) -> sa.Select:
    """Return a select of `columns` (the proposal ids) over a call's proposals, filtered and
    sorted.

    Every state is included (drafts and withdrawn proposals too) unless `state` picks one;
    `keyword` searches the title, abstract and keywords; `applicant` the name and address;
    the amounts bound the requested amount (inclusive). `sort` is a key of SORTS, prefixed
    with "-" for descending. The applicants' table is joined when the filter or the sort
    needs it, or `with_applicant` asks for its columns: a page of ids and the count are
    several times faster without it.
    """
    keyword, applicant = keyword.strip(), applicant.strip()
    query = sa.select(*columns).select_from(Proposal).where(Proposal.call_id == call.id)
    if with_applicant or applicant or sort.removeprefix("-") == "applicant":
        query = query.join(User, Proposal.applicant_id == User.id)
    if state:
        query = query.where(Proposal.state == ProposalState(state))
    if keyword:
        query = query.where(
            sa.or_(
                _contains(Proposal.title, keyword),
                _contains(Proposal.abstract, keyword),
                _contains(Proposal.keywords, keyword),
            )
        )
    if applicant:
        query = query.where(
            sa.or_(_contains(User.name, applicant), _contains(User.email, applicant))
        )
    if min_amount is not None:
        query = query.where(Proposal.requested_amount >= min_amount)
    if max_amount is not None:
        query = query.where(Proposal.requested_amount <= max_amount)
    return query.order_by(*_order(sort))


def proposal_rows(ids: Sequence[int]) -> list[sa.Row]:
    """Return (Proposal, applicant name, applicant email) rows for the ids, in their order.

    A page is sorted and cut as ids first (see proposals_for_call), then its 50 rows are
    loaded whole here: sorting thousands of narrow rows is much cheaper than wide ones.
    """
    if not ids:
        return []
    rows = db.session.execute(
        sa.select(Proposal, User.name, User.email)
        .join(User, Proposal.applicant_id == User.id)
        .where(Proposal.id.in_(ids))
        .options(defer(Proposal.abstract), defer(Proposal.industry_relevance))
    ).all()
    by_id = {row[0].id: row for row in rows}
    return [by_id[ident] for ident in ids if ident in by_id]


def state_counts(call: Call) -> dict[ProposalState, int]:
    """Return how many of the call's proposals are in each state (every state, zeros too)."""
    counts = dict.fromkeys(STATE_ORDER, 0)
    rows = db.session.execute(
        sa.select(Proposal.state, sa.func.count())
        .where(Proposal.call_id == call.id)
        .group_by(Proposal.state)
    )
    counts.update({ProposalState(state): count for state, count in rows})
    return counts
