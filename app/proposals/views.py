"""Researchers write and submit proposals; everyone allowed reads them."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import contains_eager

from app import clock
from app.auth.models import User
from app.calls import policy as call_policy
from app.calls.models import Call
from app.decisions import decision_queries
from app.errors import DomainError, ValidationError
from app.extensions import db
from app.forms import EmptyForm, choices
from app.proposals import bp, policy, queries, services
from app.proposals.deadlines import accepts_submissions, effective_deadline
from app.proposals.display import live_content, live_declared_conflicts
from app.proposals.forms import ExtensionForm, ProposalForm, WithdrawForm
from app.proposals.models import (
    Attachment,
    BudgetCategory,
    Proposal,
    ProposalState,
    ProposalVersion,
)
from app.templating import localtime, viewer_zone
from app.web import flash_error, form_error, get_or_404, require, require_visible, send_private_pdf

SECONDS = "%d %b %Y %H:%M:%S"


# Reading


def _visible_proposal(proposal_id: int) -> Proposal:
    """Load a proposal the signed-in user may see, or answer 404."""
    proposal = get_or_404(Proposal, proposal_id)
    require_visible(policy.can_view_proposal(current_user, proposal))
    return proposal


def _version_or_404(proposal: Proposal, number: int) -> ProposalVersion:
    version = db.session.scalar(
        sa.select(ProposalVersion).where(
            ProposalVersion.proposal_id == proposal.id, ProposalVersion.number == number
        )
    )
    if version is None:
        abort(404)
    return version


def _snapshot_content(snapshot: dict) -> dict:
    """Return what a version says, in the shape proposals/_content.html reads."""
    return snapshot | {
        "requested_amount": Decimal(snapshot["requested_amount"]),
        "budget_lines": [
            {
                "category": BudgetCategory(line["category"]).label,
                "description": line["description"],
                "amount": Decimal(line["amount"]),
            }
            for line in snapshot["budget_lines"]
        ],
        "sponsors": [sponsor["name"] for sponsor in snapshot["sponsors"]],
    }


def time_left(deadline: datetime, now: datetime) -> str:
    """Say how long remains until the deadline, roughly ("3 days 4 hours")."""
    seconds = int((deadline - now).total_seconds())
    if seconds < 0:
        return "passed"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60

    def unit(number: int, name: str) -> str:
        return f"{number} {name}{'' if number == 1 else 's'}"

    if days:
        return unit(days, "day") + (f" {unit(hours, 'hour')}" if hours else "")
    if hours:
        return unit(hours, "hour") + (f" {unit(minutes, 'minute')}" if minutes else "")
    return unit(minutes, "minute") if minutes else "less than a minute"


def next_step(proposal: Proposal, now: datetime, *, is_applicant: bool) -> str:
    """Say what happens next to the proposal, for its applicant or a co-investigator."""
    deadline = localtime(effective_deadline(proposal))
    open_now = accepts_submissions(proposal, now)
    match proposal.state:
        case ProposalState.DRAFT if open_now:
            if is_applicant:
                return f"Finish and submit by {deadline}"
            return f"Draft: the applicant submits by {deadline}"
        case ProposalState.DRAFT:
            return f"Not submitted: the deadline passed on {deadline}"
        case ProposalState.SUBMITTED if open_now and is_applicant:
            return f"Submitted — you may reopen it to make changes until {deadline}"
        case ProposalState.SUBMITTED:
            return "Submitted — waiting for review"
        case ProposalState.UNDER_REVIEW:
            return "Under review"
        case ProposalState.WITHDRAWN:
            return "Withdrawn"
        case _:
            return f"Decided: {proposal.state.label.lower()}"


def _locked_message(proposal: Proposal) -> str:
    """Say why the applicant can no longer change the proposal."""
    if proposal.state == ProposalState.SUBMITTED and accepts_submissions(proposal, clock.now()):
        return "This proposal is submitted. Reopen it to change it."
    if proposal.state == ProposalState.DRAFT:
        return (
            f"The deadline passed at {localtime(effective_deadline(proposal), SECONDS)}; "
            "the proposal can no longer be changed or submitted."
        )
    return f"A {proposal.state.label.lower()} proposal can no longer be changed."


@bp.route("/mine")
@login_required
def mine():
    """List the signed-in user's proposals: as applicant and as co-investigator."""
    rows = db.session.execute(
        sa.select(Proposal, User.name)
        .join(Proposal.call)
        .join(User, User.id == Proposal.applicant_id)
        .options(contains_eager(Proposal.call))
        .where(queries.of_user(current_user))
        .order_by(Proposal.updated_at.desc(), Proposal.id.desc())
    ).all()
    now = clock.now()
    items = [
        {
            "proposal": proposal,
            "applicant_name": applicant_name,
            "is_applicant": proposal.applicant_id == current_user.id,
            "deadline": effective_deadline(proposal),
            "can_edit": policy.can_edit_proposal(current_user, proposal, now),
            "next_step": next_step(
                proposal, now, is_applicant=proposal.applicant_id == current_user.id
            ),
        }
        for proposal, applicant_name in rows
    ]
    return render_template("proposals/mine.html", items=items)


