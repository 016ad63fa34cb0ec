"""The administrators' award pages: list, new award, one award, termination."""

import re
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.awards import services
from app.awards.models import Award, AwardState
from app.extensions import db
from app.interest.models import InterestLevel
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
from tests.dbutil import snapshot
from tests.reviews.helpers import call_in_review, proposal_under_review

pytestmark = pytest.mark.usefixtures("fixed_clock")


@pytest.fixture
def proposal():
    return awarded_proposal(requested_amount=Decimal("50000"))


def form_data(**values) -> dict:
    data = {
        "amount": "30000",
        "starts_on": "2026-10-01",
        "ends_on": "2027-09-30",
        "interval": "6",
        "lines-0-source": f"pool:{FY}",
        "lines-0-amount": "30000",
    }
    for index in range(1, 4):
        data |= {f"lines-{index}-source": "", f"lines-{index}-amount": ""}
    return data | values


def field_error(html: str, field_id: str) -> str:
    match = re.search(rf'id="{field_id}-error">([^<]*)<', html)
    return match.group(1) if match else ""


# New award


def test_new_award_form_defaults_to_the_decision_and_this_years_pool(as_admin, proposal):
    pool("100000")

    html = as_admin.get(f"/awards/proposals/{proposal.id}/new").get_data(as_text=True)

    assert 'id="amount" max="9999999999.99" min="0.01" name="amount" required' in html
    assert f'<option selected value="pool:{FY}">Seed fund FY{FY} ($100,000 available)' in html
    assert 'name="amount" required step="any" type="number" value="50000.00"' in html
    assert 'name="lines-0-amount" step="any" type="number" value="50000.00"' in html
    assert 'value="2026-09-01"' in html  # starts today


def test_member_sources_are_offered_only_to_co_funders(as_admin, proposal):
    willing = cofunder(proposal)
    mentor = cofunder(proposal, InterestLevel.WOULD_MENTOR)

    html = as_admin.get(f"/awards/proposals/{proposal.id}/new").get_data(as_text=True)

    assert f"{willing.name} (co-funding)" in html
    assert mentor.name not in html


def test_creating_an_award_writes_it_and_tells_the_applicant(as_admin, proposal, audit_log, outbox):
    pool("100000")
    partner = cofunder(proposal)

    response = as_admin.post(
        f"/awards/proposals/{proposal.id}/new",
        data=form_data(
            **{
                "lines-0-amount": "20000",
                "lines-2-source": f"member:{partner.id}",
                "lines-2-amount": "10000",
            }
        ),
    )

    award = db.session.scalar(sa.select(Award))
    assert response.status_code == 302
    assert response.location == f"/awards/{award.id}"
    assert [line.amount for line in award.funding_lines] == [Decimal("20000"), Decimal("10000")]
    assert len(award.reports) == 2
    assert len(audit_log("award.created")) == 1
    assert len(outbox("award_created")) == 1


def test_lines_that_do_not_add_up_are_shown_with_the_input_kept(as_admin, proposal):
    pool("100000")
    before = snapshot()

    response = as_admin.post(
        f"/awards/proposals/{proposal.id}/new", data=form_data(**{"lines-0-amount": "25000"})
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The funding lines add up to $25,000; the award is $30,000." in html
    assert 'value="25000' in html and 'value="30000' in html
    assert snapshot() == before


def test_an_overdraw_is_refused_with_the_figures(as_admin, proposal):
    pool("20000")
    before = snapshot()

    response = as_admin.post(f"/awards/proposals/{proposal.id}/new", data=form_data())

    assert response.status_code == 400
    assert "FY2027 has $20,000 available; this award draws $30,000." in response.get_data(
        as_text=True
    )
    assert snapshot() == before


def test_an_amount_above_the_decision_is_shown_beside_the_amount(as_admin, proposal):
    pool("100000")

    response = as_admin.post(
        f"/awards/proposals/{proposal.id}/new",
        data=form_data(amount="60000", **{"lines-0-amount": "60000"}),
    )

    assert response.status_code == 400
    assert "cannot be more" in field_error(response.get_data(as_text=True), "amount")
    assert db.session.scalar(sa.select(sa.func.count(Award.id))) == 0


def test_a_line_error_is_shown_beside_its_row(as_admin, proposal):
    pool("100000")
    partner = cofunder(proposal)
    partner_id = partner.id
    # The member withdraws its co-funding answer after the form was drawn.
    db.session.execute(
        sa.text("UPDATE member_interests SET level = 'interested' WHERE organization_id = :o"),
        {"o": partner_id},
    )
    db.session.commit()

    response = as_admin.post(
        f"/awards/proposals/{proposal.id}/new",
        data=form_data(
            **{
                "lines-0-amount": "20000",
                "lines-3-source": f"member:{partner_id}",
                "lines-3-amount": "10000",
            }
        ),
    )

    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "lines-3-source") == "Not a valid choice."


