"""Report services: submission, acceptance (a final report completes the award), changes."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from app import clock
from app.awards import reports
from app.awards import services as award_services
from app.awards.models import AwardState, ReportKind, ReportState
from app.errors import ConflictError, PermissionDenied, ValidationError, WorkflowError
from app.extensions import db
from tests.awards.helpers import awarded_proposal, make_award
from tests.factories import MINIMAL_PDF, UserFactory
from tests.reviews.helpers import add_co_investigator

# 11:00 in New York, the program office's zone: its day is 1 June 2026.
NOW = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)
TODAY = date(2026, 6, 1)


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


def award_with_overdue_progress(**values):
    """Return an active award started 200 days ago: its first progress report is overdue."""
    return make_award(starts_on=TODAY - timedelta(days=200), months=12, **values)


def first(award, kind=ReportKind.PROGRESS):
    return next(report for report in award.reports if report.kind == kind)


def submitted(report, text="What we did."):
    reports.submit_report(report, actor=report.award.proposal.applicant, text=text)
    db.session.commit()
    return report


# Submitting


def test_applicant_submits_text_and_the_admins_are_told(outbox, audit_log):
    admin = UserFactory(admin=True)
    UserFactory(admin=True, deactivated=True)
    award = award_with_overdue_progress()
    report = first(award)
    applicant = award.proposal.applicant

    reports.submit_report(report, actor=applicant, text="  We built the rig.  ")
    db.session.commit()

    assert (report.state, report.text) == (ReportState.SUBMITTED, "We built the rig.")
    assert (report.submitted_at, report.submitted_by_id) == (NOW, applicant.id)
    assert report.attachment_name is None
    [event] = audit_log("report.submitted")
    assert (event.actor_id, event.subject_type, event.subject_id) == (
        applicant.id,
        "award_report",
        str(report.id),
    )
    assert event.detail["from"] == "due" and event.detail["resubmitted"] is False
    [email] = outbox("report_submitted")
    assert email.recipient_email == admin.email
    assert award.proposal.reference in email.subject


def test_applicant_submits_a_pdf_stored_outside_the_web_root(app):
    report = first(award_with_overdue_progress())

    reports.submit_report(
        report,
        actor=report.award.proposal.applicant,
        text="See the PDF.",
        pdf=("../../Progress report.pdf", MINIMAL_PDF),
    )
    db.session.commit()

    assert report.attachment_name == "Progress report.pdf"
    assert report.attachment_size == len(MINIMAL_PDF)
    path = reports.report_file_path(report)
    assert path.parent == Path(app.config["UPLOAD_DIR"])
    assert path.name != "Progress report.pdf"
    assert path.read_bytes() == MINIMAL_PDF


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"Plain text pretending.", "This file is not a PDF"),
    ],
)
def test_a_bad_file_is_refused_beside_the_attachment(data, message):
    report = first(award_with_overdue_progress())

    with pytest.raises(ValidationError) as refused:
        reports.submit_report(
            report, actor=report.award.proposal.applicant, text="Text.", pdf=("r.pdf", data)
        )

    assert refused.value.field == "attachment"
    assert refused.value.message.startswith(message)


def test_a_file_over_the_limit_is_refused(app, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 100)
    report = first(award_with_overdue_progress())

    with pytest.raises(ValidationError, match="the limit is"):
        reports.submit_report(
            report,
            actor=report.award.proposal.applicant,
            text="Text.",
            pdf=("r.pdf", MINIMAL_PDF + b" " * 200),
        )


def test_a_report_needs_its_text():
    report = first(award_with_overdue_progress())

    with pytest.raises(ValidationError) as refused:
        reports.submit_report(report, actor=report.award.proposal.applicant, text="   ")

    assert refused.value.field == "text"


def test_a_co_investigator_may_not_submit():
    proposal = awarded_proposal()
    add_co_investigator(proposal, name="Co Pi", email="co@example.edu", affiliation="MIT")
    co_pi = UserFactory(researcher=True, email="co@example.edu")
    report = first(award_with_overdue_progress(proposal=proposal))

    with pytest.raises(PermissionDenied):
        reports.submit_report(report, actor=co_pi, text="Mine.")

    assert report.state == ReportState.DUE


def test_a_stale_version_is_a_conflict():
    report = first(award_with_overdue_progress())
    opened_at = report.version
    report.text = "Changed in another window."
    db.session.commit()

    with pytest.raises(ConflictError):
        reports.submit_report(
            report,
            actor=report.award.proposal.applicant,
            text="Mine.",
            expected_version=opened_at,
        )


@pytest.mark.parametrize("end", ["terminated", "completed"])
def test_reports_of_an_ended_award_are_not_submitted(end):
    award = award_with_overdue_progress()
    admin = UserFactory(admin=True)
    if end == "terminated":
        award_services.terminate_award(award, actor=admin, reason="Left", spent_amount=Decimal("0"))
    else:
        award_services.complete_award(award, actor=admin)
    db.session.commit()

    with pytest.raises(WorkflowError):
        reports.submit_report(first(award), actor=award.proposal.applicant, text="Late.")


def test_a_submitted_report_is_not_submitted_again():
    report = submitted(first(award_with_overdue_progress()))

    with pytest.raises(WorkflowError):
        reports.submit_report(report, actor=report.award.proposal.applicant, text="Again.")


# Reviewing


def test_accepting_a_progress_report_leaves_the_award_active(outbox, audit_log):
    admin = UserFactory(admin=True)
    report = submitted(first(award_with_overdue_progress()))

    reports.accept_report(report, actor=admin)
    db.session.commit()

    assert (report.state, report.reviewed_at, report.reviewed_by_id) == (
        ReportState.ACCEPTED,
        NOW,
        admin.id,
    )
    assert report.award.state == AwardState.ACTIVE
    assert [e.detail["to"] for e in audit_log("report.accepted")] == ["accepted"]
    [email] = outbox("report_accepted")
    assert email.recipient_email == report.award.proposal.applicant.email
    assert "award is now complete" not in email.body_text


def test_accepting_the_final_report_completes_the_award(outbox, audit_log):
    admin = UserFactory(admin=True)
    award = award_with_overdue_progress()
    report = submitted(first(award, ReportKind.FINAL))

    reports.accept_report(report, actor=admin)
    db.session.commit()

    assert award.state == AwardState.COMPLETED
    assert award.completed_at == NOW
    assert len(audit_log("award.completed")) == 1
    assert "award is now complete" in outbox("report_accepted")[0].body_text


def test_a_report_not_submitted_cannot_be_accepted():
    report = first(award_with_overdue_progress())

    with pytest.raises(WorkflowError):
        reports.accept_report(report, actor=UserFactory(admin=True))

    assert report.state == ReportState.DUE


def test_requesting_changes_needs_a_comment():
    report = submitted(first(award_with_overdue_progress()))

    with pytest.raises(ValidationError) as refused:
        reports.request_changes(report, actor=UserFactory(admin=True), comment="  ")

    assert refused.value.field == "comment"
    assert report.state == ReportState.SUBMITTED


def test_changes_requested_then_the_applicant_resubmits(outbox, audit_log):
    admin = UserFactory(admin=True)
    report = submitted(first(award_with_overdue_progress()))

    reports.request_changes(report, actor=admin, comment="Add the trial results.")
    db.session.commit()

    assert (report.state, report.review_comment) == (
        ReportState.CHANGES_REQUESTED,
        "Add the trial results.",
    )
    [email] = outbox("report_changes_requested")
    assert "Add the trial results." in email.body_text
    assert len(audit_log("report.changes_requested")) == 1

    reports.submit_report(report, actor=report.award.proposal.applicant, text="With results.")
    db.session.commit()

    assert (report.state, report.text) == (ReportState.SUBMITTED, "With results.")
    assert audit_log("report.submitted")[-1].detail["resubmitted"] is True


def test_an_answer_on_a_changed_report_is_a_conflict():
    report = submitted(first(award_with_overdue_progress()))
    opened_at = report.version
    reports.request_changes(report, actor=UserFactory(admin=True), comment="More.")
    db.session.commit()

    with pytest.raises((ConflictError, WorkflowError)):
        reports.accept_report(report, actor=UserFactory(admin=True), expected_version=opened_at)

    assert report.state == ReportState.CHANGES_REQUESTED


# Overdue


def test_overdue_reports_are_owed_past_due_on_active_awards_only():
    overdue = first(award_with_overdue_progress())
    sent_back = first(award_with_overdue_progress())
    submitted(sent_back)
    reports.request_changes(sent_back, actor=UserFactory(admin=True), comment="More.")
    submitted(first(award_with_overdue_progress()))  # submitted: not owed
    make_award()  # nothing due yet
    ended = award_with_overdue_progress()
    award_services.complete_award(ended, actor=None)
    db.session.commit()

    assert {r.id for r in reports.overdue_reports(TODAY)} == {overdue.id, sent_back.id}


def test_a_report_due_today_is_not_yet_overdue():
    award = award_with_overdue_progress()
    report = first(award)

    assert reports.overdue_reports(report.due_on) == []
    assert reports.overdue_reports(report.due_on + timedelta(days=1)) == [report]
