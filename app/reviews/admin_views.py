"""The administrators' review pages: a call's pool, conflicts, assignments (by hand and
automatic) and progress."""

from decimal import Decimal

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from app import clock
from app.auth.models import Role, User
from app.calls.models import Call
from app.charts import day_chart
from app.errors import DomainError
from app.extensions import db
from app.forms import EmptyForm, choices
from app.proposals.models import Proposal
from app.reviews import admin_queries as queries
from app.reviews import bp, planning, services
from app.reviews.admin_forms import AddToPoolForm, AssignForm, DismissConflictForm, PlanForm
from app.reviews.models import AssignmentPlan, CallReviewer, Conflict, ConflictStatus, PlanState
from app.templating import viewer_zone
from app.web import flash_error, form_error, get_or_404, role_required

admin_required = role_required(Role.ADMIN)

bp.add_app_template_global(day_chart)


# Pool


def _render_pool(call: Call, form: AddToPoolForm | None = None):
    if form is None:
        form = AddToPoolForm(formdata=None)
    form.user_id.choices = _candidate_choices(call)
    return render_template(
        "reviews/admin_pool.html",
        call=call,
        rows=queries.pool_rows(call),
        form=form,
        empty_form=EmptyForm(),
    )


def _candidate_choices(call: Call):
    return choices(
        (user.id, f"{user.name} ({user.email})") for user in queries.pool_candidates(call)
    )


@bp.route("/calls/<int:call_id>/pool")
@admin_required
def pool(call_id: int):
    """List the call's reviewer pool with profiles, load limits and current loads."""
    return _render_pool(get_or_404(Call, call_id))


@bp.route("/calls/<int:call_id>/pool", methods=["POST"])
@admin_required
def add_to_pool(call_id: int):
    """Put a reviewer in the call's pool."""
    call = get_or_404(Call, call_id)
    form = AddToPoolForm()
    form.user_id.choices = _candidate_choices(call)
    if form.validate_on_submit():
        user = db.session.get(User, form.user_id.data)
        try:
            services.add_to_pool(
                call,
                user,
                actor=current_user,
                max_load=form.max_load.data,
                min_load=form.min_load.data,
            )
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash(f"{user.name} is in the pool.", "success")
            return redirect(url_for("reviews.pool", call_id=call.id))
    return _render_pool(call, form), 400


@bp.route("/pool/<int:member_id>/remove", methods=["POST"])
@admin_required
def remove_from_pool(member_id: int):
    """Take a reviewer out of a call's pool (refused while they have assignments)."""
    member = get_or_404(CallReviewer, member_id)
    call_id, name = member.call_id, member.user.name
    if EmptyForm().validate_on_submit():
        try:
            services.remove_from_pool(member, actor=current_user)
        except DomainError as error:
            flash_error(error)
        else:
            db.session.commit()
            flash(f"{name} is out of the pool.", "success")
    return redirect(url_for("reviews.pool", call_id=call_id))


# Conflicts


@bp.route("/calls/<int:call_id>/conflicts")
@admin_required
def conflicts(call_id: int):
    """List every conflict of interest in the call, with a dismiss form for confirmed ones."""
    call = get_or_404(Call, call_id)
    return render_template(
        "reviews/admin_conflicts.html",
        call=call,
        rows=queries.call_conflicts(call),
        dismiss_form=DismissConflictForm(formdata=None),
        empty_form=EmptyForm(),
        confirmed=ConflictStatus.CONFIRMED,
    )


@bp.route("/calls/<int:call_id>/conflicts/detect", methods=["POST"])
@admin_required
def detect_conflicts(call_id: int):
    """Run the conflict rules over the call's proposals and pool; say how many are new."""
    call = get_or_404(Call, call_id)
    if EmptyForm().validate_on_submit():
        created = services.detect_conflicts(call, actor=current_user)
        db.session.commit()
        if created:
            flash(
                f"{len(created)} new conflict{'' if len(created) == 1 else 's'} found.", "success"
            )
        else:
            flash("No new conflicts found.", "info")
    return redirect(url_for("reviews.conflicts", call_id=call.id))


@bp.route("/conflicts/<int:conflict_id>/dismiss", methods=["POST"])
@admin_required
def dismiss_conflict(conflict_id: int):
    """Dismiss a conflict with a reason; detection never suggests the pair again."""
    conflict = get_or_404(Conflict, conflict_id)
    call_id = conflict.proposal.call_id
    form = DismissConflictForm()
    if not form.validate_on_submit():
        flash("Say why the conflict does not apply.", "danger")
        return redirect(url_for("reviews.conflicts", call_id=call_id))
    try:
        services.dismiss_conflict(conflict, actor=current_user, reason=form.reason.data)
    except DomainError as error:
        flash_error(error)
    else:
        db.session.commit()
        flash(f"The conflict of {conflict.reviewer.name} is dismissed.", "success")
    return redirect(url_for("reviews.conflicts", call_id=call_id))


