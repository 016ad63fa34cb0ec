"""Reminders of overdue award reports: once a day per report, one email per applicant."""

import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from app import clock
from app.awards import reports
from app.awards import services as award_services
from app.awards.models import Report, ReportKind
from app.extensions import db
from app.notifications.models import Notification
from app.urls import external_url
from tests.awards.helpers import awarded_proposal, make_award
from tests.dbutil import is_postgres
from tests.factories import UserFactory

# 11:00 in New York, the program office's zone: its day is 1 June 2026.
NOW = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)
TODAY = date(2026, 6, 1)


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


def overdue_award(**values):
    """An award started 200 days ago: its first progress report is 17 days overdue."""
    return make_award(starts_on=TODAY - timedelta(days=200), months=12, **values)


def first(award):
    return next(report for report in award.reports if report.kind == ReportKind.PROGRESS)


def remind(today=TODAY):
    summary = reports.send_reminders(today)
    db.session.commit()
    return summary


def test_an_overdue_report_is_reminded(outbox, audit_log):
    award = overdue_award()
    report = first(award)

    summary = remind()

    assert summary == reports.ReminderSummary(applicants=1, reports=1)
    [email] = outbox("report_reminder")
    assert email.recipient_email == award.proposal.applicant.email
    assert email.subject == "Overdue: 1 award report"
    assert f"- {award.proposal.reference}: {award.proposal.title}" in email.body_text
    days = (TODAY - report.due_on).days
    assert f"Progress report, was due {report.due_on:%d %b %Y} ({days} days overdue)" in (
        email.body_text
    )
    assert external_url("awards.report", report_id=report.id) in email.body_text
    assert report.last_reminded_on == TODAY
    [event] = audit_log("report.reminded")
    assert (event.actor_id, event.subject_id) == (None, str(report.id))


def test_reminders_are_sent_once_a_day_and_again_the_next_day(outbox):
    overdue_award()

    assert remind().reports == 1
    assert remind().reports == 0
    assert len(outbox("report_reminder")) == 1

    assert remind(TODAY + timedelta(days=1)).reports == 1
    assert len(outbox("report_reminder")) == 2


def test_one_email_per_applicant_lists_all_their_overdue_reports(outbox):
    applicant = UserFactory(researcher=True)
    one = overdue_award(proposal=awarded_proposal(applicant=applicant))
    two = overdue_award(proposal=awarded_proposal(applicant=applicant))
    overdue_award()  # someone else's

    summary = remind()

    assert summary == reports.ReminderSummary(applicants=2, reports=3)
    [email] = outbox("report_reminder", to=applicant.email)
    assert email.subject == "Overdue: 2 award reports"
    assert one.proposal.reference in email.body_text
    assert two.proposal.reference in email.body_text


def test_reports_not_yet_due_or_submitted_are_not_reminded(outbox):
    make_award()  # started 30 days ago: nothing due yet
    report = first(overdue_award())
    reports.submit_report(report, actor=report.award.proposal.applicant, text="Done.")
    db.session.commit()

    assert remind().reports == 0
    assert outbox("report_reminder") == []


def test_a_report_sent_back_is_reminded_with_the_changes_requested(outbox):
    report = first(overdue_award())
    reports.submit_report(report, actor=report.award.proposal.applicant, text="Done.")
    reports.request_changes(report, actor=UserFactory(admin=True), comment="More.")
    db.session.commit()

    assert remind().reports == 1
    assert "changes were requested" in outbox("report_reminder")[0].body_text


@pytest.mark.parametrize("end", ["terminated", "completed"])
def test_reports_of_ended_awards_are_not_reminded(outbox, end):
    award = overdue_award()
    if end == "terminated":
        award_services.terminate_award(
            award, actor=UserFactory(admin=True), reason="Left", spent_amount=Decimal("0")
        )
    else:
        award_services.complete_award(award, actor=None)
    db.session.commit()

    assert remind().reports == 0
    assert outbox("report_reminder") == []
    assert first(award).last_reminded_on is None


def test_a_deactivated_applicant_is_not_written_to(outbox):
    applicant = UserFactory(researcher=True, deactivated=True)
    overdue_award(proposal=awarded_proposal(applicant=applicant))

    assert remind().reports == 0
    assert outbox("report_reminder") == []


# The command


def test_remind_command_prints_how_many_were_reminded(app, outbox):
    applicant = UserFactory(researcher=True)
    overdue_award(proposal=awarded_proposal(applicant=applicant))
    overdue_award(proposal=awarded_proposal(applicant=applicant))
    runner = app.test_cli_runner()

    first_run = runner.invoke(args=["awards", "remind"])
    second_run = runner.invoke(args=["awards", "remind"])

    assert first_run.exit_code == second_run.exit_code == 0
    assert first_run.output == "Reminded 1 applicant of 2 overdue reports.\n"
    assert second_run.output == "Reminded 0 applicants of 0 overdue reports.\n"
    assert len(outbox("report_reminder")) == 1


# Two runs at once


@pytest.mark.no_isolation
def test_a_run_overlapping_another_never_reminds_twice(committed_app):
    with committed_app.app_context():
        overdue_award()
        overdue_award()
    first_has_written, second_is_done = threading.Event(), threading.Event()
    results, errors = {}, []

    def first_run():
        with committed_app.app_context():
            results["first"] = reports.send_reminders(TODAY)
            db.session.flush()
            first_has_written.set()
            second_is_done.wait(timeout=10)
            db.session.commit()

    def second_run():
        first_has_written.wait(timeout=10)
        try:
            with committed_app.app_context():
                if not is_postgres():
                    # Fail fast instead of after the app's five seconds of waiting for the lock.
                    db.session.execute(sa.text("PRAGMA busy_timeout=200"))
                results["second"] = reports.send_reminders(TODAY)
                db.session.commit()
        except OperationalError as error:
            errors.append(error)
        finally:
            second_is_done.set()

    threads = [threading.Thread(target=first_run), threading.Thread(target=second_run)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results["first"].reports == 2
    if is_postgres():
        # The first run's rows are locked, so the second skips them and sends nothing.
        assert (results["second"].reports, errors) == (0, [])
    else:
        # SQLite lets one writer in: the second run fails and rolls back what it queued.
        assert "database is locked" in str(errors[0])
    with committed_app.app_context():
        assert remind().reports == 0
        sent = db.session.scalars(
            sa.select(Notification).where(Notification.kind == "report_reminder")
        ).all()
        assert len(sent) == 2
        reminded = db.session.scalars(
            sa.select(Report.last_reminded_on).where(Report.last_reminded_on.is_not(None))
        ).all()
        assert reminded == [TODAY, TODAY]
