"""Creating, completing and terminating awards: the rules, the rows, the audit and the outbox."""

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.awards import services
from app.awards.models import Award, AwardState, FundingLine, FundingSource, Report, ReportKind
from app.decisions.models import Decision, Outcome
from app.errors import ConflictError, ValidationError, WorkflowError
from app.extensions import db
from app.interest.models import InterestLevel
from app.members import queries as member_queries
from app.proposals.models import ProposalState
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


def available(year=FY) -> Decimal:
    return member_queries.seed_fund(member_queries.fiscal_year_by_label(year, 7)).available


def refused(call, field: str | None = None, match: str | None = None):
    """Assert the call raises a ValidationError on `field` and writes nothing."""
    before = snapshot()
    with pytest.raises(ValidationError, match=match) as caught:
        call()
    db.session.rollback()
    assert snapshot() == before
    if field:
        assert caught.value.field == field
    return caught.value


def test_create_award_writes_the_award_its_lines_and_its_reports(
    proposal, admin, audit_log, outbox
):
    pool("100000")
    partner = cofunder(proposal)

    award = fund(
        proposal,
        admin,
        "30000",
        [pool_line("20000"), member_line(partner, "10000")],
    )
    db.session.commit()

    assert award.state == AwardState.ACTIVE
    assert [
        (line.source, line.fiscal_year, line.organization_id, line.amount)
        for line in award.funding_lines
    ] == [
        (FundingSource.POOL, FY, None, Decimal("20000.00")),
        (FundingSource.MEMBER, None, partner.id, Decimal("10000.00")),
    ]
    assert [(report.kind, report.due_on) for report in award.reports] == [
        (ReportKind.PROGRESS, date(2027, 4, 1)),
        (ReportKind.FINAL, date(2027, 9, 30)),
    ]
    event = audit_log("award.created")[-1]
    assert event.subject_id == str(award.id)
    assert event.detail["amount"] == "30000.00"
    assert len(event.detail["lines"]) == 2
    [mail] = outbox("award_created")
    assert mail.recipient_email == proposal.applicant.email
    assert "$30,000" in mail.body_text
    assert available() == Decimal("80000.00")


def test_the_lines_must_add_up_to_the_amount(proposal, admin):
    pool("100000")

    error = refused(lambda: fund(proposal, admin, "30000", [pool_line("20000")]), field="lines")

    assert error.message == "The funding lines add up to $20,000; the award is $30,000."


def test_an_amount_above_the_released_decision_is_refused(proposal, admin):
    pool("100000")
    db.session.add(
        Decision(
            call_id=proposal.call_id,
            proposal_id=proposal.id,
            outcome=Outcome.AWARD,
            amount=Decimal("40000"),
            released_at=proposal.decided_at,
        )
    )
    db.session.commit()

    refused(lambda: fund(proposal, admin, "40000.01"), field="amount", match=r"\$40,000")
    award = fund(proposal, admin, "40000")

    assert award.amount == Decimal("40000")


def test_without_a_decision_row_the_requested_amount_is_the_limit(proposal, admin):
    pool("100000")

    refused(lambda: fund(proposal, admin, "50001"), field="amount")


def test_a_proposal_not_awarded_cannot_be_funded(admin):
    pool("100000")
    proposal = proposal_under_review(call_in_review())

    with pytest.raises(WorkflowError):
        fund(proposal, admin, "1000")


def test_a_proposal_is_funded_once(proposal, admin):
    pool("100000")
    fund(proposal, admin, "1000")
    db.session.commit()

    with pytest.raises(ConflictError):
        fund(proposal, admin, "1000")


def test_the_end_must_come_after_the_start(proposal, admin):
    pool("100000")

    refused(lambda: fund(proposal, admin, "1000", ends_on=date(2026, 10, 1)), field="ends_on")


@pytest.mark.parametrize(
    "level", [InterestLevel.INTERESTED, InterestLevel.WOULD_MENTOR, InterestLevel.NOT_RELEVANT]
)
def test_a_member_line_needs_a_would_cofund_answer(proposal, admin, level):
    pool("100000")
    member = cofunder(proposal, level)

    error = refused(
        lambda: fund(proposal, admin, "2000", [pool_line("1000"), member_line(member, "1000")]),
        field="lines-1-source",
    )

    assert "co-fund" in error.message


def test_a_member_line_needs_an_active_member(proposal, admin):
    pool("100000")
    lapsed = cofunder(proposal, starts_on=date(2024, 1, 1))  # ended Dec 2024: lapsed

    refused(
        lambda: fund(proposal, admin, "1000", [member_line(lapsed, "1000")]), field="lines-0-source"
    )


def test_a_member_who_would_cofund_another_proposal_cannot_fund_this_one(proposal, admin):
    other = awarded_proposal(requested_amount=Decimal("1000"))
    member = cofunder(other)

    refused(
        lambda: fund(proposal, admin, "1000", [member_line(member, "1000")]), field="lines-0-source"
    )


def test_a_co_funded_award_without_the_pool(proposal, admin):
    member = cofunder(proposal)

    award = fund(proposal, admin, "5000", [member_line(member, "5000")])

    assert award.funding_lines[0].organization_id == member.id


def test_the_same_source_twice_is_refused(proposal, admin):
    pool("100000")

    refused(
        lambda: fund(proposal, admin, "2000", [pool_line("1000"), pool_line("1000")]),
        field="lines-1-source",
    )


def test_a_year_without_commitments_has_no_pool(proposal, admin):
    pool("100000")

    error = refused(lambda: fund(proposal, admin, "1000", [pool_line("1000", 2031)]))

    assert error.message == "FY2031 has no seed fund: no member committed to it."


