"""When a proposal may still be changed and submitted: the server's clock decides."""

from datetime import datetime, timedelta

from flask import current_app

from app.calls.models import CallState
from app.proposals.models import Proposal


def effective_deadline(proposal: Proposal) -> datetime:
    """Return the last instant the proposal may be submitted: the call's close plus the grace
    period, or the proposal's own extension if that is later."""
    grace = timedelta(seconds=current_app.config["SUBMISSION_GRACE_SECONDS"])
    deadline = proposal.call.closes_at + grace
    if proposal.deadline_extension is not None and proposal.deadline_extension > deadline:
        return proposal.deadline_extension
    return deadline


def accepts_submissions(proposal: Proposal, now: datetime) -> bool:
    """Tell whether the proposal may be edited and submitted at `now`.

    An open call accepts until its deadline (inclusive); a closed call only from proposals
    granted an extension, until that extension.
    """
    state = proposal.call.state
    if state == CallState.OPEN:
        return now <= effective_deadline(proposal)
    if state == CallState.CLOSED and proposal.deadline_extension is not None:
        return now <= proposal.deadline_extension
    return False
