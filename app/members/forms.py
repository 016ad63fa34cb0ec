"""Forms for running membership."""

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.validators import URL, Email, InputRequired, Length, NumberRange, Optional

from app.forms import SearchForm, choices
from app.members.models import ContactRole, MembershipStatus

MONEY = {"places": 2, "rounding": None}


class TierForm(FlaskForm):
    """Create or edit a tier."""

    name = StringField("Name", validators=[InputRequired(), Length(max=80)])
    annual_fee = DecimalField(
        "Annual fee",
        validators=[InputRequired(), NumberRange(min=0, message="A fee cannot be negative.")],
        **MONEY,
    )
    representatives_allowed = IntegerField(
        "Representatives allowed",
        validators=[InputRequired(), NumberRange(min=0, max=50)],
        default=2,
    )
    votes = IntegerField(
        "Votes in member interest",
        validators=[InputRequired(), NumberRange(min=0, max=100)],
        default=1,
    )
    benefits = TextAreaField("Benefits", validators=[Optional(), Length(max=5000)])
    submit = SubmitField("Save tier")


class OrganizationForm(FlaskForm):
    """Create or edit a member organization."""

    name = StringField("Name", validators=[InputRequired(), Length(max=200)])
    tier_id = SelectField("Tier", coerce=int, validators=[InputRequired()])
    sector = StringField("Sector", validators=[Optional(), Length(max=120)])
    country = StringField("Country", validators=[Optional(), Length(max=80)])
    website = URLField(
        "Website",
        validators=[
            Optional(),
            URL(require_tld=True, message="Enter a full address, e.g. https://example.com."),
            Length(max=300),
        ],
    )
    themes = TextAreaField(
        "Themes of interest",
        validators=[Optional(), Length(max=2000)],
        description="Separate themes with commas.",
    )
    version = HiddenField()
    submit = SubmitField("Save member")


class TermForm(FlaskForm):
    """Add or correct a term of membership."""

    tier_id = SelectField("Tier", coerce=int, validators=[InputRequired()])
    starts_on = DateField("Starts on", validators=[InputRequired(message="Enter the first day.")])
    ends_on = DateField("Ends on", validators=[InputRequired(message="Enter the last day.")])
    annual_fee = DecimalField(
        "Annual fee",
        validators=[Optional(), NumberRange(min=0, message="A fee cannot be negative.")],
        description="Leave empty to use the tier's fee.",
        **MONEY,
    )
    seed_commitment = DecimalField(
        "Seed-fund commitment",
        validators=[Optional(), NumberRange(min=0, message="A commitment cannot be negative.")],
        default=0,
        **MONEY,
    )
    signed_on = DateField("Signed on", validators=[Optional()])
    submit = SubmitField("Save term")


class ContactForm(FlaskForm):
    """Add or edit a contact."""

    name = StringField("Name", validators=[InputRequired(), Length(max=200)])
    email = EmailField(
        "Email", validators=[InputRequired(), Email(check_deliverability=False), Length(max=254)]
    )
    role = SelectField(
        "Role",
        choices=choices((role.value, role.label) for role in ContactRole),
        validators=[InputRequired()],
    )
    title = StringField("Job title", validators=[Optional(), Length(max=120)])
    phone = StringField("Phone", validators=[Optional(), Length(max=40)])
    submit = SubmitField("Save contact")


class InvoiceForm(FlaskForm):
    """Issue an invoice for a term."""

    amount = DecimalField(
        "Amount",
        validators=[
            InputRequired(),
            NumberRange(min=0.01, message="The amount must be more than zero."),
        ],
        **MONEY,
    )
    issued_on = DateField("Issued on", validators=[InputRequired()])
    due_on = DateField("Due on", validators=[InputRequired()])
    submit = SubmitField("Issue invoice")


class PaymentForm(FlaskForm):
    """Record that an invoice was paid."""

    paid_on = DateField("Paid on", validators=[InputRequired()])
    reference = StringField("Payment reference", validators=[Optional(), Length(max=120)])
    submit = SubmitField("Mark paid")


class ReasonForm(FlaskForm):
    """A destructive action that needs a reason (void an invoice, withdraw a member)."""

    reason = TextAreaField(
        "Reason", validators=[InputRequired(message="Say why."), Length(max=2000)]
    )
    submit = SubmitField("Confirm")


STATUS_CHOICES = [
    ("", "Any status"),
    *((status.value, status.label) for status in MembershipStatus),
]
SORT_CHOICES = [
    ("name", "Name A–Z"),
    ("-name", "Name Z–A"),
    ("tier", "Tier"),
    ("status", "Status"),
    ("sector", "Sector"),
    ("country", "Country"),
    ("-created", "Newest first"),
]


class MemberFilterForm(SearchForm):
    """Search, filter and sort the member list."""

    q = StringField("Search", validators=[Optional(), Length(max=100)])
    tier = SelectField(
        "Tier", coerce=lambda value: int(value) if value else None, validators=[Optional()]
    )
    status = SelectField("Status", choices=choices(STATUS_CHOICES), validators=[Optional()])
    sector = SelectField("Sector", validators=[Optional()])
    country = SelectField("Country", validators=[Optional()])
    sort = SelectField(
        "Sort", choices=choices(SORT_CHOICES), validators=[Optional()], default="name"
    )


class InvoiceFilterForm(SearchForm):
    """Filter the invoice list."""

    status = SelectField(
        "Status",
        choices=choices(
            [
                ("", "Any"),
                ("issued", "Issued"),
                ("overdue", "Overdue"),
                ("paid", "Paid"),
                ("void", "Void"),
            ]
        ),
        validators=[Optional()],
    )
