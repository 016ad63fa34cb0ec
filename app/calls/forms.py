"""Forms for calls and their rubric criteria."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields import DateTimeLocalField
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional, StopValidation

from app.calls.models import CallState, InterestMode, MemberVisibility
from app.calls.services import (
    INTEREST_WEIGHT_MAX,
    INTEREST_WEIGHT_MIN,
    WEIGHT_RANGE,
    WEIGHT_REQUIRED,
)
from app.forms import choices

MARKDOWN_NOTE = "Markdown is supported: **bold**, *italic*, lists, links and tables."


class _StopOnUnreadableInput:
    """Show only "Not a valid … value" for input that cannot be read, not range errors too."""

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()


class AmountField(_StopOnUnreadableInput, DecimalField):
    """An amount of money, to the cent."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, places=2, rounding=None, **kwargs)


class WholeNumberField(_StopOnUnreadableInput, IntegerField):
    """A whole number."""


class OptionalWholeNumberField(WholeNumberField):
    """A whole number that may be left empty (data None); the form judges when it is needed."""

    def process_formdata(self, valuelist):
        if valuelist and not valuelist[0].strip():
            self.data = None
            return
        super().process_formdata(valuelist)


class ZonedDateTimeField(_StopOnUnreadableInput, DateTimeLocalField):
    """A date-and-time input read and shown in the form's time zone (`meta.zone`).

    `data` is an aware UTC instant; the browser's datetime-local input shows local wall time.
    """

    def __init__(self, label=None, validators=None, **kwargs):
        # Some browsers send seconds when the user types them; accept both.
        kwargs.setdefault("format", ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"])
        super().__init__(label, validators, **kwargs)

    @property
    def zone(self) -> ZoneInfo:
        """Return the zone the person filling in the form lives in."""
        return getattr(self.meta, "zone", None) or ZoneInfo("UTC")

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None  # left empty: for the Optional / InputRequired validators to judge
            return
        super().process_formdata(valuelist)
        if self.data is None:
            return
        local = self.data.replace(tzinfo=self.zone)
        instant = local.astimezone(UTC)
        # A wall time inside a spring-forward gap does not exist; zoneinfo would silently
        # shift it by an hour, so say so instead of storing a time nobody typed.
        if instant.astimezone(self.zone).replace(tzinfo=None) != self.data:
            self.data = None
            raise ValueError(
                f"This time does not exist in {self.zone.key}: the clocks go forward then."
            )
        self.data = instant

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        if isinstance(self.data, datetime):
            return self.data.astimezone(self.zone).strftime(self.format[0])
        return ""


class CallForm(FlaskForm):
    """Create or edit a call's settings; instants are entered in the administrator's zone."""

    title = StringField(
        "Title",
        validators=[InputRequired(message="Give the call a title."), Length(max=200)],
    )
    theme = StringField("Theme", validators=[Optional(), Length(max=200)])
    description = TextAreaField(
        "Description",
        validators=[Optional(), Length(max=20000)],
        description=MARKDOWN_NOTE,
        render_kw={"rows": 8},
    )
    eligibility = TextAreaField(
        "Eligibility",
        validators=[Optional(), Length(max=10000)],
        description=MARKDOWN_NOTE,
        render_kw={"rows": 4},
    )
    opens_at = ZonedDateTimeField(
        "Opens", validators=[InputRequired(message="Enter when the call opens.")]
    )
    closes_at = ZonedDateTimeField(
        "Closes (submission deadline)",
        validators=[InputRequired(message="Enter when the call closes.")],
    )
    review_deadline = ZonedDateTimeField("Reviews due", validators=[Optional()])
    total_budget = AmountField(
        "Total budget",
        validators=[
            InputRequired(message="Enter the total budget."),
            NumberRange(min=0.01, message="The budget must be more than zero."),
        ],
    )
    max_award = AmountField(
        "Largest award",
        validators=[
            InputRequired(message="Enter the largest award."),
            NumberRange(min=0.01, message="The largest award must be more than zero."),
        ],
    )
    reviews_per_proposal = WholeNumberField(
        "Reviews per proposal",
        validators=[
            InputRequired(message="Enter how many reviews each proposal gets."),
            NumberRange(min=1, max=20, message="Between 1 and 20 reviews per proposal."),
        ],
        default=3,
    )
    is_blind = BooleanField("Blind review (reviewers do not see who applied)")
    member_visibility = SelectField(
        "Member representatives may see",
        choices=choices((option.value, option.label) for option in MemberVisibility),
        default=MemberVisibility.NOTHING.value,
        validators=[InputRequired()],
    )
    interest_mode = SelectField(
        "Member interest",
        choices=choices((option.value, option.label) for option in InterestMode),
        # Left out of the post (an older form), it stays advisory: the safe default.
        default=InterestMode.ADVISORY.value,
    )
    interest_weight = OptionalWholeNumberField(
        "Interest weight (%)",
        description=(
            "Only when weighted: the share of the ranking score taken from member interest, "
            f"{INTEREST_WEIGHT_MIN} to {INTEREST_WEIGHT_MAX}%."
        ),
    )
    reference_prefix = StringField(
        "Reference prefix",
        validators=[InputRequired(message="Enter a reference prefix."), Length(max=12)],
        description="Proposals are numbered PREFIX-YEAR-NNN, e.g. AIM-2026-014.",
    )
    version = HiddenField()
    submit = SubmitField("Save call")

    def __init__(self, *args, zone: ZoneInfo, **kwargs):
        super().__init__(*args, meta={"zone": zone}, **kwargs)
        for field in (self.opens_at, self.closes_at, self.review_deadline):
            field.description = f"In your time zone, {zone.key}."

    def validate_interest_weight(self, field) -> None:
        """Require a weight of 1-50% when interest is weighted; ignore it when advisory."""
        if self.interest_mode.data != InterestMode.WEIGHTED.value:
            return
        if field.data is None:
            raise StopValidation(WEIGHT_REQUIRED)
        if not INTEREST_WEIGHT_MIN <= field.data <= INTEREST_WEIGHT_MAX:
            raise StopValidation(WEIGHT_RANGE)

    def values(self) -> dict:
        """Return the settings as the call services take them."""
        return {
            "title": self.title.data.strip(),
            "theme": (self.theme.data or "").strip(),
            "description": self.description.data or "",
            "eligibility": self.eligibility.data or "",
            "opens_at": self.opens_at.data,
            "closes_at": self.closes_at.data,
            "review_deadline": self.review_deadline.data,
            "total_budget": self.total_budget.data,
            "max_award": self.max_award.data,
            "reviews_per_proposal": self.reviews_per_proposal.data,
            "is_blind": bool(self.is_blind.data),
            "member_visibility": MemberVisibility(self.member_visibility.data),
            "interest_mode": InterestMode(self.interest_mode.data),
            "interest_weight": self.interest_weight.data,
            "reference_prefix": self.reference_prefix.data or "",
        }


# The states an administrator moves a call into from its page.
TARGET_STATES = [state.value for state in CallState if state != CallState.DRAFT]


class StateForm(FlaskForm):
    """Move a call to another state (the button names the target)."""

    to = HiddenField(validators=[InputRequired(), AnyOf(TARGET_STATES)])


class CriterionForm(FlaskForm):
    """Add or edit a rubric criterion."""

    name = StringField(
        "Criterion",
        validators=[InputRequired(message="Name the criterion."), Length(max=120)],
    )
    guidance = TextAreaField(
        "Guidance for reviewers",
        validators=[Optional(), Length(max=5000)],
        render_kw={"rows": 3},
    )
    weight = AmountField(
        "Weight",
        validators=[
            InputRequired(message="Enter a weight."),
            NumberRange(min=0.01, max=1000, message="The weight must be more than zero."),
        ],
        default=1,
    )
    scale_min = WholeNumberField(
        "Scale from",
        validators=[InputRequired(message="Enter the bottom of the scale."), NumberRange(0, 100)],
        default=1,
    )
    scale_max = WholeNumberField(
        "Scale to",
        validators=[InputRequired(message="Enter the top of the scale."), NumberRange(1, 100)],
        default=5,
    )
    submit = SubmitField("Save criterion")

    def values(self) -> dict:
        """Return the criterion as the rubric services take it."""
        return {
            "name": self.name.data.strip(),
            "guidance": (self.guidance.data or "").strip(),
            "weight": self.weight.data,
            "scale_min": self.scale_min.data,
            "scale_max": self.scale_max.data,
        }


class MoveForm(FlaskForm):
    """Move a criterion one place up or down the rubric."""

    direction = HiddenField(validators=[InputRequired(), AnyOf(["up", "down"])])

    @property
    def offset(self) -> int:
        """Return -1 for up, +1 for down."""
        return -1 if self.direction.data == "up" else 1
