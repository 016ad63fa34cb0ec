"""Researchers write and submit proposals; everyone allowed reads them."""

from flask import render_template
from flask_login import current_user, login_required

from app import clock
from app.proposals import bp, policy
from app.proposals.deadlines import effective_deadline
from app.proposals.models import Proposal
from app.web import get_or_404, require_visible


@bp.route("/<int:proposal_id>")
@login_required
def detail(proposal_id: int):
    """Show a proposal, its versions and what can be done next."""
    proposal = get_or_404(Proposal, proposal_id)
    require_visible(policy.can_view_proposal(current_user, proposal))
    now = clock.now()
    return render_template(
        "proposals/detail.html",
        proposal=proposal,
        deadline=effective_deadline(proposal),
        can_edit=policy.can_edit_proposal(current_user, proposal, now),
        can_reopen=policy.can_reopen_proposal(current_user, proposal, now),
        can_withdraw=policy.can_withdraw_proposal(current_user, proposal),
    )
