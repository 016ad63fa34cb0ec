"""Member organizations, their membership terms, contacts and invoices; the member directory.

Administrators read and change everything; a representative of a member in force reads their
own organization (and edits their own contact details); every member reads the directory.
"""

from datetime import date
from decimal import Decimal

import marshmallow as ma
import sqlalchemy as sa
from flask import current_app
from marshmallow import fields, validate
from sqlalchemy.orm import contains_eager

from app import clock
from app.api.core import ApiBlueprint, actor, check_version
from app.api.schemas import (
    NO_NUL,
    ApiSchema,
    PageArgs,
    changes_to,
    integer,
    money,
    name,
    page_of,
    paginate,
    query_integer,
    sort_field,
    text,
)
from app.auth.models import Role
from app.auth.policy import has_role
from app.errors import PermissionDenied, ValidationError
from app.extensions import db
from app.members import policy, services
from app.members import queries as member_queries
from app.members.models import (
    Contact,
    ContactRole,
    Invoice,
    InvoiceStatus,
    MembershipStatus,
    MembershipTerm,
    Organization,
    Tier,
)
from app.portal import queries as portal_queries
from app.portal.access import MembershipNotActive, grace_days, representation
from app.web import get_or_404, require, require_visible

blp = ApiBlueprint(
    "members",
    "/members",
    "Member organizations, their membership terms, contacts and invoices; the member directory.",
)

# Dates the database and the date arithmetic of the services (due dates, renewals) can hold.
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2199, 12, 31)
OVERDUE = "overdue"


def day(**kwargs) -> fields.Date:
    """A calendar date (ISO 8601, e.g. 2026-07-01) from 1970 to 2199."""
    return fields.Date(
        validate=validate.Range(
            min=FIRST_DAY, max=LAST_DAY, error="Give a date from 1970 to 2199."
        ),
        **kwargs,
    )


def _website_or_empty(value: str) -> None:
    # As on the web form: a full address with a top-level domain, or nothing.
    if value:
        validate.URL(require_tld=True, error="Enter a full address, e.g. https://example.com.")(
            value
        )


# Schemas


class TierRefSchema(ma.Schema):
    """The tier an organization or a term is at."""

    id = fields.Integer()
    name = fields.String()


class TermSchema(ApiSchema):
    """One signed period of membership."""

    id = fields.Integer(dump_only=True)
    organization_id = fields.Integer(dump_only=True)
    tier_id = integer(
        1, load_default=None, metadata={"description": "Default: the organization's tier."}
    )
    tier = fields.Nested(TierRefSchema, dump_only=True)
    starts_on = day(required=True)
    ends_on = day(required=True)
    annual_fee = money(
        load_default=None,
        allow_none=True,
        metadata={"description": "Omit (or null) for the tier's fee."},
    )
    seed_commitment = money(load_default=Decimal("0"))
    signed_on = day(load_default=None, allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)


class ContactSchema(ApiSchema):
    """A person at a member organization."""

    id = fields.Integer(dump_only=True)
    organization_id = fields.Integer(dump_only=True)
    name = name(200, required=True)
    email = fields.Email(required=True, validate=validate.Length(max=254))
    role = fields.Enum(ContactRole, by_value=True, required=True)
    title = text(120, load_default="", metadata={"description": "Job title."})
    phone = text(40, load_default="")
    is_representative = fields.Boolean(
        dump_only=True, metadata={"description": "Signs in as a member representative."}
    )
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)

    @ma.post_dump(pass_original=True)
    def _hide_colleagues_phone(self, data: dict, contact: Contact, **kwargs) -> dict:
        """As in the portal, a representative sees colleagues' email and title, not phone."""
        viewer = actor()
        if not policy.can_manage_members(viewer) and contact.user_id != viewer.id:
            data.pop("phone", None)
        return data


class OrganizationSchema(ApiSchema):
    """A member organization (or a prospect) with its membership status today."""

    id = fields.Integer(dump_only=True)
    version = fields.Integer(dump_only=True)
    name = name(200, required=True)
    tier_id = integer(1, required=True)
    sector = text(120, load_default="")
    country = text(80, load_default="")
    website = fields.String(
        load_default="",
        validate=[
            validate.Regexp(NO_NUL, error="Text may not contain NUL characters."),
            validate.Length(max=300),
            _website_or_empty,
        ],
        metadata={"description": "A full address, e.g. https://example.com, or empty."},
    )
    themes = text(2000, load_default="", metadata={"description": "Separated by commas."})
    tier = fields.Nested(TierRefSchema, dump_only=True)
    status = fields.Enum(
        MembershipStatus,
        by_value=True,
        dump_only=True,
        attribute="membership_status",
        metadata={"description": "Derived from the terms, today."},
    )
    withdrawn_on = fields.Date(dump_only=True, allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)


