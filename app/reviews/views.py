"""Reviewers' pages: their assignments, the review form, declines, conflicts and profile."""

from itertools import groupby

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import contains_eager, selectinload

from app import clock
from app.auth.models import Role, User
from app.calls.models import Call
from app.errors import DomainError, ValidationError
from app.extensions import db
from app.forms import EmptyForm
from app.members.models import Organization
from app.proposals import services as proposal_services
from app.proposals.display import live_content
from app.proposals.models import Proposal
from app.reviews import bp, policy, services
from app.reviews.forms import (
    CallConflictsForm,
    ConflictForm,
    DeclineForm,
    ProfileForm,
    review_form,
    score_field_name,
)
from app.reviews.models import (
    Assignment,
    AssignmentState,
    CallReviewer,
    Conflict,
    ConflictSource,
    ConflictStatus,
    Recommendation,
    Review,
    ReviewScore,
)
from app.web import (
    flash_error,
    form_error,
    get_or_404,
    require_visible,
    role_required,
    send_private_pdf,
)

reviewer_required = role_required(Role.REVIEWER)


# The dashboard


def _status(assignment: Assignment) -> str:
    if assignment.state == AssignmentState.DECLINED:
        return "declined"
    if assignment.state == AssignmentState.SUBMITTED:
        return "submitted"
    return "draft saved" if assignment.review is not None else "assigned"


@bp.route("/")
@reviewer_required
def dashboard():
    """List the reviewer's assignments, grouped by call, in one query."""
    assignments = db.session.scalars(
        sa.select(Assignment)
        .join(Assignment.proposal)
        .join(Proposal.call)
        .outerjoin(Assignment.review)
        .where(Assignment.reviewer_id == current_user.id)
        .options(
            contains_eager(Assignment.proposal).contains_eager(Proposal.call),
            contains_eager(Assignment.review),
        )
        .order_by(
            Call.review_deadline.desc(), Call.id.desc(), Assignment.due_at, Proposal.reference
        )
    ).all()
    groups = [
        (call, [(assignment, _status(assignment)) for assignment in rows])
        for call, rows in groupby(assignments, key=lambda a: a.proposal.call)
    ]
    pool_calls = db.session.scalars(
        sa.select(Call)
        .join(CallReviewer, CallReviewer.call_id == Call.id)
        .where(
            CallReviewer.user_id == current_user.id,
            Call.state.in_(policy.REVIEWING_CALL_STATES),
        )
        .order_by(Call.review_deadline.desc(), Call.id.desc())
    ).all()
    return render_template(
        "reviews/dashboard.html",
        groups=groups,
        pool_calls=pool_calls,
        conflict_form=ConflictForm(formdata=None),
        empty_form=EmptyForm(),
    )


# One assignment


def _own_assignment(assignment_id: int) -> Assignment:
    """Load an assignment the signed-in reviewer may open, or answer 404.

    Nobody else learns it exists (administrators use their own pages); neither does a
    reviewer who declined it or has a confirmed conflict with its proposal.
    """
    assignment = get_or_404(Assignment, assignment_id)
    require_visible(policy.can_open_assignment(current_user, assignment))
    return assignment


def _form_for(assignment: Assignment, *, from_request: bool):
    criteria = assignment.proposal.call.criteria
    if from_request:
        return review_form(criteria)
    form = review_form(criteria, formdata=None)
    review = assignment.review
    if review is not None:
        scores = {score.criterion_id: score.score for score in review.scores}
        for criterion in criteria:
            getattr(form, score_field_name(criterion)).data = scores.get(criterion.id)
        form.recommendation.data = review.recommendation.value if review.recommendation else ""
        form.confidence.data = review.confidence
        form.comments_to_applicant.data = review.comments_to_applicant
        form.confidential_comments.data = review.confidential_comments
    return form


def _values(form, assignment: Assignment) -> services.ReviewValues:
    return services.ReviewValues(
        scores={
            criterion.id: getattr(form, score_field_name(criterion)).data
            for criterion in assignment.proposal.call.criteria
        },
        recommendation=Recommendation(form.recommendation.data)
        if form.recommendation.data
        else None,
        confidence=form.confidence.data,
        comments_to_applicant=form.comments_to_applicant.data or "",
        confidential_comments=form.confidential_comments.data or "",
    )