def _render_detail(proposal: Proposal, *, extension_form: ExtensionForm | None = None):
    now = clock.now()
    deadline = effective_deadline(proposal)
    is_applicant = policy.is_applicant(current_user, proposal)
    versions = db.session.execute(
        sa.select(ProposalVersion.number, ProposalVersion.submitted_at)
        .where(ProposalVersion.proposal_id == proposal.id)
        .order_by(ProposalVersion.number)
    ).all()
    can_manage = policy.can_manage_proposals(current_user)
    if extension_form is None and can_manage:
        extension_form = ExtensionForm(formdata=None)
    can_edit = policy.can_edit_proposal(current_user, proposal, now)
    return render_template(
        "proposals/detail.html",
        proposal=proposal,
        content=live_content(proposal),
        declared=(
            live_declared_conflicts(proposal)
            if policy.can_see_declared_conflicts(current_user, proposal)
            else None
        ),
        deadline=deadline,
        time_left=time_left(deadline, now),
        accepting=accepts_submissions(proposal, now),
        next_step=next_step(proposal, now, is_applicant=is_applicant),
        versions=versions,
        latest=versions[-1] if versions else None,
        is_applicant=is_applicant,
        is_co_investigator=policy.is_co_investigator(current_user, proposal),
        problems=services.submission_problems(proposal) if can_edit else {},
        can_edit=can_edit,
        can_submit=policy.can_submit_proposal(current_user, proposal, now),
        can_reopen=policy.can_reopen_proposal(current_user, proposal, now),
        can_withdraw=policy.can_withdraw_proposal(current_user, proposal),
        can_download=policy.can_download_attachment(current_user, proposal),
        can_extend=can_manage and proposal.state in (ProposalState.DRAFT, ProposalState.SUBMITTED),
        empty_form=EmptyForm(),
        withdraw_form=WithdrawForm(formdata=None),
        extension_form=extension_form,
        # Nothing of a staged decision: only a released one, and only to those who may read it.
        released_decision=decision_queries.released_for(current_user, proposal),
    )


@bp.route("/<int:proposal_id>")
@login_required
def detail(proposal_id: int):
    """Show a proposal, its versions and what can be done next."""
    return _render_detail(_visible_proposal(proposal_id))


@bp.route("/<int:proposal_id>/versions/<int:number>")
@login_required
def version(proposal_id: int, number: int):
    """Show one submitted version exactly as it was received."""
    proposal = _visible_proposal(proposal_id)
    version = _version_or_404(proposal, number)
    return render_template(
        "proposals/version.html",
        proposal=proposal,
        version=version,
        snapshot=version.snapshot,
        content=_snapshot_content(version.snapshot),
        # Versions submitted before conflicts could be declared have none.
        declared=version.snapshot.get("declared_conflicts", [])
        if policy.can_see_declared_conflicts(current_user, proposal)
        else None,
        can_download=policy.can_download_attachment(current_user, proposal),
    )


