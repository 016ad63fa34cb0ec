"""Forms for administering accounts."""

from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, Optional

from app.auth.models import ROLE_LABELS, Role
from app.forms import MultiCheckboxField, SearchForm, choices

ROLE_PAIRS = [(role.value, ROLE_LABELS[role]) for role in Role]


class UserFilterForm(SearchForm):
    """Search and filter the user list."""

    q = StringField("Search", validators=[Optional(), Length(max=100)])
    role = SelectField(
        "Role", choices=choices([("", "Any role"), *ROLE_PAIRS]), validators=[Optional()]
    )
    status = SelectField(
        "Status",
        choices=choices(
            [
                ("", "Any status"),
                ("active", "Active"),
                ("inactive", "Deactivated"),
                ("invited", "Invited, not yet set up"),
            ]
        ),
        validators=[Optional()],
    )


class InviteForm(FlaskForm):
    """Invite a person by email with one or more roles."""

    email = EmailField(
        "Email", validators=[InputRequired(), Email(check_deliverability=False), Length(max=254)]
    )
    name = StringField("Name", validators=[Optional(), Length(max=200)])
    roles = MultiCheckboxField(
        "Roles",
        choices=choices(ROLE_PAIRS),
        default=[Role.REVIEWER.value],
        validators=[InputRequired(message="Choose at least one role.")],
    )
    submit = SubmitField("Send invitation")


class GrantRoleForm(FlaskForm):
    """Give a user one more role."""

    role = SelectField("Role", choices=choices(ROLE_PAIRS), validators=[InputRequired()])
    submit = SubmitField("Grant role")


class DeactivateForm(FlaskForm):
    """Deactivate an account, saying why."""

    reason = TextAreaField(
        "Reason (kept in the audit log)", validators=[Optional(), Length(max=500)]
    )
    submit = SubmitField("Deactivate account")
