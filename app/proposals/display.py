"""The shape in which pages show a proposal's content (templates/proposals/_content.html)."""

from app.proposals.models import Proposal


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
