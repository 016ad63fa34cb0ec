"""Forms a reviewer fills in: the review (built from the call's rubric), declines and profile."""

from collections.abc import Iterable

from flask_wtf import FlaskForm
from wtforms import (
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.calls.models import Criterion
from app.forms import MultiCheckboxField, choices
from app.reviews.models import Recommendation


class ReviewForm(FlaskForm):
    """A review: a score per criterion (added by `review_form`), advice and comments.

    Every field is optional here: a draft saves whatever is filled in, and the service says
    what a submission still lacks.
    """

    recommendation = SelectField(
        "Recommendation",
        choices=choices([("", "Choose…"), *((r.value, r.label) for r in Recommendation)]),
        validators=[Optional()],
    )
    confidence = RadioField(
        "Confidence",
        choices=choices((n, str(n)) for n in range(1, 6)),
        coerce=int,
        validators=[Optional()],
        description="1: outside my field · 5: my own field.",
    )
    comments_to_applicant = TextAreaField(
        "Comments to the applicant",
        validators=[Length(max=20_000)],
        description="The applicant reads these, without your name.",
    )
    confidential_comments = TextAreaField(
        "Confidential comments to the committee",
        validators=[Length(max=20_000)],
        description="Only the committee and the program office read these.",
    )


def score_field_name(criterion: Criterion) -> str:
    """Return the form field of a criterion's score (the name the service's errors use)."""
    return f"score_{criterion.id}"


def review_form(criteria: Iterable[Criterion], **kwargs) -> ReviewForm:
    """Return a review form with one score field per criterion, on the criterion's scale."""

    class _ReviewForm(ReviewForm):
        pass

    for criterion in criteria:
        setattr(
            _ReviewForm,
            score_field_name(criterion),
            RadioField(
                criterion.name,
                choices=choices(
                    (n, str(n)) for n in range(criterion.scale_min, criterion.scale_max + 1)
                ),
                coerce=int,
                validators=[Optional()],
                description=criterion.guidance,
            ),
        )
    return _ReviewForm(**kwargs)


class DeclineForm(FlaskForm):
    """Turn down an assignment, saying why."""

    reason = TextAreaField(
        "Why do you decline?", validators=[DataRequired("Say why you decline."), Length(max=2000)]
    )


class ConflictForm(FlaskForm):
    """Declare a conflict of interest with an assigned proposal."""

    explanation = StringField("What is the conflict? (optional)", validators=[Length(max=2000)])


def _optional_id(value):
    return int(value) if value not in (None, "", "None") else None


class ProfileForm(FlaskForm):
    """A reviewer's profile: what they know, where they work, how much they can take on."""

    expertise = TextAreaField(
        "Expertise keywords",
        validators=[Length(max=2000)],
        description="Comma-separated, e.g. machine learning, tribology, process control.",
    )
    call_keywords = MultiCheckboxField(
        "Keywords of the proposals in your calls",
        description="Tick those you know well; they are added to your expertise.",
    )
    department = StringField("Department", validators=[Length(max=200)])
    organization_id = SelectField(
        "Member organization",
        coerce=_optional_id,
        validators=[Optional()],
        description="If you work for a member, proposals it sponsors are not given to you.",
    )
    affiliation = StringField("Affiliation", validators=[Length(max=200)])
    max_load = IntegerField(
        "Most proposals you can review per call",
        validators=[
            InputRequired("Say how many you can take on (0 for none)."),
            NumberRange(min=0, max=100),
        ],
    )
    submit = SubmitField("Save profile")


class CallConflictsForm(FlaskForm):
    """Mark the proposals of a call one has a conflict with, from their titles alone."""

    proposal_ids = MultiCheckboxField("Proposals you have a conflict with", coerce=int)
    explanation = StringField(
        "What is the conflict? (optional)",
        validators=[Length(max=2000)],
        description="For the program office; the applicants never see it.",
    )
