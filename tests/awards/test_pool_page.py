"""The seed-fund page with awards: committed, awarded, available, and the year's draws."""

import re
from decimal import Decimal

import pytest

from app.awards import services
from app.extensions import db
from tests.awards.funding import (
    FY,
    cofunder,
    fixed_clock,  # noqa: F401 - a fixture
    fund,
    member_line,
    pool,
    pool_line,
)
from tests.awards.helpers import awarded_proposal

pytestmark = pytest.mark.usefixtures("fixed_clock")


def figures(html: str) -> dict[str, str]:
    return dict(
        re.findall(
            r'data-testid="figure-(\w+)">\s*<div class="card-body">\s*<div[^>]*>[^<]*</div>\s*'
            r'<div class="fs-4 fw-semibold figure-value">([^<]*)</div>',
            html,
        )
    )


def page(login, admin, year=FY) -> str:
    response = login(admin).get(f"/admin/members/seed-fund?year={year}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_page_shows_awarded_available_and_the_draws(login, admin):
    pool("100000")
    first = awarded_proposal(requested_amount=Decimal("50000"))
    second = awarded_proposal(requested_amount=Decimal("50000"))
    partner = cofunder(second)
    fund(first, admin, "30000")
    fund(second, admin, "25000", [pool_line("20000"), member_line(partner, "5000")])
    db.session.commit()

    html = page(login, admin)

    assert figures(html) == {
        "committed": "$100,000",
        "awarded": "$50,000",
        "available": "$50,000",
    }
    assert html.count('data-testid="draw"') == 2
    assert first.reference in html and second.reference in html
    assert "$5,000" not in html  # the member's co-funding is not the pool's


def test_a_termination_gives_the_unspent_part_back_to_the_pool(login, admin):
    pool("100000")
    proposal = awarded_proposal(requested_amount=Decimal("50000"))
    award = fund(proposal, admin, "40000")
    db.session.commit()
    assert figures(page(login, admin))["available"] == "$60,000"

    services.terminate_award(award, actor=admin, reason="Stopped.", spent_amount=Decimal("15000"))
    db.session.commit()
    html = page(login, admin)

    assert figures(html)["awarded"] == "$15,000"
    assert figures(html)["available"] == "$85,000"
    assert "$25,000" in html  # returned, on the draw's row


def test_other_years_are_not_touched(login, admin):
    pool("100000")
    fund(awarded_proposal(requested_amount=Decimal("50000")), admin, "30000")
    db.session.commit()

    html = page(login, admin, FY + 1)

    assert figures(html)["awarded"] == "$0"
    assert "No award draws on FY2028 yet." in html


def test_the_page_runs_the_same_number_of_queries_for_1_and_10_draws(login, admin, count_queries):
    pool("1000000")
    client = login(admin)

    def add(number):
        for _ in range(number):
            fund(awarded_proposal(requested_amount=Decimal("1000")), admin, "1000")
        db.session.commit()

    def queries():
        with count_queries() as counter:
            assert client.get(f"/admin/members/seed-fund?year={FY}").status_code == 200
        return counter.count

    add(1)
    one = queries()
    add(9)
    assert queries() == one
