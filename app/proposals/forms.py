"""Forms for writing, submitting, withdrawing and extending proposals."""

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DecimalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields import DateTimeLocalField
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional, ValidationError

from app.forms import MultiCheckboxField, choices
from app.proposals.models import BudgetCategory
from app.proposals.services import MAX_EXCLUDED_PEOPLE, MAX_RELATIONSHIPS

LONG_TEXT = 5000
LARGEST_AMOUNT = Decimal("9999999999.99")  # what Numeric(12, 2) holds


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class AmountField(DecimalField):
    """A money amount in which a blank box means no amount, not a bad number."""

    def process_formdata(self, valuelist):
        if valuelist and not str(valuelist[0]).strip():
            self.data = None
            return
        super().process_formdata(valuelist)


class TeamMemberForm(Form):
    """One co-investigator row; a row left entirely empty is ignored."""

    name = StringField("Name", validators=[Length(max=200)], filters=[_strip])
    email = StringField("Email", validators=[Length(max=254)], filters=[_strip])
    affiliation = StringField("Affiliation", validators=[Length(max=200)], filters=[_strip])
    role = StringField("Role", validators=[Length(max=120)], filters=[_strip])
    remove = SubmitField("Remove")

    def is_empty(self) -> bool:
        """Tell whether nothing was typed in this row."""
        return not any((self.name.data, self.email.data, self.affiliation.data, self.role.data))

    def validate_name(self, field):
        if not field.data and not self.is_empty():
            raise ValidationError("Give the co-investigator's name.")

    def validate_email(self, field):
        if self.is_empty():
            return
        if not field.data:
            raise ValidationError("Give the co-investigator's email address.")
        Email(
            check_deliverability=False,
            message="Enter an email address like name@university.edu.",
        )(self, field)


class BudgetLineForm(Form):
    """One budget line; a row with no description and no amount is ignored."""

    category = SelectField(
        "Category",
        choices=choices([("", "Choose…"), *((c.value, c.label) for c in BudgetCategory)]),
        default="",
    )
    description = StringField("Description", validators=[Length(max=300)], filters=[_strip])
    amount = AmountField("Amount", places=2, rounding=None)
    remove = SubmitField("Remove")

    def is_empty(self) -> bool:
        """Tell whether nothing was typed in this row (a category alone counts as typed)."""
        typed_amount = any((value or "").strip() for value in (self.amount.raw_data or []))
        return not (self.category.data or self.description.data or typed_amount)

    def validate_category(self, field):
        if not field.data and not self.is_empty():
            raise ValidationError("Choose a category.")

    def validate_amount(self, field):
        if self.is_empty() or field.process_errors:
            return  # nothing to check, or "Not a valid decimal value." is already there
        if field.data is None:
            raise ValidationError("Give the amount.")
        if field.data <= 0:
            raise ValidationError("Each budget line needs an amount above zero.")
        if field.data > LARGEST_AMOUNT:
            raise ValidationError("This amount is too large.")
        if field.data != field.data.quantize(Decimal("0.01")):
            raise ValidationError("Give the amount in whole cents.")


def _optional_id(value):
    """Read a chosen id, where the blank "Choose…" option means none."""
    if value is None or isinstance(value, int):
        return value
    return int(value) if str(value).strip() else None


class ExcludedPersonForm(Form):
    """Someone who should not review the proposal; a row left entirely empty is ignored."""

    name = StringField("Name", validators=[Length(max=200)], filters=[_strip])
    email = StringField(
        "Email (optional)",
        validators=[Length(max=254)],
        filters=[_strip],
    )
    reason = StringField("Reason", validators=[Length(max=500)], filters=[_strip])
    remove = SubmitField("Remove")

    def is_empty(self) -> bool:
        """Tell whether nothing was typed in this row."""
        return not any((self.name.data, self.email.data, self.reason.data))

    def validate_name(self, field):
        if not field.data and not self.is_empty():
            raise ValidationError("Give the person's name.")

    def validate_email(self, field):
        if field.data:
            Email(
                check_deliverability=False,
                message="Enter an email address like name@university.edu, or leave it empty.",
            )(self, field)

    def validate_reason(self, field):
        if not field.data and not self.is_empty():
            raise ValidationError("Say why this person should not review the proposal.")


class RelationshipForm(Form):
    """A member organization the team has a relationship with; an empty row is ignored."""

    organization_id = SelectField("Organization", coerce=_optional_id, choices=[])
    reason = StringField("Relationship", validators=[Length(max=500)], filters=[_strip])
    remove = SubmitField("Remove")

    def is_empty(self) -> bool:
        """Tell whether nothing was chosen or typed in this row."""
        return self.organization_id.data is None and not self.reason.data

    def validate_organization_id(self, field):
        if field.data is None and not self.is_empty():
            raise ValidationError("Choose the organization.")

    def validate_reason(self, field):
        if not field.data and not self.is_empty():
            raise ValidationError("Say what the relationship is.")


