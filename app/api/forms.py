"""The form that creates a personal access token on the profile page."""

from flask_wtf import FlaskForm
from wtforms import DateField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional


class AccessTokenForm(FlaskForm):
    """Name a new token and, optionally, the last day it works."""

    name = StringField(
        "Token name",
        validators=[InputRequired(), Length(max=100)],
        description="What will use it, e.g. “Finance sync” — you will see this in the list.",
    )
    expires_on = DateField(
        "Expires after",
        validators=[Optional()],
        description="Leave empty for a token that works until you revoke it.",
    )
    submit = SubmitField("Create token")

    def __init__(self, *args, **kwargs):
        # Prefixed: the profile page has another form with a "name" field.
        kwargs.setdefault("prefix", "token")
        super().__init__(*args, **kwargs)