def _show_problems(form, error: DomainError) -> None:
    """Put each missing piece beside its field (a submission names several at once)."""
    problems = getattr(error, "problems", None)
    if not problems:
        form_error(form, error)
        return
    for field, message in problems.items():
        form_error(form, ValidationError(message, field=field))


def _other_reviews(assignment: Assignment) -> list[Review] | None:
    """Return the other submitted reviews the call lets this reviewer see, or None if none may
    be shown yet."""
    if not policy.can_see_other_reviews(assignment):
        return None
    return db.session.scalars(
        sa.select(Review)
        .join(Review.assignment)
        .where(
            Assignment.proposal_id == assignment.proposal_id,
            Assignment.id != assignment.id,
            Review.submitted_at.is_not(None),
        )
        .options(selectinload(Review.scores).selectinload(ReviewScore.criterion))
        .order_by(Review.submitted_at, Review.id)
    ).all()


def _render_review(assignment: Assignment, form):
    proposal = assignment.proposal
    return render_template(
        "reviews/review.html",
        assignment=assignment,
        proposal=proposal,
        call=proposal.call,
        p=live_content(proposal),
        applicant=proposal.applicant,
        attachment=proposal.current_attachment,
        review=assignment.review,
        form=form,
        editable=policy.can_change_review(assignment, clock.now()),
        deadline=assignment.deadline,
        others=_other_reviews(assignment),
        decline_form=DeclineForm(formdata=None),
    )


@bp.route("/assignments/<int:assignment_id>")
@login_required
def review(assignment_id: int):
    """Show the proposal and the review form built from the call's rubric."""
    assignment = _own_assignment(assignment_id)
    return _render_review(assignment, _form_for(assignment, from_request=False))


@bp.route("/assignments/<int:assignment_id>", methods=["POST"])
@login_required
def save(assignment_id: int):
    """Save the review as it stands (a draft, or an edit of a submitted review)."""
    assignment = _own_assignment(assignment_id)
    form = _form_for(assignment, from_request=True)
    if form.validate_on_submit():
        try:
            services.save_review(assignment, _values(form, assignment), actor=current_user)
        except DomainError as error:
            db.session.rollback()
            _show_problems(form, error)
        else:
            db.session.commit()
            if assignment.state == AssignmentState.SUBMITTED:
                flash("Your changes are saved; the submitted review is updated.", "success")
            else:
                flash("Your draft is saved. Submit it when it is complete.", "success")
            return redirect(url_for("reviews.review", assignment_id=assignment.id))
    return _render_review(assignment, form)


@bp.route("/assignments/<int:assignment_id>/submit", methods=["POST"])
@login_required
def submit(assignment_id: int):
    """Save the review, then submit it; what is missing is shown beside its field."""
    assignment = _own_assignment(assignment_id)
    form = _form_for(assignment, from_request=True)
    if form.validate_on_submit():
        try:
            services.save_review(assignment, _values(form, assignment), actor=current_user)
        except DomainError as error:
            db.session.rollback()
            _show_problems(form, error)
            return _render_review(assignment, form)
        if assignment.state == AssignmentState.SUBMITTED:
            db.session.commit()
            flash("Your changes are saved; the submitted review is updated.", "success")
            return redirect(url_for("reviews.review", assignment_id=assignment.id))
        try:
            services.submit_review(assignment, actor=current_user)
        except DomainError as error:
            db.session.commit()  # keep the draft; only the submission was refused
            form.form_errors.append("Your draft is saved, but it is not complete yet.")
            _show_problems(form, error)
        else:
            db.session.commit()
            flash("Your review is submitted. Thank you.", "success")
            return redirect(url_for("reviews.review", assignment_id=assignment.id))
    return _render_review(assignment, form)


