"""Personal access tokens on the profile page: create (shown once), list and revoke."""

from flask import flash, redirect, url_for
from flask_login import current_user, login_required

from app.api import tokens
from app.api.forms import AccessTokenForm
from app.api.models import AccessToken
from app.auth import bp
from app.auth.views import render_profile
from app.errors import DomainError
from app.extensions import db
from app.forms import EmptyForm
from app.web import form_error, get_or_404, require_visible


@bp.route("/account/tokens", methods=["POST"])
@login_required
def create_access_token():
    """Create a token and show its value once, on the page itself (never in a redirect)."""
    form = AccessTokenForm()
    if form.validate_on_submit():
        try:
            token, raw = tokens.create_token(
                current_user,
                name=form.name.data,
                expires_on=form.expires_on.data,
                actor=current_user,
            )
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            return render_profile(new_token=(token, raw))
    return render_profile(token_form=form)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_access_token(token_id: int):
    """Revoke one of one's own tokens."""
    token = get_or_404(AccessToken, token_id)
    require_visible(token.user_id == current_user.id)
    if EmptyForm().validate_on_submit():
        try:
            tokens.revoke_token(token, actor=current_user)
        except DomainError as error:
            flash(error.message, "warning")
        else:
            db.session.commit()
            flash(
                f"The token “{token.name}” is revoked; programs using it are refused now.",
                "success",
            )
    return redirect(url_for("auth.profile", _anchor="api-tokens"))