@bp.route("/<int:proposal_id>/receipt/<int:number>")
@login_required
def receipt(proposal_id: int, number: int):
    """Show the receipt of one submission: reference, version, time to the second, PDF."""
    proposal = _visible_proposal(proposal_id)
    version = _version_or_404(proposal, number)
    # The receipt is the applicant's: its time is in their zone whoever reads it.
    zone = ZoneInfo(proposal.applicant.timezone)
    received = version.submitted_at.astimezone(zone)
    return render_template(
        "proposals/receipt.html",
        proposal=proposal,
        version=version,
        snapshot=version.snapshot,
        received=f"{received.strftime(SECONDS)} {received.tzname()}"
        + ("" if received.tzname() == zone.key else f" ({zone.key})"),
        can_download=policy.can_download_attachment(current_user, proposal),
    )


def _send_pdf(attachment: Attachment, download_name: str):
    return send_private_pdf(services.attachment_path(attachment), download_name)


@bp.route("/<int:proposal_id>/attachment")
@login_required
def download(proposal_id: int):
    """Send the proposal's current PDF."""
    proposal = get_or_404(Proposal, proposal_id)
    require_visible(policy.can_download_attachment(current_user, proposal))
    attachment = proposal.current_attachment
    if attachment is None:
        abort(404)
    return _send_pdf(attachment, attachment.original_name)


@bp.route("/<int:proposal_id>/versions/<int:number>/attachment")
@login_required
def version_attachment(proposal_id: int, number: int):
    """Send the PDF a submitted version named (kept even after a later upload replaced it)."""
    proposal = get_or_404(Proposal, proposal_id)
    require_visible(policy.can_download_attachment(current_user, proposal))
    recorded = _version_or_404(proposal, number).snapshot.get("attachment")
    attachment = db.session.get(Attachment, recorded["id"]) if recorded else None
    if (
        attachment is None
        or attachment.proposal_id != proposal.id
        or attachment.sha256 != recorded["sha256"]
    ):
        abort(404)
    return _send_pdf(attachment, recorded["name"])


# Writing


def _saved_declarations(proposal: Proposal) -> dict[str, list[dict]]:
    """Return the declared conflicts as the edit form's two lists of rows."""
    return {
        "excluded_people": [
            {"name": item.person_name, "email": item.person_email or "", "reason": item.reason}
            for item in proposal.declared_conflicts
            if item.person_name is not None
        ],
        "relationships": [
            {"organization_id": item.organization_id, "reason": item.reason}
            for item in proposal.declared_conflicts
            if item.organization_id is not None
        ],
    }


def _proposal_form(proposal: Proposal, *, from_request: bool) -> ProposalForm:
    """Return the edit form: what was posted, or the proposal as saved."""
    form = (
        ProposalForm()
        if from_request
        else ProposalForm(formdata=None, obj=proposal, **_saved_declarations(proposal))
    )
    form.sponsor_ids.choices = choices(
        (organization.id, organization.name)
        for organization in services.active_sponsor_choices(clock.today())
    )
    form.offer_organizations(
        (organization.id, organization.name)
        for organization in services.relationship_choices(proposal, clock.today())
    )
    if not from_request:
        form.sponsor_ids.data = [organization.id for organization in proposal.sponsors]
    return form


def _render_edit(
    proposal: Proposal,
    form: ProposalForm,
    *,
    problems: dict[str, str] | None = None,
    read_only: bool = False,
    status: int = 200,
):
    now = clock.now()
    deadline = effective_deadline(proposal)
    form.fill_organization_choices()
    limit = current_app.config["ATTACHMENT_MAX_BYTES"] / 1_048_576
    form.attachment.description = (
        f"One PDF file of at most {limit:g} MB, uploaded when you save or submit"
        # Browsers never refill a file box: after a refused save, the file must be chosen again.
        + ("; after an error, choose it again." if form.errors and not problems else ".")
    )
    return render_template(
        "proposals/edit.html",
        proposal=proposal,
        form=form,
        problems=problems or {},
        read_only=read_only,
        deadline=deadline,
        time_left=time_left(deadline, now),
        total=form.budget_total(),
        attachment=proposal.current_attachment,
    ), status


def _refuse_edit(proposal: Proposal, form: ProposalForm):
    """Refuse a change the policy no longer allows, showing what was typed, read only."""
    form.form_errors.append(_locked_message(proposal))
    return _render_edit(proposal, form, read_only=True, status=403)