@bp.route("/assignments/<int:assignment_id>/attachment")
@login_required
def attachment(assignment_id: int):
    """Send the proposal's current PDF, named by the proposal's reference (never the
    applicant's file name, which may name them in a blind call)."""
    assignment = _own_assignment(assignment_id)
    proposal = assignment.proposal
    attached = proposal.current_attachment
    if attached is None:
        abort(404)
    return send_private_pdf(
        proposal_services.attachment_path(attached), f"{proposal.reference or 'proposal'}.pdf"
    )


@bp.route("/assignments/<int:assignment_id>/decline", methods=["POST"])
@login_required
def decline(assignment_id: int):
    """Turn down an assignment, with a reason."""
    assignment = _own_assignment(assignment_id)
    form = DeclineForm()
    if not form.validate_on_submit():
        flash("Say why you decline.", "danger")
        return redirect(url_for("reviews.review", assignment_id=assignment.id))
    try:
        services.decline_assignment(assignment, actor=current_user, reason=form.reason.data)
    except DomainError as error:
        flash_error(error)
    else:
        db.session.commit()
        flash(f"You declined {assignment.proposal.reference}.", "success")
    return redirect(url_for("reviews.dashboard"))


@bp.route("/assignments/<int:assignment_id>/conflict", methods=["POST"])
@login_required
def declare_conflict(assignment_id: int):
    """Declare a conflict with an assigned proposal; the assignment is declined with it."""
    assignment = _own_assignment(assignment_id)
    form = ConflictForm()
    if form.validate_on_submit():
        try:
            services.declare_conflict(
                assignment.proposal,
                current_user,
                actor=current_user,
                source=ConflictSource.REVIEWER_DECLARED,
                explanation=form.explanation.data or "",
            )
        except DomainError as error:
            flash_error(error)
        else:
            db.session.commit()
            flash(
                f"Your conflict with {assignment.proposal.reference} is recorded and the "
                "assignment declined. The program office will find another reviewer.",
                "success",
            )
    return redirect(url_for("reviews.dashboard"))


# Conflicts from a call's titles


def _call_titles(call: Call) -> list[Proposal]:
    return list(
        db.session.scalars(
            sa.select(Proposal)
            .where(Proposal.call_id == call.id, Proposal.state.in_(services.REVIEWABLE_STATES))
            .order_by(Proposal.reference)
        )
    )


def _declared_ids(call: Call) -> dict[int, Conflict]:
    return {
        conflict.proposal_id: conflict
        for conflict in db.session.scalars(
            sa.select(Conflict)
            .join(Conflict.proposal)
            .where(
                Proposal.call_id == call.id,
                Conflict.reviewer_id == current_user.id,
                Conflict.status == ConflictStatus.CONFIRMED,
            )
        )
    }


def _render_call_conflicts(call: Call, form: CallConflictsForm, status: int = 200):
    proposals = _call_titles(call)
    declared = _declared_ids(call)
    form.proposal_ids.choices = [
        (proposal.id, proposal.display_title)
        for proposal in proposals
        if proposal.id not in declared
    ]
    return (
        render_template(
            "reviews/call_conflicts.html",
            call=call,
            proposals=proposals,
            declared=declared,
            form=form,
        ),
        status,
    )


@bp.route("/calls/<int:call_id>/declare")
@reviewer_required
def call_conflicts(call_id: int):
    """List the call's proposal titles, and nothing else, for the reviewer to mark conflicts."""
    call = get_or_404(Call, call_id)
    require_visible(policy.can_declare_call_conflicts(current_user, call))
    return _render_call_conflicts(call, CallConflictsForm(formdata=None))


@bp.route("/calls/<int:call_id>/declare", methods=["POST"])
@reviewer_required
def declare_call_conflicts(call_id: int):
    """Record a conflict with each proposal marked; an open assignment of one is declined."""
    call = get_or_404(Call, call_id)
    require_visible(policy.can_declare_call_conflicts(current_user, call))
    form = CallConflictsForm()
    form.proposal_ids.choices = [(proposal.id, "") for proposal in _call_titles(call)]
    if not form.validate_on_submit():
        return _render_call_conflicts(call, form, 400)
    try:
        conflicts = services.declare_call_conflicts(
            call,
            form.proposal_ids.data,
            reviewer=current_user,
            explanation=form.explanation.data or "",
        )
    except DomainError as error:
        db.session.rollback()  # all or nothing: none of the marks is kept
        form_error(form, error)
        return _render_call_conflicts(call, form, 400)
    db.session.commit()
    count = len(conflicts)
    flash(
        f"Your conflict{'' if count == 1 else 's'} with {count} proposal"
        f"{'' if count == 1 else 's'} {'is' if count == 1 else 'are'} recorded. You will not be "
        "assigned them, and any open assignment of them is declined.",
        "success",
    )
    return redirect(url_for("reviews.call_conflicts", call_id=call.id))


