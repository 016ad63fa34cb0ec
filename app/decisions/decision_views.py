"""The administrators' decision pages: a call's board, staging one proposal's decision,
accepting the suggested set, releasing, and the waitlist afterwards."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from app.auth.models import Role
from app.calls.models import Call, CallState
from app.decisions import bp, decision_queries, policy, services
from app.decisions.decision_forms import (
    AcceptSuggestionForm,
    AwardWaitlistedForm,
    DecisionForm,
    DeclineWaitlistedForm,
    ReleaseForm,
)
from app.decisions.models import Decision, Outcome
from app.errors import ConflictError, DomainError
from app.extensions import db
from app.forms import EmptyForm
from app.proposals.models import Proposal, ProposalState
from app.web import flash_error, form_error, get_or_404, role_required

admin_required = role_required(Role.ADMIN)
# The waitlist page holds two forms: the decline form's fields are prefixed to keep ids unique.
DECLINE_PREFIX = "decline"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# A call's board


def _render_index(call: Call, release_form: ReleaseForm | None = None, status: int = 200):
    return (
        render_template(
            "decisions/decide_index.html",
            call=call,
            board=decision_queries.board(call),
            release_form=release_form or ReleaseForm(formdata=None),
            empty_form=EmptyForm(),
            in_review=call.state == CallState.IN_REVIEW,
            Outcome=Outcome,
        ),
        status,
    )


@bp.route("/calls/<int:call_id>")
@admin_required
def index(call_id: int):
    """List the call's proposals with their staged or released decisions, the money they add
    up to against the budget, and the release form."""
    return _render_index(get_or_404(Call, call_id))


@bp.route("/calls/<int:call_id>/release", methods=["POST"])
@admin_required
def release(call_id: int):
    """Release every staged decision of the call, telling each applicant."""
    call = get_or_404(Call, call_id)
    form = ReleaseForm()
    if form.validate_on_submit():
        try:
            released = services.release_decisions(call, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            form_error(form, error)
        else:
            db.session.commit()
            flash(
                f"Decisions released: {_plural(released.counts['award'], 'award')}, "
                f"{_plural(released.counts['decline'], 'decline')}, "
                f"{released.counts['waitlist']} waitlisted; "
                f"{_plural(released.notified, 'email')} queued. The call is decided.",
                "success",
            )
            return redirect(url_for("decisions.index", call_id=call.id))
    return _render_index(call, form, 400)


@bp.route("/calls/<int:call_id>/accept", methods=["POST"])
@admin_required
def accept_suggestion(call_id: int):
    """Stage awards at the requested amounts for the proposals posted (the suggested set)."""
    call = get_or_404(Call, call_id)
    form = AcceptSuggestionForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(errors), "danger")
        return redirect(url_for("decisions.index", call_id=call.id))
    try:
        accepted = services.stage_suggested_awards(
            call, form.proposal_id.data or [], actor=current_user
        )
    except DomainError as error:
        db.session.rollback()
        flash_error(error)
    else:
        db.session.commit()
        message = f"{_plural(len(accepted.staged), 'award')} staged at the requested amounts."
        if accepted.kept:
            message += (
                f" {_plural(len(accepted.kept), 'proposal')} already had a decision, kept as it "
                f"was: {', '.join(p.reference for p in accepted.kept)}."
            )
        flash(message, "success")
    return redirect(url_for("decisions.index", call_id=call.id))


# One proposal


def _decidable_proposal(proposal_id: int) -> Proposal:
    return get_or_404(Proposal, proposal_id)


def _render_decide(
    proposal: Proposal,
    form: DecisionForm,
    decision: Decision | None,
    *,
    conflict: bool = False,
    status: int = 200,
):
    return (
        render_template(
            "decisions/decide.html",
            proposal=proposal,
            call=proposal.call,
            form=form,
            decision=decision,
            conflict=conflict,
            reviews=decision_queries.submitted_reviews(proposal),
            stageable=policy.is_stageable(proposal, decision),
            empty_form=EmptyForm(),
        ),
        status,
    )


@bp.route("/proposals/<int:proposal_id>", methods=["GET", "POST"])
@admin_required
def decide(proposal_id: int):
    """Stage a proposal's decision beside its reviews (names and confidential comments shown)."""
    proposal = _decidable_proposal(proposal_id)
    decision = decision_queries.decision_of(proposal)
    form = DecisionForm()
    if not form.is_submitted():
        if decision is not None:
            values = {
                "outcome": decision.outcome.value,
                "amount": decision.amount,
                "reduction_reason": decision.reduction_reason or "",
                "rationale": decision.rationale,
                "comments_to_applicant": decision.comments_to_applicant,
                "version": decision.version,
            }
        else:
            values = {"amount": proposal.requested_amount, "version": None}
        return _render_decide(proposal, DecisionForm(formdata=None, data=values), decision)
    if form.validate():
        try:
            services.stage_decision(
                proposal,
                actor=current_user,
                outcome=Outcome(form.outcome.data),
                amount=form.amount.data,
                reduction_reason=form.reduction_reason.data or "",
                rationale=form.rationale.data or "",
                comments_to_applicant=form.comments_to_applicant.data or "",
                expected_version=form.version.data,
            )
        except ConflictError as error:
            db.session.rollback()
            form_error(form, error)
            current = decision_queries.decision_of(proposal, fresh=True)
            # The user's entries stay; the version becomes the one now shown, so saving again
            # replaces it knowingly.
            form.version.data = current.version if current else None
            form.version.raw_data = None
            return _render_decide(proposal, form, current, conflict=True, status=409)
        except DomainError as error:
            db.session.rollback()
            form_error(form, error)
        else:
            db.session.commit()
            flash(
                f"Decision staged for {proposal.reference}; the applicant sees nothing yet.",
                "success",
            )
            return redirect(url_for("decisions.index", call_id=proposal.call_id))
    return _render_decide(proposal, form, decision, status=400)


