"""Reminders to reviewers: who is reminded of what, once a day, and `flask reviews remind`."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from app import clock
from app.calls.models import CallState
from app.extensions import db
from app.notifications.models import Notification
from app.proposals import services as proposal_services
from app.reviews import reminders, services
from app.reviews.models import Assignment, AssignmentState
from app.urls import external_url
from tests.dbutil import is_postgres
from tests.factories import UserFactory
from tests.reviews.helpers import assign, call_in_review, proposal_under_review, reviewer

# 11:00 in New York, the program office's zone and the factories' reviewers' zone.
NOW = datetime(2026, 4, 1, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


def assignment_due(due_at, *, who=None, call=None, **proposal_values):
    """Return an open assignment of a new proposal under review, due at `due_at`."""
    proposal = proposal_under_review(call or call_in_review(), **proposal_values)
    assignment = assign(proposal, who or reviewer())
    assignment.due_at = due_at
    db.session.commit()
    return assignment


def remind(now=NOW, within_days=3):
    summary = reminders.send_reminders(now=now, within_days=within_days)
    db.session.commit()
    return summary


def test_assignment_due_within_the_window_is_reminded(outbox, audit_log):
    assignment = assignment_due(NOW + timedelta(days=2))
    proposal = assignment.proposal

    summary = remind()

    assert summary == reminders.ReminderSummary(reviewers=1, assignments=1, overdue=0)
    [email] = outbox("review_reminder")
    assert email.recipient_email == assignment.reviewer.email
    assert email.subject == "Reminder: 1 review to finish"
    assert f"- {proposal.reference}: {proposal.title}\n" in email.body_text
    # 15:00 UTC is 11:00 in the reviewer's New York, on daylight time in April.
    assert "Due 03 Apr 2026 11:00 EDT" in email.body_text
    assert external_url("reviews.review", assignment_id=assignment.id) in email.body_text
    assert "OVERDUE" not in email.body_text
    assert assignment.last_reminded_on == NOW
    [event] = audit_log("assignment.reminded")
    assert (event.actor_id, event.subject_id) == (None, str(proposal.id))
    assert event.detail["reviewer_id"] == assignment.reviewer_id


def test_assignment_due_after_the_window_is_not_reminded(outbox):
    assignment = assignment_due(NOW + timedelta(days=3, minutes=1))

    summary = remind(within_days=3)

    assert summary.assignments == 0
    assert outbox("review_reminder") == []
    assert assignment.last_reminded_on is None


def test_the_window_is_given_in_days(outbox):
    assignment_due(NOW + timedelta(days=6))

    remind(within_days=7)

    assert len(outbox("review_reminder")) == 1


def test_overdue_assignment_is_reminded_and_marked_overdue(outbox):
    assignment = assignment_due(NOW - timedelta(days=1))

    summary = remind()

    assert summary == reminders.ReminderSummary(reviewers=1, assignments=1, overdue=1)
    [email] = outbox("review_reminder")
    assert email.subject == "Overdue: 1 review to finish"
    assert "This review is past due" in email.body_text
    assert "OVERDUE, was due 31 Mar 2026 11:00 EDT" in email.body_text
    assert assignment.proposal.reference in email.body_text


def test_the_calls_review_deadline_stands_in_for_a_missing_due_date(outbox):
    call = call_in_review()
    call.review_deadline = NOW + timedelta(days=1)
    assignment_due(None, call=call)

    remind()

    assert "Due 02 Apr 2026 11:00 EDT" in outbox("review_reminder")[0].body_text


def test_assignment_without_any_due_date_is_never_reminded(outbox):
    call = call_in_review()
    call.review_deadline = None
    assignment_due(None, call=call)

    remind(within_days=365)

    assert outbox("review_reminder") == []


def test_a_draft_review_still_counts_as_unfinished(outbox):
    assignment = assignment_due(NOW + timedelta(days=1))
    services.save_review(
        assignment,
        services.ReviewValues(scores={}, comments_to_applicant="Half done."),
        actor=assignment.reviewer,
    )
    db.session.commit()

    remind()

    assert len(outbox("review_reminder")) == 1


def _submit(assignment):
    assignment.state = AssignmentState.SUBMITTED


def _decline(assignment):
    services.decline_assignment(assignment, actor=assignment.reviewer, reason="Away that month.")


def _withdraw_proposal(assignment):
    proposal = assignment.proposal
    proposal_services.withdraw_proposal(proposal, actor=proposal.applicant)


def _decide_call(assignment):
    call = assignment.proposal.call
    call.state, call.decided_at = CallState.DECIDED, NOW


def _deactivate_reviewer(assignment):
    assignment.reviewer.is_active = False
    assignment.reviewer.deactivated_at = NOW


@pytest.mark.parametrize(
    "finish",
    [_submit, _decline, _withdraw_proposal, _decide_call, _deactivate_reviewer],
    ids=["submitted", "declined", "withdrawn proposal", "decided call", "deactivated reviewer"],
)
def test_assignment_no_longer_awaiting_a_review_is_not_reminded(finish, outbox):
    assignment = assignment_due(NOW - timedelta(days=1))
    finish(assignment)
    db.session.commit()

    summary = remind()

    assert summary.assignments == 0
    assert outbox("review_reminder") == []
    assert assignment.last_reminded_on is None


def test_reminders_are_sent_once_a_day(outbox):
    assignment_due(NOW + timedelta(days=1))
    remind()

    again = remind(now=NOW + timedelta(hours=1))
    # 03:00 UTC on the 2nd is still the 1st at the office in New York.
    late_evening = remind(now=datetime(2026, 4, 2, 3, 0, tzinfo=UTC))

    assert again.assignments == late_evening.assignments == 0
    assert len(outbox("review_reminder")) == 1


def test_reminders_are_sent_again_the_next_day(outbox):
    assignment = assignment_due(NOW + timedelta(days=1))
    remind()
    tomorrow = NOW + timedelta(days=1, hours=-6)

    summary = remind(now=tomorrow)

    assert summary.assignments == 1
    assert len(outbox("review_reminder")) == 2
    assert assignment.last_reminded_on == tomorrow


def test_a_new_assignment_is_reminded_the_same_day_as_an_earlier_one(outbox):
    person = reviewer()
    assignment_due(NOW + timedelta(days=1), who=person)
    remind()
    later = assignment_due(NOW + timedelta(days=2), who=person)

    remind(now=NOW + timedelta(hours=2))

    first, second = outbox("review_reminder")
    assert later.proposal.reference not in first.body_text
    assert later.proposal.reference in second.body_text
    assert second.body_text.count("\n- ") == 1


def test_one_email_per_reviewer_lists_all_their_assignments(outbox):
    busy, other = reviewer(), reviewer()
    call = call_in_review()
    overdue = assignment_due(NOW - timedelta(hours=2), who=busy, call=call)
    soon = assignment_due(NOW + timedelta(days=2), who=busy, call=call)
    sooner = assignment_due(NOW + timedelta(days=1), who=busy)
    theirs = assignment_due(NOW + timedelta(days=1), who=other, call=call)
    assignment_due(NOW + timedelta(days=10), who=busy, call=call)

    summary = remind()

    assert summary == reminders.ReminderSummary(reviewers=2, assignments=4, overdue=1)
    [email] = outbox("review_reminder", to=busy.email)
    assert email.subject == "Overdue: 3 reviews to finish"
    body = email.body_text
    overdue_part, soon_part = body.split("These reviews are due soon:")
    assert overdue.proposal.reference in overdue_part
    # Soonest first.
    assert soon_part.index(sooner.proposal.reference) < soon_part.index(soon.proposal.reference)
    assert theirs.proposal.reference not in body
    assert len(outbox("review_reminder", to=other.email)) == 1


def test_blind_call_reminder_names_no_one_on_the_team(outbox):
    applicant = UserFactory(researcher=True, name="Grace Hopperfield")
    assignment = assignment_due(
        NOW + timedelta(days=1), call=call_in_review(is_blind=True), applicant=applicant
    )

    remind()

    body = outbox("review_reminder")[0].body_text
    assert assignment.proposal.title in body
    assert "Hopperfield" not in body


# The command


def test_remind_command_prints_a_summary_and_uses_the_configured_days(app, outbox):
    assignment_due(NOW - timedelta(days=1))
    assignment_due(NOW + timedelta(days=2))
    assignment_due(NOW + timedelta(days=4))

    result = app.test_cli_runner().invoke(args=["reviews", "remind"])

    assert result.exit_code == 0, result.output
    assert app.config["REVIEW_REMINDER_DAYS"] == 3
    assert result.output == (
        "Reminded 2 reviewers of 2 assignments due within 3 days or overdue (1 overdue).\n"
    )
    assert len(outbox("review_reminder")) == 2


def test_remind_command_takes_the_days_and_sends_nothing_twice(app, outbox):
    assignment_due(NOW + timedelta(days=4))
    runner = app.test_cli_runner()

    first = runner.invoke(args=["reviews", "remind", "--days", "5"])
    second = runner.invoke(args=["reviews", "remind", "--days", "5"])

    assert first.exit_code == second.exit_code == 0
    assert "Reminded 1 reviewer of 1 assignment due within 5 days" in first.output
    assert "Reminded 0 reviewers of 0 assignments" in second.output
    assert len(outbox("review_reminder")) == 1


def test_remind_command_refuses_negative_days(app, outbox):
    assignment_due(NOW - timedelta(days=1))

    result = app.test_cli_runner().invoke(args=["reviews", "remind", "--days", "-1"])

    assert result.exit_code == 2
    assert "--days" in result.output
    assert outbox("review_reminder") == []


# Two runs at once


@pytest.mark.no_isolation
def test_a_run_overlapping_another_never_reminds_twice(committed_app):
    with committed_app.app_context():
        assignment_due(NOW + timedelta(days=1))
        assignment_due(NOW - timedelta(days=1))
    first_has_written, second_is_done = threading.Event(), threading.Event()
    results, errors = {}, []

    def first_run():
        with committed_app.app_context():
            results["first"] = reminders.send_reminders(now=NOW, within_days=3)
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
                results["second"] = reminders.send_reminders(now=NOW, within_days=3)
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

    assert results["first"].assignments == 2
    if is_postgres():
        # The first run's rows are locked, so the second skips them and sends nothing.
        assert (results["second"].assignments, errors) == (0, [])
    else:
        # SQLite lets one writer in: the second run fails and rolls back what it queued.
        assert "database is locked" in str(errors[0])
    with committed_app.app_context():
        assert remind(now=NOW + timedelta(hours=1)).assignments == 0
        sent = db.session.scalars(
            sa.select(Notification).where(Notification.kind == "review_reminder")
        ).all()
        assert len(sent) == 2
        reminded = db.session.scalars(sa.select(Assignment.last_reminded_on)).all()
        assert reminded == [NOW, NOW]
