"""Administrators list, invite and manage users."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.audit.queries import history_of
from app.auth import services
from app.auth.models import Role, User
from app.auth.policy import can_deactivate
from app.errors import DomainError
from app.extensions import db
from app.forms import EmptyForm
from app.users import bp
from app.users.forms import DeactivateForm, GrantRoleForm, InviteForm, UserFilterForm
from app.users.queries import users_query
from app.web import flash_error, form_error, get_or_404, page_number, require, role_required


@bp.route("/")
@role_required(Role.ADMIN)
def index():
    """List and search users."""
    filters = UserFilterForm(request.args)
    valid = filters.validate()
    query = (
        users_query(
            q=filters.q.data or "", role=filters.role.data or "", status=filters.status.data or ""
        )
        if valid
        else users_query()
    )
    page = db.paginate(query, page=page_number(), per_page=50, error_out=False)
    return render_template("users/index.html", page=page, filters=filters)


@bp.route("/invite", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def invite():
    """Invite someone by email."""
    form = InviteForm()
    if form.validate_on_submit():
        try:
            user = services.invite_user(
                email=form.email.data,
                name=form.name.data or "",
                roles=[Role(value) for value in form.roles.data],
                actor=current_user,
            )
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash(f"Invitation sent to {user.email}.", "success")
            return redirect(url_for("users.detail", user_id=user.id))
    return render_template("users/invite.html", form=form)


@bp.route("/<int:user_id>")
@role_required(Role.ADMIN)
def detail(user_id: int):
    """Show one user with their roles and history."""
    user = get_or_404(User, user_id)
    grant_form = GrantRoleForm()
    grant_form.role.choices = [(role.value, role.label) for role in Role if not user.has_role(role)]
    history = db.session.scalars(history_of(user)).all()
    return render_template(
        "users/detail.html",
        user=user,
        grant_form=grant_form,
        deactivate_form=DeactivateForm(formdata=None),
        empty_form=EmptyForm(),
        history=history,
    )


@bp.route("/<int:user_id>/roles", methods=["POST"])
@role_required(Role.ADMIN)
def grant_role(user_id: int):
    """Give a user a role."""
    user = get_or_404(User, user_id)
    form = GrantRoleForm()
    if form.validate_on_submit():
        role = Role(form.role.data)
        if services.grant_role(user, role, actor=current_user):
            db.session.commit()
            flash(f"{user.name} is now also a {role.label.lower()}.", "success")
        else:
            flash(f"{user.name} already is a {role.label.lower()}.", "info")
    else:
        flash("Choose a role to grant.", "danger")
    return redirect(url_for("users.detail", user_id=user.id))


@bp.route("/<int:user_id>/roles/<role>/revoke", methods=["POST"])
@role_required(Role.ADMIN)
def revoke_role(user_id: int, role: str):
    """Take a role away from a user."""
    user = get_or_404(User, user_id)
    if role not in {known.value for known in Role}:
        abort(404)
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            services.revoke_role(user, Role(role), actor=current_user)
        except DomainError as error:
            flash_error(error)
        else:
            db.session.commit()
            flash(f"{user.name} is no longer a {Role(role).label.lower()}.", "success")
    return redirect(url_for("users.detail", user_id=user.id))


@bp.route("/<int:user_id>/deactivate", methods=["POST"])
@role_required(Role.ADMIN)
def deactivate(user_id: int):
    """Block an account."""
    user = get_or_404(User, user_id)
    require(user.id != current_user.id)
    form = DeactivateForm()
    if form.validate_on_submit() and can_deactivate(current_user, user):
        try:
            services.deactivate_user(user, actor=current_user, reason=form.reason.data or "")
        except DomainError as error:
            flash_error(error)
        else:
            db.session.commit()
            flash(f"{user.name}'s account is deactivated.", "success")
    return redirect(url_for("users.detail", user_id=user.id))


@bp.route("/<int:user_id>/reactivate", methods=["POST"])
@role_required(Role.ADMIN)
def reactivate(user_id: int):
    """Let a deactivated account sign in again."""
    user = get_or_404(User, user_id)
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            services.reactivate_user(user, actor=current_user)
        except DomainError as error:
            flash_error(error)
        else:
            db.session.commit()
            flash(f"{user.name}'s account is active again.", "success")
    return redirect(url_for("users.detail", user_id=user.id))
