"""Forms for the award pages: a new award with its funding lines, and ending one early."""

from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.awards.models import FundingSource
from app.awards.services import MAX_LINES, FundingLineValues

LARGEST_AMOUNT = Decimal("9999999999.99")  # what Numeric(12, 2) holds
AMOUNT_RANGE = NumberRange(
    min=Decimal("0.01"), max=LARGEST_AMOUNT, message="Give an amount above zero."
)


class AmountField(DecimalField):
    """An amount of money; a blank box means no amount, not a bad number."""

    def process_formdata(self, valuelist):
        if valuelist and not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError("Enter an amount such as 25000 or 25000.50.") from error


def source_value(source: FundingSource, key: int) -> str:
    """Return a source select's value: `pool:2027` or `member:<organization id>`."""
    return f"{source.value}:{key}"


class FundingLineForm(Form):
    """One funding line; a row left entirely empty is ignored."""

    source = SelectField("Source", default="", validators=[Optional()])
    amount = AmountField("Amount", validators=[Optional(), AMOUNT_RANGE])

    def is_empty(self) -> bool:
        """Tell whether nothing was chosen or typed in this row."""
        return not self.source.data and self.amount.data is None

    def values(self) -> FundingLineValues:
        """Return the line as the service takes it."""
        kind, _, key = self.source.data.partition(":")
        source = FundingSource(kind)
        if source == FundingSource.POOL:
            return FundingLineValues(source, self.amount.data, fiscal_year=int(key))
        return FundingLineValues(source, self.amount.data, organization_id=int(key))


class AwardForm(FlaskForm):
    """Fund an awarded proposal: amount, dates, report interval and up to four funding lines."""

    amount = AmountField("Amount", validators=[InputRequired("Give the amount."), AMOUNT_RANGE])
    starts_on = DateField("Starts on", validators=[InputRequired("Give the start date.")])
    ends_on = DateField(
        "Ends on",
        validators=[InputRequired("Give the end date.")],
        description="The final report falls due on this day.",
    )
    interval = IntegerField(
        "Progress report every (months)",
        default=6,
        validators=[
            InputRequired("Give the number of months."),
            NumberRange(min=1, max=60, message="Give a number of months from 1 to 60."),
        ],
    )
    lines = FieldList(FormField(FundingLineForm), min_entries=MAX_LINES, max_entries=MAX_LINES)
    submit = SubmitField("Create award")

    def set_source_choices(self, pairs) -> None:
        """Offer these (value, label) sources in every line."""
        options = [("", "—"), *pairs]
        for entry in self.lines:
            entry.source.choices = options

    def filled_lines(self) -> list[tuple[int, FundingLineValues]]:
        """Return the form's row index and the values of each row with something in it."""
        return [
            (index, entry.form.values())
            for index, entry in enumerate(self.lines)
            if not entry.form.is_empty()
        ]

    def validate(self, extra_validators=None) -> bool:
        """Check the fields, then that each row has both a source and an amount, or neither."""
        valid = super().validate(extra_validators)
        for entry in self.lines:
            line = entry.form
            if line.is_empty():
                continue
            if not line.source.data:
                line.source.errors = [*line.source.errors, "Choose where this money comes from."]
                valid = False
            if line.amount.data is None and not line.amount.errors:
                line.amount.errors = [*line.amount.errors, "Give this line's amount."]
                valid = False
        if valid and all(entry.form.is_empty() for entry in self.lines):
            self.lines_errors.append("Add at least one funding line.")
            valid = False
        return valid

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Errors about the lines together (their sum, a year's balance), shown above them.
        self.lines_errors: list[str] = []


class TerminateForm(FlaskForm):
    """End an active award early, saying why and how much was spent."""

    reason = TextAreaField(
        "Reason",
        validators=[InputRequired("Say why the award ends."), Length(max=4000)],
        description="Sent to the applicant and kept in the award's record.",
    )
    spent_amount = AmountField(
        "Spent so far",
        validators=[
            InputRequired("Give the amount spent (0 if nothing)."),
            NumberRange(min=0, max=LARGEST_AMOUNT, message="Give an amount of zero or more."),
        ],
        description="The rest returns to the funding lines in proportion to their amounts.",
    )
    submit = SubmitField("Terminate award")