@bp.route("/proposals/<int:proposal_id>/unstage", methods=["POST"])
@admin_required
def unstage(proposal_id: int):
    """Remove a proposal's staged decision."""
    proposal = _decidable_proposal(proposal_id)
    decision = decision_queries.decision_of(proposal)
    if decision is None:
        flash("This proposal has no staged decision.", "info")
    elif EmptyForm().validate_on_submit():
        try:
            services.unstage_decision(decision, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            flash_error(error)
        else:
            db.session.commit()
            flash(f"The staged decision on {proposal.reference} is removed.", "success")
    return redirect(url_for("decisions.index", call_id=proposal.call_id))


# The waitlist, after the release


def _waitlisted_forms(decision: Decision | None, proposal: Proposal):
    version = decision.version if decision else None
    return (
        AwardWaitlistedForm(
            formdata=None, data={"amount": proposal.requested_amount, "version": version}
        ),
        DeclineWaitlistedForm(formdata=None, data={"version": version}, prefix=DECLINE_PREFIX),
    )


def _render_waitlisted(proposal, decision, award_form, decline_form, status=200):
    return (
        render_template(
            "decisions/decide_waitlisted.html",
            proposal=proposal,
            call=proposal.call,
            decision=decision,
            award_form=award_form,
            decline_form=decline_form,
            board=decision_queries.board(proposal.call),
            waitlisted=proposal.state == ProposalState.WAITLISTED,
        ),
        status,
    )


@bp.route("/proposals/<int:proposal_id>/award", methods=["GET", "POST"])
@admin_required
def award_waitlisted(proposal_id: int):
    """Award a waitlisted proposal now that money is free, and tell the applicant."""
    proposal = _decidable_proposal(proposal_id)
    decision = decision_queries.decision_of(proposal)
    award_form, decline_form = _waitlisted_forms(decision, proposal)
    status = 200
    if award_form.is_submitted():
        award_form = AwardWaitlistedForm()
        if award_form.validate():
            try:
                services.award_waitlisted(
                    proposal,
                    actor=current_user,
                    amount=award_form.amount.data,
                    reduction_reason=award_form.reduction_reason.data or "",
                    comments_to_applicant=award_form.comments_to_applicant.data or "",
                    expected_version=award_form.version.data,
                )
            except DomainError as error:
                db.session.rollback()
                form_error(award_form, error)
                decision = decision_queries.decision_of(proposal, fresh=True)
            else:
                db.session.commit()
                flash(f"{proposal.reference} is awarded; the applicant is told.", "success")
                return redirect(url_for("decisions.index", call_id=proposal.call_id))
        status = 400
    return _render_waitlisted(proposal, decision, award_form, decline_form, status)


@bp.route("/proposals/<int:proposal_id>/decline", methods=["POST"])
@admin_required
def decline_waitlisted(proposal_id: int):
    """Decline a waitlisted proposal (the waitlist is closed), and tell the applicant."""
    proposal = _decidable_proposal(proposal_id)
    decision = decision_queries.decision_of(proposal)
    award_form, _ = _waitlisted_forms(decision, proposal)
    form = DeclineWaitlistedForm(prefix=DECLINE_PREFIX)
    if form.validate_on_submit():
        try:
            services.decline_waitlisted(
                proposal,
                actor=current_user,
                comments_to_applicant=form.comments_to_applicant.data or "",
                expected_version=form.version.data,
            )
        except DomainError as error:
            db.session.rollback()
            form_error(form, error)
            decision = decision_queries.decision_of(proposal, fresh=True)
        else:
            db.session.commit()
            flash(f"{proposal.reference} is declined; the applicant is told.", "success")
            return redirect(url_for("decisions.index", call_id=proposal.call_id))
    return _render_waitlisted(proposal, decision, award_form, form, 400)
