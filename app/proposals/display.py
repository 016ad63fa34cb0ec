"""The shape in which pages show a proposal's content (templates/proposals/_content.html) and
its declared conflicts (templates/proposals/_declared_conflicts.html)."""

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.proposals.models import DeclaredConflict, Proposal


def live_content(proposal: Proposal) -> dict:
    """Return what the proposal says now, in the shape proposals/_content.html reads
    (a submitted version's snapshot has the same shape)."""
    return {
        "title": proposal.title,
        "abstract": proposal.abstract,
        "keywords": proposal.keyword_list,
        "department": proposal.department,
        "duration_months": proposal.duration_months,
        "industry_relevance": proposal.industry_relevance,
        "requested_amount": proposal.requested_amount,
        "co_investigators": proposal.co_investigators,
        "budget_lines": [
            {
                "category": line.category.label,
                "description": line.description,
                "amount": line.amount,
            }
            for line in proposal.budget_lines
        ],
        "sponsors": [organization.name for organization in proposal.sponsors],
    }


def live_declared_conflicts(proposal: Proposal) -> list[dict]:
    """Return the people and organizations the applicant declared, in the shape
    proposals/_declared_conflicts.html reads (a version's snapshot has the same shape).

    Kept out of `live_content`, which the reviewers' pages show: the applicant and the
    administrators read these, never reviewers nor members.
    """
    # One query however many rows name an organization.
    rows = db.session.scalars(
        sa.select(DeclaredConflict)
        .options(joinedload(DeclaredConflict.organization))
        .where(DeclaredConflict.proposal_id == proposal.id)
        .order_by(DeclaredConflict.position)
    )
    return [
        {
            "name": row.person_name,
            "email": row.person_email,
            "organization_id": row.organization_id,
            "organization": row.organization.name if row.organization else None,
            "reason": row.reason,
        }
        for row in rows
    ]