class OrganizationUpdateSchema(OrganizationSchema):
    """Changes to an organization, with the version the client last read."""

    version = integer(1, required=True, metadata={"description": "The version last read."})


class OrganizationDetailSchema(OrganizationSchema):
    """An organization with its terms and contacts."""

    terms = fields.List(fields.Nested(TermSchema), dump_only=True)
    contacts = fields.List(fields.Nested(ContactSchema), dump_only=True)


class InvoiceSchema(ma.Schema):
    """Dues billed for a term; never deleted, only voided."""

    id = fields.Integer()
    number = fields.String(metadata={"description": "Sequential per year, e.g. 2026-0007."})
    organization_id = fields.Integer()
    organization_name = fields.String(attribute="organization.name")
    term_id = fields.Integer()
    amount = money()
    issued_on = fields.Date()
    due_on = fields.Date()
    status = fields.Enum(InvoiceStatus, by_value=True)
    is_overdue = fields.Method("_is_overdue", metadata={"type": "boolean"})
    days_overdue = fields.Method("_days_overdue", metadata={"type": "integer"})
    paid_on = fields.Date(allow_none=True)
    payment_reference = fields.String(allow_none=True)
    voided_at = fields.AwareDateTime(allow_none=True)
    void_reason = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()

    def _is_overdue(self, invoice: Invoice) -> bool:
        return invoice.is_overdue(clock.today())

    def _days_overdue(self, invoice: Invoice) -> int:
        return invoice.days_overdue(clock.today())


class InvoiceIssueSchema(ApiSchema):
    """An invoice to issue for one of the organization's terms."""

    term_id = integer(1, required=True)
    amount = money(load_default=None, metadata={"description": "Default: the term's fee."})
    issued_on = day(load_default=None, metadata={"description": "Default: today."})
    due_on = day(load_default=None, metadata={"description": "Default: the usual delay."})


class PaymentSchema(ApiSchema):
    """That an invoice was paid."""

    paid_on = day(required=True)
    reference = text(120, load_default="", metadata={"description": "Payment reference."})


class VoidSchema(ApiSchema):
    """Why an invoice is voided."""

    reason = text(2000, required=True)


class DirectoryEntrySchema(ma.Schema):
    """A member in good standing, as the member directory shows it."""

    id = fields.Integer()
    name = fields.String()
    tier = fields.String(attribute="tier.name")
    sector = fields.String()
    country = fields.String()
    website = fields.String()


class OrganizationListArgs(PageArgs):
    """Filters for the list of organizations."""

    status = fields.Enum(MembershipStatus, by_value=True)
    tier_id = query_integer()
    q = text(100, metadata={"description": "Words in the name or the themes."})
    sector = text(120)
    country = text(80)
    sort = sort_field(["name", "created_at"], default="name")


class TermListArgs(PageArgs):
    """How an organization's terms are listed."""

    sort = sort_field(["starts_on", "ends_on"], default="-starts_on")


class ContactListArgs(PageArgs):
    """How an organization's contacts are listed."""

    role = fields.Enum(ContactRole, by_value=True)
    sort = sort_field(["name", "created_at"], default="name")


class InvoiceListArgs(PageArgs):
    """Filters for the list of invoices."""

    organization_id = query_integer()
    status = fields.String(
        validate=validate.OneOf([*(status.value for status in InvoiceStatus), OVERDUE]),
        metadata={"description": "issued, paid, void, or overdue (issued and past due)."},
    )
    fiscal_year = query_integer(
        1971, 2199, metadata={"description": "Issued in this fiscal year, e.g. 2027 for FY2027."}
    )
    sort = sort_field(["issued_on", "due_on", "number", "amount"], default="-issued_on")


class DirectoryArgs(PageArgs):
    """How the member directory is listed."""

    sort = sort_field(["name", "country", "sector"], default="name")