def test_drawing_exactly_what_is_available_works_and_one_cent_more_is_refused(admin):
    pool("30000")
    first = awarded_proposal(requested_amount=Decimal("50000"))
    fund(first, admin, "12345.67")
    db.session.commit()
    second = awarded_proposal(requested_amount=Decimal("50000"))
    third = awarded_proposal(requested_amount=Decimal("50000"))

    error = refused(lambda: fund(second, admin, "17654.34"), field="lines")
    assert error.message == "FY2027 has $17,654.33 available; this award draws $17,654.34."
    fund(third, admin, "17654.33")
    db.session.commit()

    assert available() == Decimal("0.00")
    refused(lambda: fund(second, admin, "0.01"), match=r"FY2027 has \$0 available")


def test_draws_on_two_years_are_each_checked(proposal, admin):
    pool("1000", starts_on=date(2026, 8, 1))  # FY2027
    pool("500", starts_on=date(2027, 8, 1))  # FY2028

    error = refused(
        lambda: fund(proposal, admin, "1600", [pool_line("1000"), pool_line("600", 2028)])
    )
    assert error.message == "FY2028 has $500 available; this award draws $600."
    fund(proposal, admin, "1500", [pool_line("1000"), pool_line("500", 2028)])

    assert (available(2027), available(2028)) == (Decimal("0.00"), Decimal("0.00"))


# Completion and termination


def test_complete_award_stamps_and_audits(proposal, admin, audit_log):
    pool("100000")
    award = fund(proposal, admin, "1000")

    services.complete_award(award, actor=admin)
    db.session.commit()

    assert award.state == AwardState.COMPLETED
    assert award.completed_at is not None
    assert audit_log("award.completed")[-1].detail == {"from": "active"}
    with pytest.raises(WorkflowError):
        services.complete_award(award, actor=admin)
    with pytest.raises(WorkflowError):
        services.terminate_award(award, actor=admin, reason="x", spent_amount=Decimal("0"))


def test_termination_returns_the_unspent_part_to_the_pool(proposal, admin, audit_log, outbox):
    pool("100000")
    partner = cofunder(proposal)
    award = fund(proposal, admin, "30000", [pool_line("20000"), member_line(partner, "10000")])
    db.session.commit()

    returned = services.terminate_award(
        award, actor=admin, reason="The PI left.", spent_amount=Decimal("12000")
    )
    db.session.commit()

    assert returned == [Decimal("12000.00"), Decimal("6000.00")]
    assert award.state == AwardState.TERMINATED
    assert (award.termination_reason, award.spent_amount) == ("The PI left.", Decimal("12000"))
    assert available() == Decimal("92000.00")
    event = audit_log("award.terminated")[-1]
    assert event.detail["returned"] == "18000.00"
    [mail] = outbox("award_terminated")
    assert mail.recipient_email == proposal.applicant.email
    assert "The PI left." in mail.body_text


def test_a_termination_returns_exact_cents_by_largest_remainder(proposal, admin):
    pool("100000", starts_on=date(2026, 8, 1))
    pool("100000", starts_on=date(2027, 8, 1))
    pool("100000", starts_on=date(2028, 8, 1))
    award = fund(
        proposal, admin, "300", [pool_line("100"), pool_line("100", 2028), pool_line("100", 2029)]
    )

    returned = services.terminate_award(
        award, actor=admin, reason="Stopped.", spent_amount=Decimal("299.99")
    )
    db.session.commit()

    assert returned == [Decimal("0.01"), Decimal("0.00"), Decimal("0.00")]
    lines = db.session.scalars(sa.select(FundingLine).order_by(FundingLine.id)).all()
    assert sum(line.returned_amount for line in lines) == Decimal("0.01")


@pytest.mark.parametrize(
    ("amounts", "unspent", "expected"),
    [
        (["100", "200"], "90", ["30.00", "60.00"]),
        (["1", "1", "1"], "1", ["0.34", "0.33", "0.33"]),
        (["10", "20", "30"], "0.05", ["0.01", "0.02", "0.02"]),
        (["70", "30"], "0", ["0.00", "0.00"]),
        (["70", "30"], "100", ["70.00", "30.00"]),
    ],
)
def test_split_return_is_proportional_in_exact_cents(amounts, unspent, expected):
    lines = [FundingLine(amount=Decimal(a)) for a in amounts]

    shares = services.split_return(lines, Decimal(unspent))

    assert shares == [Decimal(e) for e in expected]
    assert sum(shares) == Decimal(unspent)


@pytest.mark.parametrize(
    ("reason", "spent", "field"),
    [
        ("", "10", "reason"),
        ("  ", "10", "reason"),
        ("Why", "-1", "spent_amount"),
        ("Why", "1000.01", "spent_amount"),
    ],
)
def test_termination_needs_a_reason_and_a_spent_amount_within_the_award(
    proposal, admin, reason, spent, field
):
    pool("100000")
    award = fund(proposal, admin, "1000")
    db.session.commit()

    refused(
        lambda: services.terminate_award(
            award, actor=admin, reason=reason, spent_amount=Decimal(spent)
        ),
        field=field,
    )
    assert db.session.get(Award, award.id).state == AwardState.ACTIVE


def test_reports_stay_on_record_after_termination(proposal, admin):
    pool("100000")
    award = fund(proposal, admin, "1000")

    services.terminate_award(award, actor=admin, reason="Stopped.", spent_amount=Decimal("0"))
    db.session.commit()

    assert db.session.scalar(sa.select(sa.func.count(Report.id))) == 2
    assert proposal.state == ProposalState.AWARDED
