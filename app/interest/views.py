"""Member interest pages: representatives answer for their organization; administrators read
the answers; members follow the funded projects."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from app import clock
from app.auth.models import Role
from app.auth.policy import has_role
from app.calls.models import Call
from app.errors import ConflictError, DomainError, PermissionDenied, WorkflowError
from app.extensions import db
from app.interest import bp, policy, queries, services
from app.interest import funded as funded_queries
from app.interest.forms import InterestForm
from app.interest.models import InterestLevel
from app.members.models import Organization
from app.portal.access import MembershipNotActive, representation
from app.proposals.models import Proposal
from app.web import (
    flash_error,
    form_error,
    get_or_404,
    require,
    require_visible,
    role_required,
)

member_required = role_required(Role.MEMBER)
CLOSED_MESSAGE = "The call is decided: answers about its proposals can no longer change."


@bp.errorhandler(MembershipNotActive)
def membership_not_active(error: MembershipNotActive):
    """Explain why the member pages are closed, instead of a bare 403."""
    return render_template(
        "portal/not_active.html", contact=error.contact, status=error.status
    ), 403


def _organization() -> Organization:
    """Return the organization the signed-in representative answers for (403 if not in force)."""
    contact, _status = representation(current_user)
    return contact.organization


# Representatives


@bp.route("/")
@member_required
def calls():
    """List the calls that open their proposals to members, with the organization's progress."""
    organization = _organization()
    return render_template(
        "interest/calls.html",
        organization=organization,
        rows=queries.member_calls(organization),
    )


def _render_call(call: Call, organization: Organization, failed: tuple[int, InterestForm] | None):
    proposals = queries.member_proposals(call)
    ids = [proposal.id for proposal in proposals]
    answers = queries.organization_answers(organization, ids)
    conflicted = policy.conflicted_proposal_ids(organization, ids)
    forms = {}
    for proposal in proposals:
        if proposal.id in conflicted or not policy.interest_changeable(proposal):
            continue
        if failed is not None and failed[0] == proposal.id:
            forms[proposal.id] = failed[1]
            continue
        answer = answers.get(proposal.id)
        form = InterestForm(formdata=None)
        if answer is not None:
            form.level.data = answer.level.value
            form.comment.data = answer.comment
            form.version.data = str(answer.version)
        forms[proposal.id] = form
    return render_template(
        "interest/call.html",
        call=call,
        organization=organization,
        proposals=proposals,
        answers=answers,
        conflicted=conflicted,
        forms=forms,
        levels=list(InterestLevel),
        changeable=call.state in policy.ANSWERABLE_CALL_STATES,
    )


@bp.route("/calls/<int:call_id>")
@member_required
def call(call_id: int):
    """Show a call's proposals to a representative, with a form per proposal to answer."""
    organization = _organization()
    call = get_or_404(Call, call_id)
    require_visible(policy.call_open_to_members(call))
    return _render_call(call, organization, None)


@bp.route("/proposals/<int:proposal_id>", methods=["POST"])
@member_required
def record(proposal_id: int):
    """Record or change the organization's answer about one proposal."""
    organization = _organization()
    proposal = get_or_404(Proposal, proposal_id)
    require_visible(policy.proposal_open_to_members(proposal))
    require(not policy.organization_has_conflict(organization, proposal))
    if not policy.interest_changeable(proposal):
        flash(CLOSED_MESSAGE, "danger")
        return redirect(url_for("interest.call", call_id=proposal.call_id))
    form = InterestForm()
    if form.validate_on_submit():
        try:
            services.record_interest(proposal, organization, actor=current_user, **form.values())
        except PermissionDenied:
            abort(403)
        except WorkflowError as error:
            flash_error(error)
            return redirect(url_for("interest.call", call_id=proposal.call_id))
        except ConflictError as error:
            form_error(form, error)
            # Shown the answer now on record, a second save replaces it knowingly.
            current = services.current_answer(proposal, organization)
            form.version.data = str(current.version) if current is not None else ""
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash(
                f"{organization.name}'s interest in {proposal.reference} is recorded: "
                f"{InterestLevel(form.level.data).label}.",
                "success",
            )
            return redirect(
                url_for("interest.call", call_id=proposal.call_id, _anchor=f"p{proposal.id}")
            )
    return _render_call(proposal.call, organization, (proposal.id, form))


# Administrators


@bp.route("/calls/<int:call_id>/answers")
@role_required(Role.ADMIN)
def admin_call(call_id: int):
    """Show every organization's answer and comment per proposal, with the tallies."""
    call = get_or_404(Call, call_id)
    require(policy.can_view_answers(current_user))
    proposals = queries.member_proposals(call)
    return render_template(
        "interest/admin_call.html",
        call=call,
        proposals=proposals,
        answers=queries.call_answers(call),
        tallies=queries.tallies(call.id),
        levels=list(InterestLevel),
    )


# Funded projects


def _funded_viewer() -> Organization | None:
    """Return the representative's organization, None for an administrator; else refuse."""
    if has_role(current_user, Role.MEMBER):
        try:
            return _organization()
        except MembershipNotActive:
            if not has_role(current_user, Role.ADMIN):
                raise
    return None


@bp.route("/funded")
@role_required(Role.MEMBER, Role.ADMIN)
def funded():
    """List every funded project of the consortium: team, dates, progress and outputs."""
    organization = _funded_viewer()
    return render_template(
        "interest/funded.html",
        organization=organization,
        projects=funded_queries.funded_projects(organization, clock.today()),
    )


@bp.route("/funded/<int:award_id>")
@role_required(Role.MEMBER, Role.ADMIN)
def funded_project(award_id: int):
    """Show one funded project with its outputs: the accepted reports."""
    organization = _funded_viewer()
    project = funded_queries.funded_project(award_id, organization, clock.today())
    if project is None:
        abort(404)
    return render_template(
        "interest/funded_project.html", organization=organization, project=project
    )
