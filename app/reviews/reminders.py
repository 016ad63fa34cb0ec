"""Reminders to reviewers of unfinished assignments that are due soon or overdue."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import contains_eager

from app.audit import services as audit
from app.auth.models import User
from app.calls.models import Call
from app.extensions import db
from app.notifications import services as notifications
from app.proposals.models import Proposal
from app.reviews.models import Assignment, AssignmentState
from app.reviews.services import REVIEWABLE_STATES, REVIEWING_CALL_STATES
from app.urls import external_url

# Reviews are written only while the call is closed or in review (see the review services).


@dataclass(frozen=True)
class ReminderSummary:
    """What one run sent."""

    reviewers: int
    assignments: int
    overdue: int


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


def _start_of_office_day(now: datetime) -> datetime:
    """Return the instant the program office's current day began."""
    zone = _zone(current_app.config["OFFICE_TIMEZONE"])
    return datetime.combine(now.astimezone(zone).date(), time.min, tzinfo=zone)


def send_reminders(*, now: datetime, within_days: int) -> ReminderSummary:
    """Email each reviewer about their unfinished assignments due within `within_days` or overdue.

    An unfinished assignment is still assigned (a draft review counts), of a proposal still
    under review in a call taking reviews; its due date is its own or else the call's review
    deadline, and one without either is never due. Each reviewer gets one email listing all
    of theirs. An assignment is reminded at most once per day, the program office's day
    (OFFICE_TIMEZONE, as for every other "today" in the app), so a run repeated the same day
    sends nothing new. Overlapping runs are safe: on PostgreSQL the assignments are locked
    with SKIP LOCKED, so a second run passes over those the first is reminding, and once the
    first commits their `last_reminded_on` excludes them. SQLite serialises writers: a run
    that read before the other committed fails at its first write ("database is locked") and
    sends nothing, rather than sending twice.

    Side effects: `last_reminded_on` set; notification `review_reminder` per reviewer; audit
    `assignment.reminded` per assignment (actor: the system). The caller commits.
    """
    due = sa.func.coalesce(Assignment.due_at, Call.review_deadline)
    day_began = _start_of_office_day(now)
    rows = db.session.scalars(
        sa.select(Assignment)
        .join(Assignment.proposal)
        .join(Proposal.call)
        .join(Assignment.reviewer)
        .options(
            contains_eager(Assignment.proposal).contains_eager(Proposal.call),
            contains_eager(Assignment.reviewer),
        )
        .where(
            Assignment.state == AssignmentState.ASSIGNED,
            Proposal.state.in_(REVIEWABLE_STATES),
            Call.state.in_(REVIEWING_CALL_STATES),
            User.is_active.is_(True),
            due.is_not(None),
            due <= now + timedelta(days=within_days),
            sa.or_(Assignment.last_reminded_on.is_(None), Assignment.last_reminded_on < day_began),
        )
        .order_by(Assignment.reviewer_id, due, Assignment.id)
        # Only the assignment rows: a concurrent run skips what this one is reminding.
        .with_for_update(of=Assignment, skip_locked=True)
    ).all()

    reviewers = overdue = 0
    for reviewer, assignments in groupby(rows, key=lambda a: a.reviewer):
        items = [_item(assignment, reviewer, now) for assignment in assignments]
        notifications.enqueue(
            "review_reminder",
            reviewer,
            {
                "due_soon": [item for item in items if not item["overdue"]],
                "overdue": [item for item in items if item["overdue"]],
                "dashboard_url": external_url("reviews.dashboard"),
            },
        )
        reviewers += 1
        overdue += sum(item["overdue"] for item in items)
    for assignment in rows:
        assignment.last_reminded_on = now
        audit.record(
            None,
            "assignment.reminded",
            assignment.proposal,
            {"reviewer_id": assignment.reviewer_id, "due_at": assignment.deadline.isoformat()},
        )
    return ReminderSummary(reviewers=reviewers, assignments=len(rows), overdue=overdue)


def _item(assignment: Assignment, reviewer: User, now: datetime) -> dict:
    """Describe one assignment for the email: never the team, so blind calls stay blind."""
    due = assignment.deadline.astimezone(_zone(reviewer.timezone))
    return {
        "reference": assignment.proposal.reference,
        "title": assignment.proposal.display_title,
        "due": f"{due:%d %b %Y %H:%M} {due.tzname()}",
        "overdue": assignment.deadline < now,
        "url": external_url("reviews.review", assignment_id=assignment.id),
    }