ORGANIZATION_SORTS = {
    "name": sa.func.lower(Organization.name),
    "created_at": Organization.created_at,
}
TERM_SORTS = {"starts_on": MembershipTerm.starts_on, "ends_on": MembershipTerm.ends_on}
CONTACT_SORTS = {"name": sa.func.lower(Contact.name), "created_at": Contact.created_at}
INVOICE_SORTS = {
    "issued_on": Invoice.issued_on,
    "due_on": Invoice.due_on,
    "number": Invoice.number,
    "amount": Invoice.amount,
}
DIRECTORY_SORTS = {
    "name": sa.func.lower(Organization.name),
    "country": Organization.country,
    "sector": Organization.sector,
}


# Who sees what


def _representation() -> tuple[Contact, MembershipStatus]:
    """Return the caller's representative contact and status, as the member portal checks them."""
    user = actor()
    require(has_role(user, Role.MEMBER))
    try:
        return representation(user)
    except MembershipNotActive:
        raise PermissionDenied(
            "This account represents no member whose membership is in force, so the member "
            "pages are closed to it."
        ) from None


def _scope() -> int | None:
    """Return the one organization the caller may read, or None when they may read all."""
    if policy.can_manage_members(actor()):
        return None
    contact, _status = _representation()
    return contact.organization_id


def _readable(organization: Organization) -> None:
    """Refuse (404) an organization the caller may not read."""
    if not policy.can_manage_members(actor()):
        contact, status = _representation()
        require_visible(policy.can_view_organization_portal(actor(), organization, contact, status))


def _readable_organization(organization_id: int) -> Organization:
    """Return an organization the caller may read: administrators any, representatives their own."""
    if not policy.can_manage_members(actor()):
        _representation()  # a researcher is refused (403) before learning whether it exists
    organization = get_or_404(Organization, organization_id)
    _readable(organization)
    return organization


def _managed(model, ident: int):
    """Return a row only administrators may change (403 for others, as on the web pages)."""
    require(policy.can_manage_members(actor()))
    return get_or_404(model, ident)


def _with_statuses(organizations: list[Organization]) -> list[Organization]:
    """Attach each organization's membership status today, in one query for them all."""
    found = member_queries.statuses(
        clock.today(), grace_days(), ids=[organization.id for organization in organizations]
    )
    for organization in organizations:
        organization.membership_status = found[organization.id]
    return organizations


def _tier(tier_id: int) -> Tier:
    """Return the tier, or refuse the field that names one that does not exist."""
    tier = db.session.get(Tier, tier_id)
    if tier is None:
        raise ValidationError("There is no such tier.", field="tier_id")
    return tier


# Organizations


@blp.route("/organizations")
@blp.arguments(OrganizationListArgs, location="query", as_kwargs=True)
@blp.response(200, page_of(OrganizationSchema))
@blp.documents(403)
def list_organizations(status=None, tier_id=None, q="", sector="", country="", **page):
    """List organizations: administrators all of them, a representative their own."""
    own = _scope()
    query = member_queries.organizations_query(
        clock.today(),
        grace_days(),
        q=q,
        sector=sector,
        country=country,
        tier_id=tier_id,
        status=status.value if status else "",
    ).order_by(None)
    if own is not None:
        query = query.where(Organization.id == own)
    result = paginate(query, page, ORGANIZATION_SORTS)
    _with_statuses(result["items"])
    return result


def _organization_values(values: dict) -> dict:
    """Trim the free-text fields, as the web form does, and check the tier exists."""
    _tier(values["tier_id"])
    trimmed = ("sector", "country", "website", "themes")
    return values | {field: values[field].strip() for field in trimmed}


@blp.route("/organizations", methods=["POST"])
@blp.arguments(OrganizationSchema)
@blp.response(201, OrganizationDetailSchema)
@blp.documents(403, 422)
def create_organization(values):
    """Add an organization (administrators); it is a prospect until it has a term."""
    require(policy.can_manage_members(actor()))
    organization = services.create_organization(actor=actor(), **_organization_values(values))
    db.session.commit()
    return _with_statuses([organization])[0]


@blp.route("/organizations/<int:organization_id>")
@blp.response(200, OrganizationDetailSchema)
@blp.documents(403, 404)
def get_organization(organization_id: int):
    """Read an organization with its status, tier, terms and contacts."""
    return _with_statuses([_readable_organization(organization_id)])[0]


