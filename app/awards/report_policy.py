"""Who may see an award's follow-up and its reports, and who may submit and review them."""

from app.auth.models import Role
from app.auth.policy import has_role
from app.awards.models import Award, AwardState, Report, ReportState
from app.proposals.policy import is_applicant, is_co_investigator

# A report is written while it is owed: first due, or sent back with changes requested.
SUBMITTABLE_STATES = frozenset({ReportState.DUE, ReportState.CHANGES_REQUESTED})


def can_manage_reports(user) -> bool:
    """Administrators see every report, accept them or ask for changes."""
    return has_role(user, Role.ADMIN)


def is_on_award_team(user, award: Award) -> bool:
    """Tell whether the user is the award's applicant (PI) or one of its co-investigators."""
    return is_applicant(user, award.proposal) or is_co_investigator(user, award.proposal)


def can_view_award_project(user, award: Award) -> bool:
    """The team reads its award page and reports; administrators read everyone's."""
    return is_on_award_team(user, award) or can_manage_reports(user)


def can_view_report(user, report: Report) -> bool:
    """Whoever may see the award may read its reports (and their PDFs)."""
    return can_view_award_project(user, report.award)


def can_submit_report(user, report: Report) -> bool:
    """The applicant alone submits, while the award is active and the report is owed.

    Co-investigators read but do not submit: the award is made to the PI, who answers for
    its reports, as they answered for the proposal (co-investigators never edit it either).
    """
    return (
        is_applicant(user, report.award.proposal)
        and report.award.state == AwardState.ACTIVE
        and report.state in SUBMITTABLE_STATES
    )


def can_review_report(user, report: Report) -> bool:
    """Administrators accept or send back a submitted report of an active award."""
    return (
        can_manage_reports(user)
        and report.award.state == AwardState.ACTIVE
        and report.state == ReportState.SUBMITTED
    )
