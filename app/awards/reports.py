"""Every change to award reports: submission, acceptance, changes requested, reminders."""

from dataclasses import dataclass
from datetime import date
from itertools import groupby
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from app import clock
from app.audit import services as audit
from app.auth.models import Role, User, UserRole
from app.awards import services as award_services
from app.awards.models import (
    REPORT_TRANSITIONS,
    Award,
    AwardState,
    Report,
    ReportKind,
    ReportState,
)
from app.awards.report_policy import SUBMITTABLE_STATES
from app.errors import ConflictError, PermissionDenied, ValidationError, WorkflowError
from app.extensions import db
from app.notifications import services as notifications
from app.proposals.models import Proposal
from app.uploads import check_pdf, private_file_path, store_private_file
from app.urls import external_url

OWED_STATES = SUBMITTABLE_STATES

STATE_ACTIONS = {
    ReportState.SUBMITTED: "report.submitted",
    ReportState.ACCEPTED: "report.accepted",
    ReportState.CHANGES_REQUESTED: "report.changes_requested",
}


def _transition(report: Report, to: ReportState, *, actor: User, detail: dict | None = None):
    """Move a report to another state: the only code that assigns Report.state.

    Stamps who and when (submitted, or reviewed) and writes the audit event.
    """
    if to not in REPORT_TRANSITIONS[report.state]:
        raise WorkflowError(
            f"A report that is {report.state.label.lower()} cannot become {to.label.lower()}."
        )
    before, now, actor_id = report.state, clock.now(), actor.id
    # The stamps go in before the state, so no autoflush in between can break the CHECKs.
    if to == ReportState.SUBMITTED:
        report.submitted_at, report.submitted_by_id = now, actor_id
    else:
        report.reviewed_at, report.reviewed_by_id = now, actor_id
    report.state = to
    audit.record(
        actor,
        STATE_ACTIONS[to],
        report,
        {"award_id": report.award_id, "kind": report.kind.value}
        | {"from": before.value, "to": to.value}
        | (detail or {}),
    )


def _lock(report: Report) -> None:
    # Reload the row under a lock, so two requests on the same report take turns and the
    # second sees what the first did (pending changes are flushed first, or they would be lost).
    db.session.flush()
    db.session.refresh(report, with_for_update=True)


def _ensure_active(report: Report) -> None:
    if report.award.state != AwardState.ACTIVE:
        raise WorkflowError(
            f"This award is {report.award.state.label.lower()}; its reports no longer change."
        )


def submit_report(
    report: Report,
    *,
    actor: User,
    text: str,
    pdf: tuple[str, bytes] | None = None,
    expected_version: int | None = None,
) -> None:
    """Submit the report's text and optional PDF for the administrators' review.

    Only the award's applicant submits (co-investigators read), while the award is active and
    the report is due or sent back. A resubmission without a new PDF keeps the one already sent.
    Side effects: the PDF written under UPLOAD_DIR with a random name; state submitted; audit
    `report.submitted`; notification `report_submitted` to every active administrator.
    Raises: PermissionDenied for anyone but the applicant; WorkflowError when the award is not
    active or the report is not owed; ConflictError if the report changed since
    `expected_version`; ValidationError (field `text` or `attachment`) for a missing text or a
    bad file.
    """
    if report.award.proposal.applicant_id != actor.id:
        raise PermissionDenied("Only the award's principal investigator submits its reports.")
    _lock(report)
    _ensure_active(report)
    if expected_version is not None and report.version != expected_version:
        raise ConflictError(
            "This report changed in another window since you opened it. Your text is shown "
            "below; check the report's state and submit again."
        )
    if report.state not in OWED_STATES:
        raise WorkflowError(f"This report is {report.state.label.lower()}; it cannot be resent.")
    text = (text or "").strip()
    if not text:
        raise ValidationError("Write the report.", field="text")
    if pdf is not None:
        filename, data = pdf
        check_pdf(data)
        stored = store_private_file(data)
        report.attachment_name = Path(filename or "report.pdf").name[:255] or "report.pdf"
        report.attachment_stored_name = stored.stored_name
        report.attachment_size = stored.size
        report.attachment_sha256 = stored.sha256
    report.text = text
    resubmitted = report.state == ReportState.CHANGES_REQUESTED
    _transition(
        report,
        ReportState.SUBMITTED,
        actor=actor,
        detail={"resubmitted": resubmitted, "attachment_sha256": report.attachment_sha256},
    )
    admins = db.session.scalars(
        sa.select(User)
        .join(UserRole)
        .where(UserRole.role == Role.ADMIN, User.is_active.is_(True))
        .order_by(User.id)
    ).all()
    notifications.enqueue(
        "report_submitted",
        admins,
        {
            "report": report,
            "proposal": report.award.proposal,
            "submitter": actor,
            "resubmitted": resubmitted,
            "url": external_url("awards.review_report", report_id=report.id),
        },
    )


def report_file_path(report: Report) -> Path | None:
    """Return where the report's PDF is stored (None when it has none)."""
    if report.attachment_stored_name is None:
        return None
    return private_file_path(report.attachment_stored_name)