@blp.route("/organizations/<int:organization_id>", methods=["PATCH"])
@blp.arguments(changes_to(OrganizationUpdateSchema, required=("version",)))
@blp.response(200, OrganizationDetailSchema)
@blp.documents(403, 404, 409, 422)
def update_organization(values, organization_id: int):
    """Change an organization's details (administrators); send the version you last read."""
    organization = _managed(Organization, organization_id)
    check_version(organization, values.pop("version"))
    current = {field: getattr(organization, field) for field in services.ORGANIZATION_FIELDS}
    services.update_organization(
        organization,
        actor=actor(),
        expected_version=organization.version,
        **_organization_values(current | values),
    )
    db.session.commit()
    return _with_statuses([organization])[0]


# Terms


def _term_values(values: dict, organization: Organization) -> services.TermValues:
    """Turn a term's fields into the service's values (the tier defaults to the member's)."""
    tier_id = values.get("tier_id")
    return services.TermValues(
        tier=_tier(tier_id) if tier_id is not None else organization.tier,
        starts_on=values["starts_on"],
        ends_on=values["ends_on"],
        annual_fee=values.get("annual_fee"),
        seed_commitment=values.get("seed_commitment") or Decimal("0"),
        signed_on=values.get("signed_on"),
    )


@blp.route("/organizations/<int:organization_id>/terms")
@blp.arguments(TermListArgs, location="query", as_kwargs=True)
@blp.response(200, page_of(TermSchema))
@blp.documents(403, 404)
def list_terms(organization_id: int, **page):
    """List an organization's terms of membership."""
    organization = _readable_organization(organization_id)
    query = sa.select(MembershipTerm).where(MembershipTerm.organization_id == organization.id)
    return paginate(query, page, TERM_SORTS)


@blp.route("/organizations/<int:organization_id>/terms", methods=["POST"])
@blp.arguments(TermSchema)
@blp.response(201, TermSchema)
@blp.documents(403, 404, 422)
def add_term(values, organization_id: int):
    """Add a term (administrators); its invoice is issued at once if the site is set so."""
    organization = _managed(Organization, organization_id)
    term = services.add_term(organization, _term_values(values, organization), actor=actor())
    db.session.commit()
    return term


@blp.route("/terms/<int:term_id>", methods=["PATCH"])
@blp.arguments(changes_to(TermSchema))
@blp.response(200, TermSchema)
@blp.documents(403, 404, 422)
def update_term(values, term_id: int):
    """Correct a term's tier, dates or sums (administrators)."""
    term = _managed(MembershipTerm, term_id)
    current = {
        "tier_id": term.tier_id,
        "starts_on": term.starts_on,
        "ends_on": term.ends_on,
        "annual_fee": term.annual_fee,
        "seed_commitment": term.seed_commitment,
        "signed_on": term.signed_on,
    }
    services.update_term(term, _term_values(current | values, term.organization), actor=actor())
    db.session.commit()
    return term


# Contacts


@blp.route("/organizations/<int:organization_id>/contacts")
@blp.arguments(ContactListArgs, location="query", as_kwargs=True)
@blp.response(200, page_of(ContactSchema))
@blp.documents(403, 404)
def list_contacts(organization_id: int, role=None, **page):
    """List an organization's contacts."""
    organization = _readable_organization(organization_id)
    query = sa.select(Contact).where(Contact.organization_id == organization.id)
    if role is not None:
        query = query.where(Contact.role == role)
    return paginate(query, page, CONTACT_SORTS)


@blp.route("/organizations/<int:organization_id>/contacts", methods=["POST"])
@blp.arguments(ContactSchema)
@blp.response(201, ContactSchema)
@blp.documents(403, 404, 422)
def add_contact(values, organization_id: int):
    """Add a contact to an organization (administrators)."""
    organization = _managed(Organization, organization_id)
    contact = services.add_contact(organization, actor=actor(), **values)
    db.session.commit()
    return contact


@blp.route("/contacts/<int:contact_id>", methods=["PATCH"])
@blp.arguments(changes_to(ContactSchema))
@blp.response(200, ContactSchema)
@blp.documents(403, 404, 422)
def update_contact(values, contact_id: int):
    """Change a contact (administrators); a representative may change their own name,
    job title and phone."""
    user = actor()
    if policy.can_manage_members(user):
        contact = get_or_404(Contact, contact_id)
    else:
        own, status = _representation()
        contact = get_or_404(Contact, contact_id)
        require_visible(
            policy.can_view_organization_portal(user, contact.organization, own, status)
        )
        require(policy.can_edit_contact(user, contact, own, status))
        refused = sorted(set(values) - set(policy.OWN_CONTACT_FIELDS))
        if refused:
            raise PermissionDenied(
                f"Only the program office changes {', '.join(refused)}; you may change "
                f"your {', '.join(policy.OWN_CONTACT_FIELDS)}."
            )
    services.update_contact(contact, actor=user, **values)
    db.session.commit()
    return contact


