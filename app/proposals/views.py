"""Researchers write and submit proposals; everyone allowed reads them."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from app import clock
from app.calls import policy as call_policy
from app.calls.models import Call
from app.errors import DomainError
from app.extensions import db
from app.forms import EmptyForm
from app.proposals import bp, policy, services
from app.proposals.deadlines import effective_deadline
from app.proposals.models import Proposal
from app.web import flash_error, get_or_404, require, require_visible


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


@bp.route("/new/<int:call_id>", methods=["POST"])
@login_required
def start(call_id: int):
    """Start a draft proposal to an open call."""
    call = get_or_404(Call, call_id)
    require_visible(call_policy.can_view_call(current_user, call))
    require(call_policy.can_propose_to(current_user, call))
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("calls.detail", call_id=call.id))
    try:
        proposal = services.start_proposal(call, actor=current_user)
    except DomainError as error:
        flash_error(error)
        return redirect(url_for("calls.detail", call_id=call.id))
    db.session.commit()
    flash(
        "Your draft is started. Save as often as you like; nothing is sent until you submit.",
        "success",
    )
    return redirect(url_for("proposals.detail", proposal_id=proposal.id))
