"""Forms for signing up, signing in and managing one's own account."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import Email, EqualTo, InputRequired, Length

from app.forms import MinimumPasswordLength, TimezoneField


class LoginForm(FlaskForm):
    """Sign in with email and password."""

    email = EmailField("Email", validators=[InputRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[InputRequired()])
    remember = BooleanField("Keep me signed in on this device")
    submit = SubmitField("Sign in")


class RegisterForm(FlaskForm):
    """Create a researcher account."""

    name = StringField("Full name", validators=[InputRequired(), Length(max=200)])
    email = EmailField(
        "Email",
        validators=[InputRequired(), Email(check_deliverability=False), Length(max=254)],
        description="Your institutional address.",
    )
    password = PasswordField("Password", validators=[InputRequired(), MinimumPasswordLength()])
    confirm = PasswordField(
        "Repeat password",
        validators=[InputRequired(), EqualTo("password", message="The passwords do not match.")],
    )
    timezone = TimezoneField()
    submit = SubmitField("Create account")


class ForgotPasswordForm(FlaskForm):
    """Ask for a reset link."""

    email = EmailField(
        "Email", validators=[InputRequired(), Email(check_deliverability=False), Length(max=254)]
    )
    submit = SubmitField("Send reset link")


class ResetPasswordForm(FlaskForm):
    """Choose a new password from a reset link."""

    password = PasswordField("New password", validators=[InputRequired(), MinimumPasswordLength()])
    confirm = PasswordField(
        "Repeat new password",
        validators=[InputRequired(), EqualTo("password", message="The passwords do not match.")],
    )
    submit = SubmitField("Set password")


class AcceptInvitationForm(FlaskForm):
    """Finish setting up an invited account."""

    name = StringField("Full name", validators=[InputRequired(), Length(max=200)])
    password = PasswordField("Password", validators=[InputRequired(), MinimumPasswordLength()])
    confirm = PasswordField(
        "Repeat password",
        validators=[InputRequired(), EqualTo("password", message="The passwords do not match.")],
    )
    timezone = TimezoneField()
    submit = SubmitField("Set up my account")


class ChangePasswordForm(FlaskForm):
    """Change one's own password."""

    current_password = PasswordField("Current password", validators=[InputRequired()])
    new_password = PasswordField(
        "New password", validators=[InputRequired(), MinimumPasswordLength()]
    )
    confirm = PasswordField(
        "Repeat new password",
        validators=[
            InputRequired(),
            EqualTo("new_password", message="The passwords do not match."),
        ],
    )
    submit = SubmitField("Change password")


class ProfileForm(FlaskForm):
    """Edit one's own name and time zone."""

    name = StringField("Full name", validators=[InputRequired(), Length(max=200)])
    timezone = TimezoneField()
    submit = SubmitField("Save profile")