@blp.route("/contacts/<int:contact_id>", methods=["DELETE"])
@blp.response(204)
@blp.documents(403, 404)
def remove_contact(contact_id: int):
    """Remove a contact (administrators); a representative among them loses member access."""
    contact = _managed(Contact, contact_id)
    services.remove_contact(contact, actor=actor())
    db.session.commit()


# Invoices


@blp.route("/invoices")
@blp.arguments(InvoiceListArgs, location="query", as_kwargs=True)
@blp.response(200, page_of(InvoiceSchema))
@blp.documents(403)
def list_invoices(organization_id=None, status=None, fiscal_year=None, **page):
    """List invoices: administrators all of them, a representative their organization's."""
    own = _scope()
    if status == OVERDUE:
        query = member_queries.invoices_query(overdue_on=clock.today())
    else:
        query = member_queries.invoices_query(status=status or "")
    query = query.order_by(None).options(contains_eager(Invoice.organization))
    if own is not None:
        query = query.where(Invoice.organization_id == own)
    if organization_id is not None:
        query = query.where(Invoice.organization_id == organization_id)
    if fiscal_year is not None:
        year = member_queries.fiscal_year_by_label(
            fiscal_year, current_app.config["FISCAL_YEAR_START_MONTH"]
        )
        query = query.where(Invoice.issued_on.between(year.starts_on, year.ends_on))
    return paginate(query, page, INVOICE_SORTS)


@blp.route("/invoices/<int:invoice_id>")
@blp.response(200, InvoiceSchema)
@blp.documents(403, 404)
def get_invoice(invoice_id: int):
    """Read an invoice: administrators any, a representative their organization's."""
    if not policy.can_manage_members(actor()):
        _representation()
    invoice = get_or_404(Invoice, invoice_id)
    _readable(invoice.organization)
    return invoice


@blp.route("/organizations/<int:organization_id>/invoices", methods=["POST"])
@blp.arguments(InvoiceIssueSchema)
@blp.response(201, InvoiceSchema)
@blp.documents(403, 404, 422)
def issue_invoice(values, organization_id: int):
    """Issue an invoice for one of the organization's terms (administrators)."""
    organization = _managed(Organization, organization_id)
    term = db.session.get(MembershipTerm, values.pop("term_id"))
    if term is None or term.organization_id != organization.id:
        raise ValidationError(f"{organization.name} has no such term.", field="term_id")
    invoice = services.issue_invoice(term, actor=actor(), **values)
    db.session.commit()
    return invoice


@blp.route("/invoices/<int:invoice_id>/actions/mark-paid", methods=["POST"])
@blp.arguments(PaymentSchema)
@blp.response(200, InvoiceSchema)
@blp.documents(403, 404, 409, 422)
def mark_invoice_paid(values, invoice_id: int):
    """Record that an issued invoice was paid (administrators)."""
    invoice = _managed(Invoice, invoice_id)
    services.mark_invoice_paid(
        invoice, actor=actor(), paid_on=values["paid_on"], reference=values["reference"]
    )
    db.session.commit()
    return invoice


@blp.route("/invoices/<int:invoice_id>/actions/void", methods=["POST"])
@blp.arguments(VoidSchema)
@blp.response(200, InvoiceSchema)
@blp.documents(403, 404, 409, 422)
def void_invoice(values, invoice_id: int):
    """Void an issued invoice, with the reason (administrators)."""
    invoice = _managed(Invoice, invoice_id)
    services.void_invoice(invoice, actor=actor(), reason=values["reason"])
    db.session.commit()
    return invoice


# The member directory


@blp.route("/directory")
@blp.arguments(DirectoryArgs, location="query", as_kwargs=True)
@blp.response(200, page_of(DirectoryEntrySchema))
@blp.documents(403)
def directory(**page):
    """List the members in good standing (for representatives of a member in force)."""
    _representation()
    query = portal_queries.directory_query(clock.today(), grace_days())
    return paginate(query, page, DIRECTORY_SORTS)
