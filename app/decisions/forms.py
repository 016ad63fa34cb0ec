"""The ranking page's options: the order of the rows and what the suggested set must respect."""

import re

from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from app.decisions.ranking import DEFAULT_SORT, SORT_LABELS, SuggestionOptions
from app.decisions.selection import GroupLimit
from app.forms import SearchForm, choices

# "robotics: 1-3", "materials: 2-", "vision: -2", "twins: 2" (exactly two).
_LIMIT_LINE = re.compile(r"^(?P<group>[^:]+):\s*(?P<low>\d*)\s*(?P<dash>-?)\s*(?P<high>\d*)$")
_LIMIT_HELP = "Write one keyword per line, as 'robotics: 1-3', 'materials: 2-' or 'vision: -2'."


def _parse_limits(text: str) -> tuple[GroupLimit, ...]:
    """Return the group limits typed one per line, or raise ValidationError naming the line."""
    limits, seen = [], set()
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        match = _LIMIT_LINE.match(line)
        if match is None or not (match["low"] or match["high"]):
            raise ValidationError(f"Line {number} ({line}): {_LIMIT_HELP}")
        group = " ".join(match["group"].split()).lower()
        if group in seen:
            raise ValidationError(f"Line {number}: {group!r} is limited twice.")
        seen.add(group)
        low = int(match["low"] or 0)
        high = int(match["high"]) if match["high"] else None
        if not match["dash"]:
            if high is not None:
                raise ValidationError(f"Line {number} ({line}): {_LIMIT_HELP}")
            high = low  # "twins: 2" means exactly two
        if high is not None and high < low:
            raise ValidationError(f"Line {number} ({line}): the maximum is below the minimum.")
        limits.append(GroupLimit(group, low, high))
    return tuple(limits)


def _references(text: str) -> list[str]:
    return [word.strip() for word in re.split(r"[,\s]+", text or "") if word.strip()]


class RankingOptionsForm(SearchForm):
    """Sort the ranking and constrain the suggested award set (read from the query string).

    Set `candidates` (reference in upper case -> proposal id, for the proposals that have a
    score) and `unscored` (references of those that have none) before calling `options`.
    """

    sort = SelectField(
        "Sort by",
        choices=choices(SORT_LABELS.items()),
        validators=[Optional()],
        default=DEFAULT_SORT,
    )
    groups = TextAreaField(
        "Awards per keyword",
        validators=[Optional(), Length(max=2000)],
        description="One keyword per line with the least and most awards: robotics: 1-3, "
        "materials: 2- (at least two), vision: -2 (at most two).",
    )
    pin_in = StringField(
        "Always include",
        validators=[Optional(), Length(max=2000)],
        description="References, separated by commas or spaces.",
    )
    pin_out = StringField(
        "Never include",
        validators=[Optional(), Length(max=2000)],
        description="References, separated by commas or spaces.",
    )

    candidates: dict[str, int] = {}
    unscored: frozenset[str] = frozenset()

    def validate_groups(self, field) -> None:
        """Refuse a line that is not a keyword with its bounds."""
        _parse_limits(field.data)

    def _pins(self, field) -> frozenset[int]:
        ids = set()
        for reference in _references(field.data):
            key = reference.upper()
            if key in self.unscored:
                raise ValidationError(f"{reference} has no submitted review, so it is not ranked.")
            if key not in self.candidates:
                raise ValidationError(f"{reference} is not a proposal of this ranking.")
            ids.add(self.candidates[key])
        return frozenset(ids)

    def validate_pin_in(self, field) -> None:
        """Refuse a reference that is not a ranked proposal of the call."""
        self._pins(field)

    def validate_pin_out(self, field) -> None:
        """Refuse a reference that is not a ranked proposal of the call."""
        self._pins(field)

    def options(self) -> SuggestionOptions:
        """Validate and return the suggestion's options; a field in error is left out (and
        shows its message), the others still apply."""
        self.validate()
        return SuggestionOptions(
            group_limits=() if self.groups.errors else _parse_limits(self.groups.data),
            pinned_in=frozenset() if self.pin_in.errors else self._pins(self.pin_in),
            pinned_out=frozenset() if self.pin_out.errors else self._pins(self.pin_out),
        )

    @property
    def sort_key(self) -> str:
        """Return the chosen order, the default when the value is not offered."""
        return (
            self.sort.data
            if self.sort.data in SORT_LABELS and not self.sort.errors
            else (DEFAULT_SORT)
        )
