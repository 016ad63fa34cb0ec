"""Call pages: everyone signed in reads published calls; administrators create and run them."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app import clock
from app.auth.models import Role
from app.calls import bp, policy, queries, services
from app.calls.display import time_left
from app.calls.forms import CallForm, CriterionForm, MoveForm, StateForm
from app.calls.models import CALL_TRANSITIONS, Call, CallState, Criterion
from app.errors import DomainError
from app.extensions import db
from app.forms import EmptyForm
from app.proposals import services as proposal_services
from app.templating import viewer_zone
from app.web import flash_error, form_error, get_or_404, require_visible, role_required

admin_required = role_required(Role.ADMIN)


# What each state button does, says on success and asks before it acts.
STATE_BUTTONS = {
    CallState.OPEN: {
        "label": "Open the call",
        "reopen_label": "Reopen the call",
        "confirm": "Open the call? Researchers will see it and may submit until it closes.",
        "done": "The call is open for submissions.",
    },
    CallState.CLOSED: {
        "label": "Close the call",
        "confirm": "Close the call now? Only proposals with an extension may still come in.",
        "done": "The call is closed to submissions.",
    },
    CallState.IN_REVIEW: {
        "label": "Start review",
        "confirm": "Start review? Every submitted proposal moves to review.",
        "done": "The call is in review.",
    },
    CallState.DECIDED: {
        "label": "Mark decided",
        "confirm": "Mark the call decided? Its rubric can no longer change.",
        "done": "The call is marked decided.",
    },
    CallState.ARCHIVED: {
        "label": "Archive",
        "confirm": "Archive the call? It can no longer change.",
        "done": "The call is archived.",
    },
}


def _rubric_lock(call: Call) -> str | None:
    """Say why the rubric may not change now, or None when it may."""
    # Looked up on the module, so that the review feature's definition (or a test's) is used.
    if queries.rubric_is_frozen(call):
        return "The rubric is frozen: reviews have been submitted against it."
    if call.state in (CallState.DECIDED, CallState.ARCHIVED):
        return "The rubric of a decided call cannot change."
    return None


@bp.app_context_processor
def _call_helpers() -> dict:
    return {"open_calls_now": _open_calls_now}


def _open_calls_now(limit: int = 5) -> list[tuple[Call, str]]:
    """Return the open calls with their time left, for the researcher's home card (one query)."""
    now = clock.now()
    return [(call, time_left(call.closes_at, now)) for call in queries.open_calls(now, limit)]


# Everyone signed in


@bp.route("/")
@login_required
def index():
    """List open calls (soonest deadline first) with the time left, then past calls."""
    now = clock.now()
    open_calls, past_calls = queries.calls_for_researchers(now)
    return render_template(
        "calls/index.html",
        open_calls=open_calls,
        past_calls=past_calls,
        left={call.id: time_left(call.closes_at, now) for call in open_calls},
    )


@bp.route("/<int:call_id>")
@login_required
def detail(call_id: int):
    """Show a call as researchers read it: description, dates, budget and rubric."""
    call = get_or_404(Call, call_id)
    require_visible(policy.can_view_call(current_user, call))
    now = clock.now()
    accepting = call.state == CallState.OPEN and now < call.closes_at
    return render_template(
        "calls/detail.html",
        call=call,
        accepting=accepting,
        time_left=time_left(call.closes_at, now) if accepting else None,
        can_propose=accepting and policy.can_propose_to(current_user, call),
        own_proposals=queries.proposals_by(current_user, call),
        can_manage=policy.can_manage_calls(current_user),
    )


# Administrators


@bp.route("/admin")
@admin_required
def admin_index():
    """List every call with its state, dates and proposals by state."""
    return render_template("calls/admin_index.html", rows=queries.calls_with_proposal_counts())


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def create():
    """Create a call in draft."""
    form = CallForm(zone=viewer_zone())
    if form.validate_on_submit():
        try:
            call = services.create_call(actor=current_user, **form.values())
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash(f"{call.title} is saved as a draft. Add its rubric, then open it.", "success")
            return redirect(url_for("calls.manage", call_id=call.id))
    return render_template("calls/call_form.html", form=form, call=None)