# Profile


def _split_keywords(text: str) -> list[str]:
    return [word.strip() for word in text.replace("\n", ",").split(",") if word.strip()]


def _call_keywords(user) -> list[str]:
    """Return the keywords of the proposals in the calls whose pool the user is in."""
    rows = db.session.scalars(
        sa.select(Proposal.keywords)
        .join(CallReviewer, CallReviewer.call_id == Proposal.call_id)
        .join(Call, Call.id == Proposal.call_id)
        .where(
            CallReviewer.user_id == user.id,
            Call.state.in_(policy.REVIEWING_CALL_STATES),
            Proposal.state.in_(services.REVIEWABLE_STATES),
        )
        # The first proposal's spelling of a keyword wins: without an order, PostgreSQL may
        # offer "Grippers" one day and "grippers" the next, and refuse what the page showed.
        .order_by(Proposal.id)
    )
    seen: dict[str, str] = {}
    for keywords in rows:
        for word in _split_keywords(keywords):
            seen.setdefault(word.lower(), word)
    return sorted(seen.values(), key=str.lower)


def _profile_form(user, current):
    """Return the profile form: offered call keywords as boxes, the rest as free text."""
    offered = _call_keywords(user)
    offered_lower = {word.lower() for word in offered}
    form = ProfileForm(obj=current)
    form.call_keywords.choices = [(word, word) for word in offered]
    form.organization_id.choices = [
        ("", "None"),
        *(
            (organization.id, organization.name)
            for organization in db.session.scalars(
                sa.select(Organization).order_by(Organization.name)
            )
        ),
    ]
    if not form.is_submitted():
        known = _split_keywords(current.expertise)
        form.expertise.data = ", ".join(w for w in known if w.lower() not in offered_lower)
        form.call_keywords.data = [w for w in offered if w.lower() in {k.lower() for k in known}]
    return form


def _expertise(form) -> str:
    words = _split_keywords(form.expertise.data or "") + list(form.call_keywords.data or [])
    unique: dict[str, str] = {}
    for word in words:
        unique.setdefault(word.lower(), word)
    return ", ".join(unique.values())


def _edit_profile(user, *, template: str, done_url: str, **context):
    current = services.profile_of(user)
    form = _profile_form(user, current)
    if form.validate_on_submit():
        try:
            services.update_profile(
                user,
                actor=current_user,
                expertise=_expertise(form),
                department=(form.department.data or "").strip(),
                organization_id=form.organization_id.data,
                affiliation=(form.affiliation.data or "").strip(),
                max_load=form.max_load.data,
            )
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash(f"The reviewer profile of {user.name} is saved.", "success")
            return redirect(done_url)
    status = 400 if form.is_submitted() else 200
    return render_template(template, form=form, user=user, **context), status


@bp.route("/profile", methods=["GET", "POST"])
@reviewer_required
def profile():
    """Let reviewers edit what they know, where they work and how much they can take on."""
    return _edit_profile(
        current_user, template="reviews/profile.html", done_url=url_for("reviews.profile")
    )


@bp.route("/reviewers/<int:user_id>/profile", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_profile(user_id: int):
    """Let administrators edit any reviewer's profile."""
    user = get_or_404(User, user_id)
    require_visible(user.has_role(Role.REVIEWER))
    back = request.args.get("call_id", type=int)
    done = (
        url_for("reviews.pool", call_id=back) if back else url_for("users.detail", user_id=user.id)
    )
    return _edit_profile(user, template="reviews/profile.html", done_url=done, call_id=back)
