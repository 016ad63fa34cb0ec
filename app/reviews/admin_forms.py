"""Forms for the administrators' review pages: pool, conflicts and manual assignment."""

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional


class AddToPoolForm(FlaskForm):
    """Put a reviewer in a call's pool, with this call's load limits."""

    user_id = SelectField(
        "Reviewer", coerce=int, validators=[InputRequired(message="Choose a reviewer.")]
    )
    max_load = IntegerField(
        "Most proposals",
        validators=[Optional(), NumberRange(min=0, max=200)],
        description="Leave empty to use the reviewer's own limit.",
    )
    min_load = IntegerField(
        "Fewest proposals", validators=[Optional(), NumberRange(min=0, max=200)]
    )
    submit = SubmitField("Add to pool")


class DismissConflictForm(FlaskForm):
    """Dismiss a conflict of interest; the reason is kept in the audit log."""

    reason = TextAreaField(
        "Why it does not apply",
        validators=[
            InputRequired(message="Say why the conflict does not apply."),
            Length(max=2000),
        ],
    )
    submit = SubmitField("Dismiss")


class AssignForm(FlaskForm):
    """Give one proposal to one reviewer of the pool (the select is drawn per proposal)."""

    proposal_id = IntegerField(validators=[InputRequired()])
    reviewer_id = IntegerField(validators=[InputRequired(message="Choose a reviewer.")])