def _changed_rows(form: ProposalForm) -> bool:
    """Add or remove a row (co-investigator, budget line, person or organization declared) if
    a button asked; tell whether one did."""
    for rows, add in (
        (form.co_investigators, form.add_co_investigator),
        (form.budget_lines, form.add_budget_line),
        (form.excluded_people, form.add_excluded_person),
        (form.relationships, form.add_relationship),
    ):
        if add.data:
            rows.append_entry()
            return True
        for index, entry in enumerate(rows.entries):
            if entry.form.remove.data:
                rows.pop_entry(index)
                if not rows.entries and rows.min_entries:
                    rows.append_entry()
                return True
    return False


def _draft_values(form: ProposalForm) -> services.DraftValues:
    return services.DraftValues(
        title=form.title.data or "",
        abstract=form.abstract.data or "",
        keywords=form.keywords.data or "",
        department=form.department.data or "",
        duration_months=form.duration_months.data,
        industry_relevance=form.industry_relevance.data or "",
        co_investigators=[
            services.TeamMember(
                name=row.name.data,
                email=row.email.data,
                affiliation=row.affiliation.data or "",
                role=row.role.data or "",
            )
            for row in form.team_rows()
        ],
        budget_lines=[
            services.Line(
                category=row.category.data,
                description=row.description.data or "",
                amount=row.amount.data,
            )
            for row in form.budget_rows()
        ],
        sponsor_ids=list(form.sponsor_ids.data or []),
        excluded_people=[
            services.ExcludedPerson(
                name=row.name.data or "", email=row.email.data or "", reason=row.reason.data or ""
            )
            for row in form.excluded_rows()
        ],
        relationships=[
            services.Relationship(
                organization_id=row.organization_id.data, reason=row.reason.data or ""
            )
            for row in form.relationship_rows()
        ],
    )


def _save(proposal: Proposal, form: ProposalForm) -> None:
    """Save what the form holds, and the uploaded PDF if one was chosen (one transaction)."""
    services.save_draft(
        proposal,
        _draft_values(form),
        actor=current_user,
        expected_version=form.expected_version(),
    )
    upload = form.attachment.data
    if upload:
        services.attach_pdf(
            proposal, actor=current_user, filename=upload.filename, data=upload.read()
        )


def _show_problems(form: ProposalForm, problems: dict[str, str]) -> None:
    for name, message in problems.items():
        form_error(form, ValidationError(message, field=name))


@bp.route("/<int:proposal_id>/edit", methods=["GET", "POST"])
@login_required
def edit(proposal_id: int):
    """Edit a draft over as many sittings as it takes; an incomplete draft always saves.

    The add and remove buttons re-render the page with one row more or less and save nothing.
    """
    proposal = _visible_proposal(proposal_id)
    require(policy.is_applicant(current_user, proposal))
    editable = policy.can_edit_proposal(current_user, proposal, clock.now())
    if request.method == "GET":
        if not editable:
            flash(_locked_message(proposal), "info")
            return redirect(url_for("proposals.detail", proposal_id=proposal.id))
        return _render_edit(proposal, _proposal_form(proposal, from_request=False))
    form = _proposal_form(proposal, from_request=True)
    if not editable:
        return _refuse_edit(proposal, form)
    if _changed_rows(form):
        return _render_edit(proposal, form)
    if not form.validate_on_submit():
        return _render_edit(proposal, form)
    try:
        _save(proposal, form)
    except DomainError as error:
        db.session.rollback()
        form_error(form, error)
        return _render_edit(proposal, form)
    db.session.commit()
    flash(
        f"Your draft is saved ({localtime(clock.now(), SECONDS)}). "
        "Nothing is sent until you submit.",
        "success",
    )
    return redirect(url_for("proposals.edit", proposal_id=proposal.id))


