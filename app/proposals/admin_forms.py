"""The filter form of the administrators' proposal list."""

from wtforms import DecimalField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from app.forms import SearchForm, choices
from app.proposals.models import ProposalState
from app.proposals.queries import DEFAULT_SORT, SORT_CHOICES, STATE_ORDER

SORT_LABELS = {
    "reference": "Reference",
    "title": "Title",
    "applicant": "Applicant",
    "amount": "Requested amount",
    "submitted": "Submitted",
    "state": "State",
}


def _sort_choices() -> list[tuple[str, str]]:
    pairs = []
    for key in SORT_CHOICES:
        name = key.removeprefix("-")
        pairs.append((key, f"{SORT_LABELS[name]} {'↓' if key.startswith('-') else '↑'}"))
    return pairs


class ProposalFilterForm(SearchForm):
    """Filter and sort a call's proposals (read from the query string)."""

    state = SelectField(
        "State",
        choices=choices(
            [("", "Any state"), *((state.value, state.label) for state in STATE_ORDER)]
        ),
        validators=[Optional()],
    )
    q = StringField("Keyword", validators=[Optional(), Length(max=100)])
    applicant = StringField("Applicant", validators=[Optional(), Length(max=100)])
    min_amount = DecimalField(
        "Requested from",
        places=2,
        validators=[Optional(), NumberRange(min=0, message="Enter an amount of 0 or more.")],
    )
    max_amount = DecimalField(
        "Requested up to",
        places=2,
        validators=[Optional(), NumberRange(min=0, message="Enter an amount of 0 or more.")],
    )
    sort = SelectField(
        "Sort", choices=choices(_sort_choices()), validators=[Optional()], default=DEFAULT_SORT
    )

    def validate_max_amount(self, field) -> None:
        """Refuse a range whose top is below its bottom."""
        low = self.min_amount.data
        if field.data is not None and low is not None and field.data < low:
            raise ValidationError("The top of the range is below its bottom.")

    def criteria(self) -> dict:
        """Return the filters for proposals_for_call; a field that does not validate is left
        out (and shows its error), the others still apply."""
        self.validate()

        def valid(field):
            return None if field.errors else field.data

        state, sort = valid(self.state), valid(self.sort)
        return {
            "state": ProposalState(state) if state else None,
            "keyword": valid(self.q) or "",
            "applicant": valid(self.applicant) or "",
            "min_amount": valid(self.min_amount),
            "max_amount": valid(self.max_amount),
            "sort": sort or DEFAULT_SORT,
        }
