"""Proposal services: drafts, deadlines to the second, versions, references, withdrawal."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DatabaseError

from app import clock
from app.errors import ConflictError, DeadlineError, ValidationError, WorkflowError
from app.extensions import db
from app.proposals import services
from app.proposals.models import ProposalState, ProposalVersion
from tests.factories import MINIMAL_PDF, CallFactory, ProposalFactory, UserFactory

CLOSES = datetime(2026, 3, 1, 22, 0, 0, tzinfo=UTC)  # 17:00 in New York


@pytest.fixture
def at(monkeypatch):
    """Return a function that fixes the server's clock at an instant."""

    def _at(instant: datetime) -> None:
        monkeypatch.setattr(clock, "now", lambda: instant)

    _at(CLOSES - timedelta(days=5))
    return _at


def ready(**call_values) -> "services.Proposal":
    call = CallFactory(opens_at=CLOSES - timedelta(days=60), closes_at=CLOSES, **call_values)
    proposal = ProposalFactory(call=call, complete=True, budget=["50000", "25000.50"])
    services.attach_pdf(
        proposal, actor=proposal.applicant, filename="proposal.pdf", data=MINIMAL_PDF
    )
    db.session.commit()
    return proposal


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [(-1, True), (0, True), (1, False)],
    ids=["second-before", "at", "second-after"],
)
def test_submission_around_the_deadline(at, offset, accepted):
    proposal = ready()
    at(CLOSES + timedelta(seconds=offset))

    if accepted:
        services.submit_proposal(proposal, actor=proposal.applicant)
        assert proposal.state == ProposalState.SUBMITTED
    else:
        with pytest.raises(DeadlineError):
            services.submit_proposal(proposal, actor=proposal.applicant)
        assert proposal.state == ProposalState.DRAFT


@pytest.mark.parametrize(("offset", "accepted"), [(59, True), (60, True), (61, False)])
def test_grace_period_extends_the_deadline(app, at, offset, accepted):
    proposal = ready()
    app.config["SUBMISSION_GRACE_SECONDS"] = 60
    at(CLOSES + timedelta(seconds=offset))
    try:
        if accepted:
            services.submit_proposal(proposal, actor=proposal.applicant)
        else:
            with pytest.raises(DeadlineError):
                services.submit_proposal(proposal, actor=proposal.applicant)
    finally:
        app.config["SUBMISSION_GRACE_SECONDS"] = 0
    assert (proposal.state == ProposalState.SUBMITTED) is accepted


@pytest.mark.parametrize(("offset", "accepted"), [(-1, True), (0, True), (1, False)])
def test_extension_allows_one_proposal_until_its_instant(at, offset, accepted):
    proposal = ready()
    other = ready()
    until = CLOSES + timedelta(days=2)
    services.grant_extension(proposal, actor=UserFactory(admin=True), until=until)
    at(until + timedelta(seconds=offset))

    if accepted:
        services.submit_proposal(proposal, actor=proposal.applicant)
    else:
        with pytest.raises(DeadlineError):
            services.submit_proposal(proposal, actor=proposal.applicant)
    with pytest.raises(DeadlineError):
        services.submit_proposal(other, actor=other.applicant)


def test_extension_still_works_after_the_call_is_closed(at):
    from app.calls import services as call_services

    proposal = ready()
    admin = UserFactory(admin=True)
    services.grant_extension(proposal, actor=admin, until=CLOSES + timedelta(days=2))
    at(CLOSES + timedelta(hours=1))
    call_services.close_call(proposal.call, actor=admin)

    services.submit_proposal(proposal, actor=proposal.applicant)

    assert proposal.state == ProposalState.SUBMITTED


def test_submission_gives_a_reference_a_version_and_a_receipt(at, outbox, audit_log):
    proposal = ready()

    version = services.submit_proposal(proposal, actor=proposal.applicant)

    assert proposal.reference == "AIM-2025-001"
    assert (version.number, version.snapshot["requested_amount"]) == (1, "75000.50")
    assert version.snapshot["attachment"]["sha256"] == proposal.current_attachment.sha256
    [receipt] = outbox("proposal_submitted")
    assert receipt.recipient_email == proposal.applicant.email
    assert "AIM-2025-001" in receipt.subject
    assert "24 Feb 2026 17:00:00 EST" in receipt.body_text
    assert audit_log("proposal.submitted")[0].detail["version"] == 1


def test_references_count_up_within_a_call(at):
    first, second = ready(), None
    second = ProposalFactory(call=first.call, complete=True, budget=["100"])
    services.attach_pdf(second, actor=second.applicant, filename="b.pdf", data=MINIMAL_PDF)

    services.submit_proposal(second, actor=second.applicant)
    services.submit_proposal(first, actor=first.applicant)

    assert (second.reference, first.reference) == ("AIM-2025-001", "AIM-2025-002")


