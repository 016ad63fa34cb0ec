"""The administrators' award pages in the authorization matrix: administrators only."""

from flask import current_app

from app import clock
from app.awards.schedule import add_months
from app.members.queries import fiscal_year
from tests.authz import Route, admin_only
from tests.awards.helpers import awarded_proposal, make_award
from tests.factories import TermFactory

ROUTES = [
    Route("awards.index", "GET", "/awards/", admin_only(200)),
    Route("awards.new", "GET", "/awards/proposals/{aw_proposal}/new", admin_only(200)),
    Route(
        "awards.new",
        "POST",
        "/awards/proposals/{aw_proposal}/new",
        admin_only(302),
        {
            "amount": "1000",
            "starts_on": "{aw_starts_on}",
            "ends_on": "{aw_ends_on}",
            "interval": "6",
            "lines-0-source": "pool:{aw_year}",
            "lines-0-amount": "1000",
        },
        changes=True,
    ),
    Route("awards.detail", "GET", "/awards/{aw_award}", admin_only(200)),
    Route("awards.terminate", "GET", "/awards/{aw_award}/terminate", admin_only(200)),
    Route(
        "awards.terminate",
        "POST",
        "/awards/{aw_award}/terminate",
        admin_only(302),
        {"reason": "The PI left.", "spent_amount": "250"},
        changes=True,
    ),
]


def arrange(people) -> dict[str, int | str]:
    """Create this fiscal year's seed fund, an awarded proposal without an award, and an
    active award."""
    today = clock.today()
    year = fiscal_year(today, current_app.config["FISCAL_YEAR_START_MONTH"])
    TermFactory(starts_on=year.starts_on, seed_commitment=100000)
    proposal = awarded_proposal()
    award = make_award(fiscal_year=year.label_year)
    return {
        "aw_proposal": proposal.id,
        "aw_award": award.id,
        "aw_year": year.label_year,
        "aw_starts_on": today.isoformat(),
        "aw_ends_on": add_months(today, 12).isoformat(),
    }
