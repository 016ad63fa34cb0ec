"""Forms for the administrators' review pages: pool, conflicts, manual and automatic assignment."""

from flask_wtf import FlaskForm
from wtforms import FloatField, IntegerField, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.forms import choices
from app.reviews.planning import LOAD_BALANCING_LABELS, PlanOptions


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


class NumberField(FloatField):
    """A decimal number whose parse error reads like the rest of the site."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError("Enter a number such as 0.3.") from error


class PlanForm(FlaskForm):
    """Ask for an automatic assignment of a call, with its options."""

    expert_threshold = NumberField(
        "Expert threshold",
        validators=[
            Optional(),
            NumberRange(min=0, max=1, message="Give a number from 0 to 1, or leave it empty."),
        ],
        description="From 0 to 1: each proposal gets at least one reviewer whose affinity "
        "reaches it. Leave empty for no such rule.",
    )
    load_balancing = SelectField(
        "Load balancing",
        choices=choices(LOAD_BALANCING_LABELS.items()),
        default="none",
        validators=[InputRequired(message="Choose a level of load balancing.")],
    )
    submit = SubmitField("Run automatic assignment")

    def options(self) -> PlanOptions:
        """Return the options as the planning service takes them."""
        return PlanOptions(
            expert_threshold=self.expert_threshold.data,
            load_balancing=self.load_balancing.data,
        )
