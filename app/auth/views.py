"""Sign up, sign in and out, confirm an address, reset a password, accept an invitation."""

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from app import clock
from app.auth import bp, services
from app.auth.forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
)
from app.auth.models import TokenPurpose
from app.errors import DomainError
from app.extensions import db, limiter
from app.web import form_error, safe_next_url


def _login_rate_key() -> str:
    # Per client and per account, so one attacker cannot lock everybody out and one account
    # cannot be guessed at from one place.
    email = services.normalize_email(request.form.get("email", ""))
    return f"login:{request.remote_addr}:{email}"


def _login_failed(response) -> bool:
    return response.status_code != 302


def _begin_session(user, *, remember: bool) -> None:
    # A new session at sign-in: nothing from before (e.g. a planted session) carries over.
    session.clear()
    login_user(user, remember=remember)
    services.record_login(user)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"],
    key_func=_login_rate_key,
    methods=["POST"],
    deduct_when=_login_failed,
)
@limiter.limit("30 per 15 minutes", methods=["POST"], deduct_when=_login_failed)
def login():
    """Sign in."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            db.session.commit()  # keep the audit row of a failed attempt
            form.form_errors.append("The email or password is not right.")
        elif user.email_verified_at is None:
            services.send_verification(user)
            db.session.commit()
            form.form_errors.append(
                "Confirm your email address first: we have sent you a new link."
            )
        else:
            _begin_session(user, remember=form.remember.data)
            db.session.commit()
            flash(f"Welcome, {user.name}.", "success")
            return redirect(safe_next_url(url_for("main.home")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign out."""
    services.record_logout(current_user)
    db.session.commit()
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Create a researcher account."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    if request.method == "GET":
        form.timezone.data = current_app.config["DEFAULT_TIMEZONE"]
    if form.validate_on_submit():
        try:
            services.register_user(
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                timezone=form.timezone.data,
            )
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            return render_template("auth/check_email.html", email=form.email.data.strip())
    return render_template(
        "auth/register.html",
        form=form,
        domains=current_app.config["REGISTRATION_EMAIL_DOMAINS"],
        registration_open=current_app.config["REGISTRATION_OPEN"],
    )


@bp.route("/verify/<token>")
def verify_email(token: str):
    """Confirm an address from the emailed link and sign in."""
    try:
        user = services.verify_email(token)
    except DomainError as error:
        return render_template("auth/invalid_link.html", message=error.message), 400
    if user.is_active:
        _begin_session(user, remember=False)
    db.session.commit()
    flash("Your address is confirmed. Welcome to Seedbed.", "success")
    return redirect(url_for("main.home"))


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RESET_RATE_LIMIT"], methods=["POST"])
def forgot():
    """Ask for a password reset link."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        flash(
            "If an account uses that address, a reset link is on its way. "
            "It works once and expires in "
            f"{current_app.config['RESET_TOKEN_HOURS']} hours.",
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RESET_RATE_LIMIT"], methods=["POST"])
def reset_password(token: str):
    """Choose a new password from an emailed link."""
    if services.peek_token(token, TokenPurpose.PASSWORD_RESET) is None:
        return render_template("auth/invalid_link.html", message=services.INVALID_LINK), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.reset_password(token, form.password.data)
        except DomainError as error:
            form_error(form, error)
        else:
            _begin_session(user, remember=False)
            db.session.commit()
            flash("Your password is changed and you are signed in.", "success")
            return redirect(url_for("main.home"))
    return render_template("auth/reset.html", form=form)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """Set up an invited account."""
    invitation = services.peek_token(token, TokenPurpose.INVITATION)
    if invitation is None:
        return render_template("auth/invalid_link.html", message=services.INVALID_LINK), 400
    invited = invitation.user
    form = AcceptInvitationForm()
    if request.method == "GET":
        form.name.data = invited.name
        form.timezone.data = invited.timezone
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(
                token, name=form.name.data, password=form.password.data, timezone=form.timezone.data
            )
        except DomainError as error:
            form_error(form, error)
        else:
            if current_user.is_authenticated:
                logout_user()
            _begin_session(user, remember=False)
            db.session.commit()
            flash("Your account is ready.", "success")
            return redirect(url_for("main.home"))
    return render_template("auth/accept_invitation.html", form=form, invited=invited)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    """Show and edit one's own profile."""
    form = ProfileForm(obj=current_user)
    password_form = ChangePasswordForm(formdata=None)
    if form.validate_on_submit():
        try:
            services.update_profile(current_user, name=form.name.data, timezone=form.timezone.data)
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash("Your profile is saved.", "success")
            return redirect(url_for("auth.profile"))
    return render_profile(form=form, password_form=password_form)


def render_profile(*, form=None, password_form=None, token_form=None, new_token=None):
    """Render the profile page; forms not given start empty (a failed one keeps its input)."""
    from app.api import tokens  # noqa: PLC0415  (the API builds on accounts)
    from app.api.forms import AccessTokenForm  # noqa: PLC0415

    return render_template(
        "auth/profile.html",
        form=form or ProfileForm(formdata=None, obj=current_user),
        password_form=password_form or ChangePasswordForm(formdata=None),
        token_form=token_form or AccessTokenForm(formdata=None),
        access_tokens=tokens.active_tokens(current_user),
        new_token=new_token,
        now=clock.now(),
    )


@bp.route("/account/password", methods=["POST"])
@login_required
def change_password():
    """Change one's own password; other sessions end."""
    password_form = ChangePasswordForm()
    if password_form.validate_on_submit():
        try:
            services.change_password(
                current_user,
                current_password=password_form.current_password.data,
                new_password=password_form.new_password.data,
            )
        except DomainError as error:
            form_error(password_form, error)
        else:
            user = current_user._get_current_object()
            db.session.commit()
            _renew_session_after_password_change(user)
            flash("Your password is changed. Other devices have been signed out.", "success")
            return redirect(url_for("auth.profile"))
    return render_profile(password_form=password_form)


def _renew_session_after_password_change(user) -> None:
    session.clear()
    login_user(user)
