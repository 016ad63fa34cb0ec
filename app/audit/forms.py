"""The audit log's filter form."""

from wtforms import DateField, StringField
from wtforms.validators import Length, Optional

from app.forms import SearchForm


class AuditFilterForm(SearchForm):
    """Filter audit events by actor, action, subject and dates."""

    actor = StringField("Who", validators=[Optional(), Length(max=100)])
    action = StringField("Action", validators=[Optional(), Length(max=64)])
    subject_type = StringField("Object type", validators=[Optional(), Length(max=40)])
    subject_id = StringField("Object id", validators=[Optional(), Length(max=40)])
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])
