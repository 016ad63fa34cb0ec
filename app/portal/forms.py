"""Forms of the member portal."""

from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ContactDetailsForm(FlaskForm):
    """A representative's own name, title and phone (the email is their sign-in address)."""

    name = StringField("Name", validators=[DataRequired(), Length(max=200)], filters=[_strip])
    title = StringField("Job title", validators=[Optional(), Length(max=120)], filters=[_strip])
    phone = StringField("Phone", validators=[Optional(), Length(max=40)], filters=[_strip])
    submit = SubmitField("Save my details")
