"""Form pieces shared by every feature."""

from functools import cache
from zoneinfo import available_timezones

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError


class EmptyForm(FlaskForm):
    """A button-only POST: carries the CSRF token and nothing else."""


class SearchForm(FlaskForm):
    """A GET filter form: no CSRF token in the address bar."""

    class Meta:
        csrf = False


def choices(pairs) -> list[SelectChoice]:
    """Return select choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


@cache
def timezone_choices() -> list[SelectChoice]:
    """Return every IANA time zone as select choices, sorted by name."""
    zones = sorted(zone for zone in available_timezones() if "/" in zone or zone == "UTC")
    return choices((zone, zone.replace("_", " ")) for zone in zones)


class TimezoneField(SelectField):
    """A select of IANA time zones."""

    def __init__(self, label="Time zone", **kwargs):
        kwargs.setdefault("description", "Times are shown to you in this zone.")
        super().__init__(label, choices=timezone_choices, **kwargs)


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes that posts several values."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class MinimumPasswordLength:
    """Check a password against PASSWORD_MIN_LENGTH at validation time."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        minimum = current_app.config["PASSWORD_MIN_LENGTH"]
        if len(field.data or "") < minimum:
            raise ValidationError(f"Use at least {minimum} characters.")
