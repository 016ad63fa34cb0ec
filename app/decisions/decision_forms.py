"""Forms for staging, releasing and revisiting decisions."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    Field,
    HiddenField,
    RadioField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.decisions.models import Outcome
from app.forms import choices

TEXT_LIMIT = 5000


class VersionField(HiddenField):
    """The version of the decision the form was drawn from: empty when there was none."""

    def process_formdata(self, valuelist):
        raw = (valuelist[0] if valuelist else "").strip()
        if not raw:
            self.data = None
            return
        try:
            self.data = int(raw)
        except ValueError:
            self.data = None
            raise ValueError("Reload the page and try again.")

    def _value(self):
        return "" if self.data is None else str(self.data)


def _amount_field(label="Amount awarded"):
    return DecimalField(
        label,
        places=2,
        validators=[Optional(), NumberRange(min=0, message="The amount cannot be negative.")],
        description="No more than requested; a smaller amount needs a reason.",
    )


def _reduction_field():
    return TextAreaField(
        "Why less than requested",
        validators=[Optional(), Length(max=2000)],
        description="Required when the amount is below the request; the applicant reads it.",
    )


def _comments_field(description="Sent to the applicant with the decision."):
    return TextAreaField(
        "Comments to the applicant",
        validators=[Optional(), Length(max=TEXT_LIMIT)],
        description=description,
    )


class DecisionForm(FlaskForm):
    """Stage one proposal's decision."""

    outcome = RadioField(
        "Decision",
        choices=choices((outcome.value, outcome.label) for outcome in Outcome),
        validators=[InputRequired(message="Choose award, decline or waitlist.")],
    )
    amount = _amount_field()
    reduction_reason = _reduction_field()
    rationale = TextAreaField(
        "Rationale",
        validators=[Optional(), Length(max=TEXT_LIMIT)],
        description="For the committee's record; never shown to the applicant.",
    )
    comments_to_applicant = _comments_field()
    version = VersionField()
    submit = SubmitField("Stage decision")


class AwardWaitlistedForm(FlaskForm):
    """Award a waitlisted proposal now that money is free."""

    amount = _amount_field()
    reduction_reason = _reduction_field()
    comments_to_applicant = _comments_field(
        "Sent with the award; leave empty to keep the comments released earlier."
    )
    version = VersionField()
    submit = SubmitField("Award and notify the applicant")


class DeclineWaitlistedForm(FlaskForm):
    """Close the waitlist for a proposal: decline it."""

    comments_to_applicant = _comments_field(
        "Sent with the decline; leave empty to keep the comments released earlier."
    )
    version = VersionField()
    submit = SubmitField("Decline and notify the applicant")


class ReleaseForm(FlaskForm):
    """Release every staged decision of a call."""

    confirm = BooleanField(
        "I have checked the decisions: tell every applicant now",
        validators=[InputRequired(message="Tick the box to confirm the release.")],
    )
    submit = SubmitField("Release decisions")


class IdListField(Field):
    """Every value posted under the field's name, as integers (a repeated hidden input)."""

    def process_formdata(self, valuelist):
        try:
            self.data = [int(value) for value in valuelist]
        except ValueError:
            self.data = []
            raise ValueError("Choose proposals from the list.")

    def _value(self):
        return ""


class AcceptSuggestionForm(FlaskForm):
    """Stage awards for the suggested set (posted by the ranking page)."""

    proposal_id = IdListField("Proposals")