def test_reopened_and_resubmitted_proposal_keeps_version_one_unchanged(at):
    proposal = ready()
    first = services.submit_proposal(proposal, actor=proposal.applicant)
    db.session.commit()
    kept = dict(first.snapshot)

    services.reopen_proposal(proposal, actor=proposal.applicant)
    values = services.DraftValues(
        title="A better title",
        abstract=proposal.abstract,
        keywords=proposal.keywords,
        department=proposal.department,
        duration_months=18,
        industry_relevance=proposal.industry_relevance,
        budget_lines=[services.Line("equipment", "Sensors", Decimal("40000"))],
    )
    services.save_draft(proposal, values, actor=proposal.applicant)
    second = services.submit_proposal(proposal, actor=proposal.applicant)
    db.session.commit()

    assert proposal.reference == "AIM-2025-001"
    db.session.expire_all()
    versions = db.session.scalars(sa.select(ProposalVersion).order_by(ProposalVersion.number)).all()
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].snapshot == kept
    assert versions[1].snapshot["title"] == "A better title"
    assert second.snapshot["requested_amount"] == "40000.00"


def test_versions_cannot_be_changed_in_the_database(at):
    proposal = ready()
    services.submit_proposal(proposal, actor=proposal.applicant)
    db.session.commit()

    with pytest.raises(DatabaseError, match="immutable"):
        db.session.execute(sa.update(ProposalVersion).values(snapshot={"title": "forged"}))
    db.session.rollback()


def test_reopen_after_the_deadline_is_refused(at):
    proposal = ready()
    services.submit_proposal(proposal, actor=proposal.applicant)
    at(CLOSES + timedelta(seconds=1))

    with pytest.raises(DeadlineError):
        services.reopen_proposal(proposal, actor=proposal.applicant)
    assert proposal.state == ProposalState.SUBMITTED


def test_incomplete_proposal_lists_every_missing_field(at):
    proposal = ProposalFactory(
        call=CallFactory(opens_at=CLOSES - timedelta(days=60), closes_at=CLOSES)
    )

    with pytest.raises(services.SubmissionIncomplete) as error:
        services.submit_proposal(proposal, actor=proposal.applicant)

    assert set(error.value.problems) == {
        "title",
        "abstract",
        "keywords",
        "department",
        "industry_relevance",
        "duration_months",
        "budget_lines",
        "attachment",
    }


def test_budget_over_the_maximum_award_is_refused(at):
    proposal = ready(max_award=Decimal("75000"))
    services.save_draft(
        proposal,
        services.DraftValues(
            title=proposal.title,
            abstract=proposal.abstract,
            keywords=proposal.keywords,
            department=proposal.department,
            duration_months=12,
            industry_relevance="x",
            budget_lines=[services.Line("personnel", "Postdoc", Decimal("75000.01"))],
        ),
        actor=proposal.applicant,
    )

    with pytest.raises(services.SubmissionIncomplete) as error:
        services.submit_proposal(proposal, actor=proposal.applicant)

    assert "above this call's largest award of 75,000.00" in error.value.problems["budget_lines"]


def test_an_incomplete_draft_always_saves(at):
    proposal = ProposalFactory(
        call=CallFactory(opens_at=CLOSES - timedelta(days=60), closes_at=CLOSES)
    )

    services.save_draft(
        proposal, services.DraftValues(title="Only a title"), actor=proposal.applicant
    )

    assert proposal.title == "Only a title" and proposal.requested_amount == 0


def test_a_draft_saves_again_with_the_same_team_and_budget(at):
    proposal = ProposalFactory(
        call=CallFactory(opens_at=CLOSES - timedelta(days=60), closes_at=CLOSES)
    )
    values = services.DraftValues(
        co_investigators=[services.TeamMember("Ada", "ada@uni.edu")],
        budget_lines=[services.Line("travel", "Trip", Decimal("500"))],
    )
    services.save_draft(proposal, values, actor=proposal.applicant)
    db.session.commit()

    services.save_draft(proposal, values, actor=proposal.applicant)
    db.session.commit()

    assert [member.email for member in proposal.co_investigators] == ["ada@uni.edu"]
    assert proposal.requested_amount == Decimal("500")