def test_a_row_with_an_amount_and_no_source_is_refused(as_admin, proposal):
    pool("100000")

    response = as_admin.post(
        f"/awards/proposals/{proposal.id}/new",
        data=form_data(**{"lines-1-amount": "5"}),
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_error(html, "lines-1-source") == "Choose where this money comes from."
    assert db.session.scalar(sa.select(sa.func.count(Award.id))) == 0


def test_a_proposal_with_an_award_goes_to_it(as_admin, proposal, admin):
    pool("100000")
    award = fund(proposal, admin, "1000")
    db.session.commit()

    response = as_admin.get(f"/awards/proposals/{proposal.id}/new")

    assert response.status_code == 302
    assert response.location == f"/awards/{award.id}"


def test_a_proposal_not_awarded_is_refused_on_the_form(as_admin):
    pool("100000")
    proposal = proposal_under_review(call_in_review())

    response = as_admin.post(
        f"/awards/proposals/{proposal.id}/new",
        data=form_data(amount="1000", **{"lines-0-amount": "1000"}),
    )

    assert response.status_code == 400
    assert "Only an awarded proposal" in response.get_data(as_text=True)


# The list and one award


def test_the_list_shows_awards_their_funding_and_overdue_reports(as_admin, admin):
    pool("100000")
    late = awarded_proposal(requested_amount=Decimal("5000"))
    fund(late, admin, "5000", starts_on=date(2025, 8, 1), ends_on=date(2026, 12, 31))
    done = awarded_proposal(requested_amount=Decimal("5000"))
    services.terminate_award(
        fund(done, admin, "5000", starts_on=date(2025, 9, 1), ends_on=date(2026, 12, 31)),
        actor=admin,
        reason="Stopped.",
        spent_amount=Decimal("1000"),
    )
    waiting = awarded_proposal(requested_amount=Decimal("5000"))
    db.session.commit()

    html = as_admin.get("/awards/").get_data(as_text=True)
    active_only = as_admin.get("/awards/?state=active").get_data(as_text=True)

    assert html.count('data-testid="award-row"') == 2
    assert '<span class="badge text-bg-danger" data-testid="overdue">2</span>' in html
    assert "($4,000 returned)" in html
    assert f"/awards/proposals/{waiting.id}/new" in html
    assert active_only.count('data-testid="award-row"') == 1
    assert late.reference in active_only and done.reference not in active_only


def test_the_list_runs_the_same_number_of_queries_for_1_and_20_awards(
    as_admin, admin, count_queries
):
    pool("1000000")
    partner_for = []

    def add_awards(number):
        for _ in range(number):
            proposal = awarded_proposal(requested_amount=Decimal("2000"))
            partner_for.append(cofunder(proposal))
            fund(proposal, admin, "2000", [pool_line("1000"), member_line(partner_for[-1], "1000")])
        awarded_proposal(requested_amount=Decimal("10"))
        db.session.commit()

    def queries():
        with count_queries() as counter:
            assert as_admin.get("/awards/").status_code == 200
        return counter.count

    add_awards(1)
    one = queries()
    add_awards(19)
    assert queries() == one


def test_the_award_page_shows_lines_and_reports(as_admin, admin, proposal):
    pool("100000")
    award = fund(proposal, admin, "1000")
    db.session.commit()

    html = as_admin.get(f"/awards/{award.id}").get_data(as_text=True)

    assert f"Seed fund FY{FY}" in html
    assert "Progress report" in html and "Final report" in html
    assert f"/awards/{award.id}/terminate" in html


# Termination


def test_terminating_returns_the_unspent_part_and_shows_it(as_admin, admin, proposal, outbox):
    pool("100000")
    award = fund(proposal, admin, "10000")
    db.session.commit()

    response = as_admin.post(
        f"/awards/{award.id}/terminate", data={"reason": "PI moved on.", "spent_amount": "2500"}
    )

    assert response.status_code == 302
    db.session.refresh(award)
    assert award.state == AwardState.TERMINATED
    assert award.funding_lines[0].returned_amount == Decimal("7500")
    assert len(outbox("award_terminated")) == 1
    page = as_admin.get(f"/awards/{award.id}").get_data(as_text=True)
    assert "PI moved on." in page and f"/awards/{award.id}/terminate" not in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"reason": "", "spent_amount": "10"}, "reason", "Say why the award ends."),
        ({"reason": "x", "spent_amount": "10000.01"}, "spent_amount", "no more than that"),
        ({"reason": "x", "spent_amount": "-1"}, "spent_amount", "zero or more"),
        ({"reason": "x", "spent_amount": "lots"}, "spent_amount", "Enter an amount"),
    ],
)
def test_bad_termination_input_is_shown_beside_the_field(
    as_admin, admin, proposal, data, field, message
):
    pool("100000")
    award = fund(proposal, admin, "10000")
    db.session.commit()
    before = snapshot()

    response = as_admin.post(f"/awards/{award.id}/terminate", data=data)

    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in field_error(html, field)
    assert data["reason"] in html
    assert snapshot() == before


def test_a_terminated_award_cannot_be_terminated_again(as_admin, admin, proposal):
    pool("100000")
    award = fund(proposal, admin, "10000")
    services.terminate_award(award, actor=admin, reason="Stopped.", spent_amount=Decimal("0"))
    db.session.commit()

    page = as_admin.get(f"/awards/{award.id}/terminate").get_data(as_text=True)
    response = as_admin.post(
        f"/awards/{award.id}/terminate", data={"reason": "Again", "spent_amount": "0"}
    )

    assert "only an active award can be terminated" in page
    assert response.status_code == 400
    assert "cannot be terminated" in response.get_data(as_text=True)