class ProposalForm(FlaskForm):
    """Everything the applicant writes; nothing is required until the proposal is submitted."""

    title = StringField("Title", validators=[Length(max=300)], filters=[_strip])
    abstract = TextAreaField(
        "Abstract",
        validators=[Length(max=LONG_TEXT)],
        filters=[_strip],
        description=f"What you will do and why, in up to {LONG_TEXT:,} characters.",
        render_kw={"rows": 6},
    )
    keywords = StringField(
        "Keywords",
        validators=[Length(max=500)],
        filters=[_strip],
        description="Separate keywords with commas, e.g. machine learning, process control.",
    )
    department = StringField("Department", validators=[Length(max=200)], filters=[_strip])
    duration_months = IntegerField(
        "Duration in months",
        validators=[
            Optional(),
            NumberRange(min=1, max=60, message="The duration is between 1 and 60 months."),
        ],
    )
    industry_relevance = TextAreaField(
        "Relevance to industry",
        validators=[Length(max=LONG_TEXT)],
        filters=[_strip],
        description="Which member companies' problems this addresses, and how.",
        render_kw={"rows": 4},
    )
    co_investigators = FieldList(FormField(TeamMemberForm), label="Co-investigators")
    add_co_investigator = SubmitField("Add a co-investigator")
    budget_lines = FieldList(FormField(BudgetLineForm), label="Budget", min_entries=1)
    add_budget_line = SubmitField("Add a budget line")
    sponsor_ids = MultiCheckboxField("Preferred sponsor members", coerce=int)
    excluded_people = FieldList(
        FormField(ExcludedPersonForm), label="People who should not review this proposal"
    )
    add_excluded_person = SubmitField("Add a person")
    relationships = FieldList(
        FormField(RelationshipForm), label="Member organizations the team has a relationship with"
    )
    add_relationship = SubmitField("Add an organization")
    attachment = FileField(
        "Proposal PDF",
        description="The full proposal as one PDF file.",
        render_kw={"accept": ".pdf,application/pdf"},
    )
    version = HiddenField()
    save = SubmitField("Save draft")
    submit = SubmitField("Submit proposal")

    def validate_co_investigators(self, field):
        limit = current_app.config["MAX_CO_INVESTIGATORS"]
        if len(self.team_rows()) > limit:
            raise ValidationError(f"A proposal lists at most {limit} co-investigators.")

    def validate_budget_lines(self, field):
        limit = current_app.config["MAX_BUDGET_LINES"]
        if len(self.budget_rows()) > limit:
            raise ValidationError(f"A budget has at most {limit} lines.")

    def validate_excluded_people(self, field):
        rows = self.excluded_rows()
        if len(rows) > MAX_EXCLUDED_PEOPLE:
            raise ValidationError(f"Name at most {MAX_EXCLUDED_PEOPLE} people.")
        keys = [row.email.data.lower() or " ".join(row.name.data.lower().split()) for row in rows]
        if len(set(keys)) != len(keys):
            raise ValidationError("Each person is named once.")

    def validate_relationships(self, field):
        rows = self.relationship_rows()
        if len(rows) > MAX_RELATIONSHIPS:
            raise ValidationError(f"Declare at most {MAX_RELATIONSHIPS} relationships.")
        chosen = [row.organization_id.data for row in rows if row.organization_id.data is not None]
        if len(set(chosen)) != len(chosen):
            raise ValidationError("Each organization is declared once.")

    def offer_organizations(self, pairs) -> None:
        """Set the organizations each relationship row chooses from (rows added later too)."""
        self._organization_choices = choices([("", "Choose…"), *pairs])
        self.fill_organization_choices()

    def fill_organization_choices(self) -> None:
        """Give every relationship row the organizations offered (a row just added has none)."""
        for entry in self.relationships:
            entry.form.organization_id.choices = getattr(self, "_organization_choices", [])

    def excluded_rows(self) -> list[ExcludedPersonForm]:
        """Return the rows naming people that have something in them."""
        return [entry.form for entry in self.excluded_people if not entry.form.is_empty()]

    def relationship_rows(self) -> list[RelationshipForm]:
        """Return the relationship rows that have something in them."""
        return [entry.form for entry in self.relationships if not entry.form.is_empty()]

    def team_rows(self) -> list[TeamMemberForm]:
        """Return the co-investigator rows that have something in them."""
        return [entry.form for entry in self.co_investigators if not entry.form.is_empty()]

    def budget_rows(self) -> list[BudgetLineForm]:
        """Return the budget rows that have something in them."""
        return [entry.form for entry in self.budget_lines if not entry.form.is_empty()]

    def budget_total(self) -> Decimal:
        """Return the sum of the amounts as typed (those that are numbers)."""
        return sum(
            (row.amount.data for row in self.budget_rows() if row.amount.data is not None),
            Decimal("0"),
        )

    def expected_version(self) -> int | None:
        """Return the version the page was opened at (None if the post did not say)."""
        value = (self.version.data or "").strip()
        return int(value) if value.isdigit() else None


class WithdrawForm(FlaskForm):
    """Withdraw a proposal, optionally saying why."""

    reason = TextAreaField(
        "Reason (optional)",
        validators=[Optional(), Length(max=2000)],
        filters=[_strip],
        render_kw={"rows": 2},
    )
    submit = SubmitField("Withdraw proposal")


class ExtensionForm(FlaskForm):
    """Let one proposal be changed and submitted until an instant, typed in the reader's zone."""

    until = DateTimeLocalField(
        "Extend until",
        validators=[InputRequired(message="Give the date and time the extension ends.")],
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    submit = SubmitField("Grant extension")

    def instant(self, zone: ZoneInfo) -> datetime | None:
        """Return the typed wall time in `zone` as a UTC instant (None if it does not exist).

        A wall time in a spring-forward gap does not exist; zoneinfo would silently shift it.
        """
        local = self.until.data.replace(tzinfo=zone)
        instant = local.astimezone(UTC)
        if instant.astimezone(zone).replace(tzinfo=None) != self.until.data:
            return None
        return instant