def _notify_applicant(kind: str, report: Report) -> None:
    notifications.enqueue(
        kind,
        report.award.proposal.applicant,
        {
            "report": report,
            "proposal": report.award.proposal,
            "url": external_url("awards.report", report_id=report.id),
        },
    )


def _check_version(report: Report, expected_version: int | None) -> None:
    if expected_version is not None and report.version != expected_version:
        raise ConflictError(
            "This report changed since you opened it (another administrator may have "
            "answered it). Look at it again before deciding."
        )


def accept_report(report: Report, *, actor: User, expected_version: int | None = None) -> None:
    """Accept a submitted report; accepting the final report completes the award.

    Side effects: state accepted; audit `report.accepted` (and the award's completion through
    `complete_award` for a final report); notification `report_accepted` to the applicant.
    Raises: WorkflowError when the award is not active or the report is not submitted;
    ConflictError if it changed since `expected_version`.
    """
    _lock(report)
    _ensure_active(report)
    _check_version(report, expected_version)
    _transition(report, ReportState.ACCEPTED, actor=actor)
    if report.kind == ReportKind.FINAL:
        award_services.complete_award(report.award, actor=actor)
    _notify_applicant("report_accepted", report)


def request_changes(
    report: Report, *, actor: User, comment: str, expected_version: int | None = None
) -> None:
    """Send a submitted report back to the applicant with what to change.

    Side effects: state changes requested with the comment; audit `report.changes_requested`;
    notification `report_changes_requested` to the applicant, with the comment.
    Raises: ValidationError (field `comment`) without a comment; WorkflowError when the award
    is not active or the report is not submitted; ConflictError if it changed since
    `expected_version`.
    """
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError("Say what the report should change.", field="comment")
    _lock(report)
    _ensure_active(report)
    _check_version(report, expected_version)
    _transition(report, ReportState.CHANGES_REQUESTED, actor=actor, detail={"comment": comment})
    report.review_comment = comment
    _notify_applicant("report_changes_requested", report)


# Overdue reports and reminders


def _overdue_select(today: date) -> sa.Select:
    """Select the owed reports of active awards past their due date, with award, proposal and
    applicant loaded, oldest first."""
    return (
        sa.select(Report)
        .join(Report.award)
        .join(Award.proposal)
        .join(Proposal.applicant)
        .options(
            contains_eager(Report.award)
            .contains_eager(Award.proposal)
            .contains_eager(Proposal.applicant)
        )
        .where(
            Report.state.in_(OWED_STATES),
            Report.due_on < today,
            Award.state == AwardState.ACTIVE,
        )
    )


def overdue_reports(today: date) -> list[Report]:
    """Return the reports still owed after their due date, of active awards only (one query)."""
    return list(
        db.session.scalars(_overdue_select(today).order_by(Report.due_on, Report.id)).unique()
    )


@dataclass(frozen=True)
class ReminderSummary:
    """What one run sent."""

    applicants: int
    reports: int


def send_reminders(today: date) -> ReminderSummary:
    """Email each applicant once about all their overdue reports not yet reminded today.

    A report is reminded at most once per day (the program office's day, `clock.today()`), so
    a run repeated the same day sends nothing new and the next day's run reminds again. An
    applicant whose account is deactivated is not written to (the overdue page still lists
    the report). Overlapping runs are safe: on PostgreSQL the report rows are locked with
    SKIP LOCKED, so a second run passes over those the first is reminding, and once the first
    commits their `last_reminded_on` excludes them; SQLite lets one writer in, and the other
    fails at its first write without sending.

    Side effects: `last_reminded_on` set; notification `report_reminder` per applicant; audit
    `report.reminded` per report (actor: the system). The caller commits.
    """
    rows = list(
        db.session.scalars(
            _overdue_select(today)
            .where(
                User.is_active.is_(True),
                sa.or_(Report.last_reminded_on.is_(None), Report.last_reminded_on < today),
            )
            .order_by(Proposal.applicant_id, Report.due_on, Report.id)
            # Only the report rows: a concurrent run skips what this one is reminding.
            .with_for_update(of=Report, skip_locked=True)
        ).unique()
    )
    applicants = 0
    for applicant, reports in groupby(rows, key=lambda r: r.award.proposal.applicant):
        items = [
            {
                "reference": report.award.proposal.reference,
                "title": report.award.proposal.title,
                "kind": report.kind.label,
                "due_on": report.due_on,
                "days_overdue": (today - report.due_on).days,
                "changes_requested": report.state == ReportState.CHANGES_REQUESTED,
                "url": external_url("awards.report", report_id=report.id),
            }
            for report in reports
        ]
        notifications.enqueue(
            "report_reminder",
            applicant,
            {"items": items, "mine_url": external_url("awards.mine")},
        )
        applicants += 1
    for report in rows:
        report.last_reminded_on = today
        audit.record(
            None,
            "report.reminded",
            report,
            {"award_id": report.award_id, "due_on": report.due_on.isoformat()},
        )
    return ReminderSummary(applicants=applicants, reports=len(rows))