@bp.route("/<int:proposal_id>/submit", methods=["POST"])
@login_required
def submit(proposal_id: int):
    """Submit the proposal; from the edit page, what is on the page is saved first.

    When something is missing, the draft is still saved and the edit page shows each problem
    beside its field.
    """
    proposal = _visible_proposal(proposal_id)
    require(policy.is_applicant(current_user, proposal))
    # The edit page's Submit button posts every field; the detail page's posts only a token.
    form = _proposal_form(proposal, from_request=True) if "title" in request.form else None
    if form is not None:
        if not policy.can_submit_proposal(current_user, proposal, clock.now()):
            return _refuse_edit(proposal, form)
        if not form.validate_on_submit():
            return _render_edit(proposal, form)
        try:
            _save(proposal, form)
        except DomainError as error:
            db.session.rollback()
            form_error(form, error)
            return _render_edit(proposal, form)
    elif not EmptyForm().validate_on_submit():
        return redirect(url_for("proposals.detail", proposal_id=proposal.id))
    try:
        version = services.submit_proposal(proposal, actor=current_user)
    except services.SubmissionIncomplete as error:
        if form is None:
            form = _proposal_form(proposal, from_request=False)
        else:
            db.session.commit()  # the draft itself always saves
            form.version.data = str(proposal.version)
        _show_problems(form, error.problems)
        return _render_edit(proposal, form, problems=error.problems)
    except DomainError as error:
        db.session.rollback()
        if form is not None:
            return _refuse_edit(proposal, form)
        flash_error(error)
        return redirect(url_for("proposals.detail", proposal_id=proposal.id))
    db.session.commit()
    flash(
        f"Your proposal {proposal.reference} is received as version {version.number}. "
        "A receipt is on its way to your inbox.",
        "success",
    )
    return redirect(url_for("proposals.receipt", proposal_id=proposal.id, number=version.number))


@bp.route("/<int:proposal_id>/reopen", methods=["POST"])
@login_required
def reopen(proposal_id: int):
    """Reopen a submitted proposal to change it before the deadline."""
    proposal = _visible_proposal(proposal_id)
    require(policy.is_applicant(current_user, proposal))
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("proposals.detail", proposal_id=proposal.id))
    try:
        services.reopen_proposal(proposal, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash_error(error)
        return redirect(url_for("proposals.detail", proposal_id=proposal.id))
    db.session.commit()
    flash(
        f"Your proposal is a draft again. Version {proposal.version_count} stays on record as "
        f"submitted; submit again by {localtime(effective_deadline(proposal))} or it will not "
        "be considered.",
        "warning",
    )
    return redirect(url_for("proposals.edit", proposal_id=proposal.id))


@bp.route("/<int:proposal_id>/withdraw", methods=["POST"])
@login_required
def withdraw(proposal_id: int):
    """Withdraw a proposal from consideration, optionally saying why."""
    proposal = _visible_proposal(proposal_id)
    require(policy.is_applicant(current_user, proposal))
    form = WithdrawForm()
    if not form.validate_on_submit():
        flash(" ".join(form.reason.errors) or "The form expired; try again.", "danger")
        return redirect(url_for("proposals.detail", proposal_id=proposal.id))
    try:
        services.withdraw_proposal(proposal, actor=current_user, reason=form.reason.data or "")
    except DomainError as error:
        db.session.rollback()
        flash_error(error)
    else:
        db.session.commit()
        flash("Your proposal is withdrawn.", "success")
    return redirect(url_for("proposals.detail", proposal_id=proposal.id))


@bp.route("/<int:proposal_id>/extension", methods=["POST"])
@login_required
def grant_extension(proposal_id: int):
    """Let one proposal be changed and submitted until an instant (administrators)."""
    proposal = _visible_proposal(proposal_id)
    require(policy.can_manage_proposals(current_user))
    form = ExtensionForm()
    if form.validate_on_submit():
        zone = viewer_zone()
        until = form.instant(zone)
        try:
            if until is None:
                raise ValidationError(
                    f"This time does not exist in {zone.key}: the clocks go forward then.",
                    field="until",
                )
            services.grant_extension(proposal, actor=current_user, until=until)
        except DomainError as error:
            db.session.rollback()
            form_error(form, error)
        else:
            db.session.commit()
            flash(
                f"{proposal.reference or proposal.display_title} may be changed and submitted "
                f"until {localtime(until)}. The applicant is told by email.",
                "success",
            )
            return redirect(url_for("proposals.detail", proposal_id=proposal.id))
    return _render_detail(proposal, extension_form=form)


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
    return redirect(url_for("proposals.edit", proposal_id=proposal.id))
