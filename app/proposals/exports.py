"""The administrators' export of a call's proposals, row by row in batches."""

from collections import defaultdict
from collections.abc import Iterator
from datetime import date

import sqlalchemy as sa

from app.auth.models import User
from app.calls.models import Call
from app.extensions import db
from app.members.models import Organization
from app.proposals.models import CoInvestigator, Proposal, proposal_sponsors
from app.proposals.queries import proposals_for_call
from app.spreadsheets import Export

HEADER = (
    "reference",
    "title",
    "state",
    "applicant_name",
    "applicant_email",
    "department",
    "co_investigators",
    "keywords",
    "requested_amount",
    "duration_months",
    "sponsors",
    "first_submitted_utc",
    "last_submitted_utc",
    "versions",
)
COLUMNS = (
    Proposal.id,
    Proposal.reference,
    Proposal.title,
    Proposal.state,
    User.name,
    User.email,
    Proposal.department,
    Proposal.keywords,
    Proposal.requested_amount,
    Proposal.duration_months,
    Proposal.first_submitted_at,
    Proposal.submitted_at,
    Proposal.version_count,
)
BATCH = 500
SEPARATOR = "; "  # names may hold commas; keywords are stored comma-separated already


def proposals_export(call: Call, batch: int = BATCH, **filters) -> Export:
    """Return the call's proposals, filtered and sorted as the list (see proposals_for_call).

    Rows are fetched `batch` at a time; each batch's co-investigators and sponsors come in
    one query each, so the export runs 1 + 2 × batches queries and holds one batch in memory.
    """
    query = proposals_for_call(call, **filters, columns=COLUMNS, with_applicant=True)
    return Export("proposals", HEADER, _rows(query, batch))


def _names(query: sa.Select) -> dict[int, list[str]]:
    names: dict[int, list[str]] = defaultdict(list)
    for proposal_id, name in db.session.execute(query):
        names[proposal_id].append(name)
    return names


def _rows(query: sa.Select, batch: int) -> Iterator[tuple]:
    result = db.session.execute(query.execution_options(yield_per=batch))
    for partition in result.partitions():
        ids = [row.id for row in partition]
        team = _names(
            sa.select(CoInvestigator.proposal_id, CoInvestigator.name)
            .where(CoInvestigator.proposal_id.in_(ids))
            .order_by(CoInvestigator.proposal_id, CoInvestigator.position, CoInvestigator.id)
        )
        sponsors = _names(
            sa.select(proposal_sponsors.c.proposal_id, Organization.name)
            .join(Organization, Organization.id == proposal_sponsors.c.organization_id)
            .where(proposal_sponsors.c.proposal_id.in_(ids))
            .order_by(proposal_sponsors.c.proposal_id, Organization.name)
        )
        for row in partition:
            (ident, reference, title, state, name, email, department, keywords, amount,
             duration, first_submitted, last_submitted, versions) = row  # fmt: skip
            yield (
                reference,
                title,
                state,
                name,
                email,
                department,
                SEPARATOR.join(team.get(ident, ())),
                keywords,
                amount,
                duration,
                SEPARATOR.join(sponsors.get(ident, ())),
                first_submitted,
                last_submitted,
                versions,
            )


def export_filename(call: Call, fmt: str, today: date) -> str:
    """Return the download's name, e.g. seedbed-proposals-AIM-2026-11-21.csv."""
    return f"seedbed-proposals-{call.reference_prefix}-{today.isoformat()}.{fmt}"