# Assignments


def _render_assignments(call: Call, plan_form: PlanForm | None = None):
    return render_template(
        "reviews/admin_assignments.html",
        call=call,
        board=queries.assignment_board(call),
        pool=queries.pool_rows(call),
        plan_form=plan_form or PlanForm(formdata=None),
        plans=planning.recent_plans(call),
    )


@bp.route("/calls/<int:call_id>/assignments")
@admin_required
def assignments(call_id: int):
    """Assign reviewers by hand or run the automatic assignment; list the recent plans."""
    return _render_assignments(get_or_404(Call, call_id))


@bp.route("/calls/<int:call_id>/assignments", methods=["POST"])
@admin_required
def assign(call_id: int):
    """Give a proposal of the call to a reviewer of its pool."""
    call = get_or_404(Call, call_id)
    form = AssignForm()
    back = redirect(url_for("reviews.assignments", call_id=call.id))
    if not form.validate_on_submit():
        flash("Choose a reviewer for the proposal.", "danger")
        return back
    proposal = db.session.get(Proposal, form.proposal_id.data)
    if proposal is None or proposal.call_id != call.id:
        abort(404)
    try:
        assignment = services.assign_from_pool(
            call, proposal, form.reviewer_id.data, actor=current_user
        )
    except DomainError as error:
        flash_error(error)
    else:
        db.session.commit()
        flash(f"{proposal.reference} is assigned to {assignment.reviewer.name}.", "success")
    return back


# Automatic assignment


@bp.route("/calls/<int:call_id>/plans", methods=["POST"])
@admin_required
def run_plan(call_id: int):
    """Solve the call's assignment with the options given and show its preview."""
    call = get_or_404(Call, call_id)
    form = PlanForm()
    if form.validate_on_submit():
        try:
            plan = planning.create_plan(call, actor=current_user, options=form.options())
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            return redirect(url_for("reviews.plan", plan_id=plan.id))
    return _render_assignments(call, form), 400


@bp.route("/plans/<int:plan_id>")
@admin_required
def plan(plan_id: int):
    """Preview a plan: its shortfalls, figures, reviewers per proposal and loads."""
    plan = get_or_404(AssignmentPlan, plan_id)
    options = plan.options
    return render_template(
        "reviews/admin_plan.html",
        call=plan.call,
        plan=plan,
        preview=planning.preview(plan),
        stale=planning.is_stale(plan),
        proposed=plan.state == PlanState.PROPOSED,
        balancing=planning.LOAD_BALANCING_LABELS.get(options.get("load_balancing"), "None"),
        empty_form=EmptyForm(),
    )


@bp.route("/plans/<int:plan_id>/deploy", methods=["POST"])
@admin_required
def deploy_plan(plan_id: int):
    """Create the plan's new assignments and tell each reviewer once."""
    plan = get_or_404(AssignmentPlan, plan_id)
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("reviews.plan", plan_id=plan.id))
    try:
        created = planning.deploy_plan(plan, actor=current_user)
    except DomainError as error:
        flash_error(error)
        return redirect(url_for("reviews.plan", plan_id=plan_id))
    db.session.commit()
    flash(f"Deployed: {created} new assignment{'' if created == 1 else 's'}.", "success")
    return redirect(url_for("reviews.assignments", call_id=plan.call_id))


@bp.route("/plans/<int:plan_id>/discard", methods=["POST"])
@admin_required
def discard_plan(plan_id: int):
    """Set a plan aside without assigning anything."""
    plan = get_or_404(AssignmentPlan, plan_id)
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("reviews.plan", plan_id=plan.id))
    try:
        planning.discard_plan(plan, actor=current_user)
    except DomainError as error:
        flash_error(error)
        return redirect(url_for("reviews.plan", plan_id=plan_id))
    db.session.commit()
    flash("The plan is discarded; nothing was assigned.", "success")
    return redirect(url_for("reviews.assignments", call_id=plan.call_id))


# Progress


@bp.route("/calls/<int:call_id>/progress")
@admin_required
def progress(call_id: int):
    """Show the review's progress: submitted reviews, scores, disagreement and who is late."""
    call = get_or_404(Call, call_id)
    threshold = Decimal(str(current_app.config["REVIEW_DISAGREEMENT_SPREAD"]))
    return render_template(
        "reviews/admin_progress.html",
        call=call,
        progress=queries.review_progress(
            call, now=clock.now(), threshold=threshold, zone=viewer_zone()
        ),
        threshold=threshold,
    )