@bp.route("/<int:call_id>/edit", methods=["GET", "POST"])
@admin_required
def edit(call_id: int):
    """Edit a call's settings; a concurrent edit is caught, not overwritten."""
    call = get_or_404(Call, call_id)
    form = CallForm(obj=call, zone=viewer_zone())
    if request.method == "GET":
        form.member_visibility.data = call.member_visibility.value
        form.interest_mode.data = call.interest_mode.value
        form.interest_weight.data = call.interest_weight or None
        form.version.data = call.version
    if form.validate_on_submit():
        try:
            services.update_call(
                call,
                actor=current_user,
                expected_version=int(form.version.data or 0),
                **form.values(),
            )
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash(f"{call.title} is saved.", "success")
            return redirect(url_for("calls.manage", call_id=call.id))
    return render_template("calls/call_form.html", form=form, call=call)


def _render_manage(call: Call, criterion_form: CriterionForm | None = None):
    counts = queries.calls_with_proposal_counts(call.id)[0][1]
    lock = _rubric_lock(call)
    return render_template(
        "calls/manage.html",
        call=call,
        counts=counts,
        next_states=sorted(CALL_TRANSITIONS[call.state], key=list(CallState).index),
        buttons=STATE_BUTTONS,
        rubric_lock=lock,
        criterion_form=criterion_form or CriterionForm(formdata=None),
        empty_form=EmptyForm(),
        history=db.session.scalars(queries.call_history(call)).all(),
    )


@bp.route("/<int:call_id>/admin")
@admin_required
def manage(call_id: int):
    """Run a call: its settings, state buttons, rubric editor, proposal counts and history."""
    return _render_manage(get_or_404(Call, call_id))


@bp.route("/<int:call_id>/state", methods=["POST"])
@admin_required
def change_state(call_id: int):
    """Move a call to the state its button names."""
    call = get_or_404(Call, call_id)
    form = StateForm()
    if not form.validate_on_submit():
        flash("Choose one of the buttons to change the call's state.", "danger")
        return redirect(url_for("calls.manage", call_id=call.id))
    target = CallState(form.to.data)
    try:
        moved = proposal_services.change_call_state(call, target, actor=current_user)
    except DomainError as error:
        flash_error(error)
    else:
        db.session.commit()
        message = STATE_BUTTONS[target]["done"]
        if target == CallState.IN_REVIEW:
            message += f" {moved} submitted proposal{'' if moved == 1 else 's'} moved to review."
        flash(message, "success")
    return redirect(url_for("calls.manage", call_id=call.id))


@bp.route("/<int:call_id>/criteria", methods=["POST"])
@admin_required
def add_criterion(call_id: int):
    """Add a criterion at the end of the call's rubric."""
    call = get_or_404(Call, call_id)
    form = CriterionForm()
    if form.validate_on_submit():
        try:
            criterion = services.add_criterion(call, actor=current_user, **form.values())
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash(f"{criterion.name} is added to the rubric.", "success")
            return redirect(url_for("calls.manage", call_id=call.id, _anchor="rubric"))
    return _render_manage(call, criterion_form=form)


@bp.route("/criteria/<int:criterion_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_criterion(criterion_id: int):
    """Edit a rubric criterion."""
    criterion = get_or_404(Criterion, criterion_id)
    form = CriterionForm(obj=criterion)
    if form.validate_on_submit():
        try:
            services.update_criterion(criterion, actor=current_user, **form.values())
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash(f"{criterion.name} is saved.", "success")
            return redirect(url_for("calls.manage", call_id=criterion.call_id, _anchor="rubric"))
    return render_template(
        "calls/criterion_form.html",
        form=form,
        criterion=criterion,
        call=criterion.call,
        rubric_lock=_rubric_lock(criterion.call),
    )


@bp.route("/criteria/<int:criterion_id>/remove", methods=["POST"])
@admin_required
def remove_criterion(criterion_id: int):
    """Remove a criterion from its rubric."""
    criterion = get_or_404(Criterion, criterion_id)
    call_id, name = criterion.call_id, criterion.name
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("calls.manage", call_id=call_id))
    try:
        services.remove_criterion(criterion, actor=current_user)
    except DomainError as error:
        flash_error(error)
    else:
        db.session.commit()
        flash(f"{name} is removed from the rubric.", "success")
    return redirect(url_for("calls.manage", call_id=call_id, _anchor="rubric"))


@bp.route("/criteria/<int:criterion_id>/move", methods=["POST"])
@admin_required
def move_criterion(criterion_id: int):
    """Move a criterion one place up or down its rubric."""
    criterion = get_or_404(Criterion, criterion_id)
    form = MoveForm()
    if not form.validate_on_submit():
        flash("Choose up or down.", "danger")
    else:
        try:
            services.move_criterion(criterion, actor=current_user, offset=form.offset)
        except DomainError as error:
            flash_error(error)
        else:
            db.session.commit()
    return redirect(url_for("calls.manage", call_id=criterion.call_id, _anchor="rubric"))
