"""The form a member representative answers a proposal with."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, Regexp

from app.forms import choices
from app.interest.models import InterestLevel


class InterestForm(FlaskForm):
    """The organization's interest in one proposal, and the answer's version when loaded."""

    level = RadioField(
        "Your organization's interest",
        choices=choices((level.value, level.label) for level in InterestLevel),
        validators=[InputRequired(message="Choose how much this proposal interests you.")],
    )
    comment = TextAreaField(
        "Comment",
        validators=[
            Optional(),
            Length(max=2000, message="Keep the comment under 2,000 characters."),
        ],
        description="Read by the program office and the committee, not by the applicant.",
    )
    # Empty when there was no answer yet.
    version = HiddenField(validators=[Optional(), Regexp(r"^\d+$")])

    def values(self) -> dict:
        """Return the answer as `record_interest` takes it."""
        return {
            "level": InterestLevel(self.level.data),
            "comment": (self.comment.data or "").strip(),
            "expected_version": int(self.version.data) if self.version.data else None,
        }