def test_a_save_that_changes_only_the_team_is_a_new_version(at):
    proposal = ProposalFactory(
        call=CallFactory(opens_at=CLOSES - timedelta(days=60), closes_at=CLOSES)
    )
    opened_at = proposal.version
    team = services.DraftValues(co_investigators=[services.TeamMember("Ada", "ada@uni.edu")])
    services.save_draft(proposal, team, actor=proposal.applicant, expected_version=opened_at)
    db.session.commit()

    with pytest.raises(ConflictError):
        services.save_draft(
            proposal, services.DraftValues(), actor=proposal.applicant, expected_version=opened_at
        )
    assert proposal.version == opened_at + 1


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            services.DraftValues(
                co_investigators=[services.TeamMember(f"P{n}", f"p{n}@x.edu") for n in range(20)]
            ),
            "co_investigators",
            "at most 10",
        ),
        (
            services.DraftValues(
                co_investigators=[
                    services.TeamMember("A", "a@x.edu"),
                    services.TeamMember("B", "A@x.edu"),
                ]
            ),
            "co_investigators",
            "listed once",
        ),
        (
            services.DraftValues(budget_lines=[services.Line("travel", "Trip", Decimal("-5"))]),
            "budget_lines",
            "above zero",
        ),
        (services.DraftValues(duration_months=99), "duration_months", "between 1 and 60"),
        (services.DraftValues(sponsor_ids=[987654]), "sponsor_ids", "active members"),
    ],
)
def test_impossible_draft_values_are_refused_and_nothing_changes(at, values, field, message):
    proposal = ProposalFactory(
        call=CallFactory(opens_at=CLOSES - timedelta(days=60), closes_at=CLOSES), title="Kept"
    )

    with pytest.raises(ValidationError, match=message) as error:
        services.save_draft(proposal, values, actor=proposal.applicant)

    assert error.value.field == field
    assert proposal.title == "Kept"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"just some text, named .pdf", "not a PDF"),
        (b"", "empty"),
        (b"%PDF-1.4\n" + b"x" * 100, "not a PDF"),
    ],
)
def test_files_that_are_not_pdfs_are_refused(at, data, message):
    proposal = ready()
    before = proposal.current_attachment.id

    with pytest.raises(ValidationError, match=message):
        services.attach_pdf(proposal, actor=proposal.applicant, filename="fake.pdf", data=data)

    assert proposal.current_attachment.id == before


def test_a_file_over_the_limit_is_refused(app, at):
    proposal = ready()
    app.config["ATTACHMENT_MAX_BYTES"] = 1024
    try:
        with pytest.raises(ValidationError, match="the limit is 0 MB|limit"):
            services.attach_pdf(
                proposal,
                actor=proposal.applicant,
                filename="big.pdf",
                data=MINIMAL_PDF + b" " * 2048 + b"%%EOF",
            )
    finally:
        app.config["ATTACHMENT_MAX_BYTES"] = 10 * 1024 * 1024


@pytest.mark.parametrize("state", ["draft", "submitted", "under_review"])
def test_withdrawal_from_each_allowed_state(at, outbox, state):
    proposal = ready()
    if state != "draft":
        services.submit_proposal(proposal, actor=proposal.applicant)
    if state == "under_review":
        at(CLOSES + timedelta(hours=1))
        from app.calls import services as call_services

        admin = UserFactory(admin=True)
        call_services.close_call(proposal.call, actor=admin)
        services.begin_review(proposal.call, actor=admin)

    services.withdraw_proposal(proposal, actor=proposal.applicant, reason="Moved institution")

    assert proposal.state == ProposalState.WITHDRAWN
    assert proposal.withdrawal_reason == "Moved institution"
    assert outbox("proposal_withdrawn")[0].recipient_email == proposal.applicant.email


def test_withdrawn_proposal_cannot_be_withdrawn_or_submitted_again(at):
    proposal = ready()
    services.withdraw_proposal(proposal, actor=proposal.applicant)

    with pytest.raises(WorkflowError):
        services.withdraw_proposal(proposal, actor=proposal.applicant)
    with pytest.raises(WorkflowError):
        services.submit_proposal(proposal, actor=proposal.applicant)


def test_only_the_applicant_changes_a_proposal(at):
    proposal = ready()
    stranger = UserFactory(researcher=True)

    with pytest.raises(WorkflowError):
        services.submit_proposal(proposal, actor=stranger)
    with pytest.raises(WorkflowError):
        services.withdraw_proposal(proposal, actor=stranger)


def test_starting_a_proposal_needs_an_open_call(at):
    researcher = UserFactory(researcher=True)
    draft_call = CallFactory(draft=True, opens_at=CLOSES - timedelta(days=60), closes_at=CLOSES)

    with pytest.raises(DeadlineError):
        services.start_proposal(draft_call, actor=researcher)
