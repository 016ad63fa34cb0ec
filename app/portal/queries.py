"""Reads for the member portal."""

from datetime import date

import sqlalchemy as sa

from app.extensions import db
from app.members.models import MembershipStatus, MembershipTerm, Organization
from app.members.queries import FiscalYear, fiscal_year, status_expression

# The directory lists members in good standing; a lapsed or withdrawn member drops out of it.
DIRECTORY_STATUSES = (MembershipStatus.ACTIVE, MembershipStatus.GRACE)


def directory_query(today: date, grace_days: int) -> sa.Select:
    """Return a select of the members in good standing (active or in grace), unordered."""
    status = status_expression(today, grace_days)
    return sa.select(Organization).where(status.in_([value.value for value in DIRECTORY_STATUSES]))


def directory(today: date, grace_days: int) -> list[Organization]:
    """Return the members in good standing (active or in grace) with their tiers, by name."""
    return list(
        db.session.scalars(
            directory_query(today, grace_days).order_by(
                sa.func.lower(Organization.name), Organization.id
            )
        )
    )


def commitments_by_year(
    terms: list[MembershipTerm], start_month: int
) -> list[tuple[FiscalYear, MembershipTerm]]:
    """Return the committing terms with the fiscal year each counts in, latest first.

    A commitment counts in the fiscal year its term starts, as on the administrators' page.
    """
    committing = [term for term in terms if term.seed_commitment > 0]
    return [
        (fiscal_year(term.starts_on, start_month), term)
        for term in sorted(committing, key=lambda term: term.starts_on, reverse=True)
    ]
