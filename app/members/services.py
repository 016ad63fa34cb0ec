"""Every change to membership: tiers, organizations, terms, contacts, invoices and status."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app import clock
from app.audit import services as audit
from app.auth import services as auth_services
from app.auth.models import Role, User
from app.database import utcnow
from app.errors import ConflictError, ValidationError, WorkflowError
from app.extensions import db
from app.members import queries
from app.members.models import (
    Contact,
    ContactRole,
    Invoice,
    InvoiceCounter,
    InvoiceStatus,
    MembershipStatus,
    MembershipTerm,
    Organization,
    Tier,
)

ORGANIZATION_FIELDS = ("name", "sector", "country", "website", "themes", "tier_id")
TIER_FIELDS = ("name", "annual_fee", "representatives_allowed", "votes", "benefits")


def _grace_days() -> int:
    return current_app.config["MEMBERSHIP_GRACE_DAYS"]


def _money(value) -> str:
    return str(Decimal(value).quantize(Decimal("0.01")))


def _changes(obj, values: dict) -> dict[str, list]:
    changes = {}
    for name, value in values.items():
        old = getattr(obj, name)
        if old != value:
            changes[name] = [_plain(old), _plain(value)]
            setattr(obj, name, value)
    return changes


def _plain(value):
    if isinstance(value, Decimal):
        return _money(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


# Tiers


def _check_tier_name(name: str, tier: Tier | None = None) -> None:
    clash = db.session.scalar(
        sa.select(Tier).where(sa.func.lower(Tier.name) == name.strip().lower())
    )
    if clash is not None and clash is not tier:
        raise ValidationError("A tier with this name already exists.", field="name")


def create_tier(*, actor: User, **values) -> Tier:
    """Create a tier. Side effects: audit `tier.created`. Raises: ValidationError (name taken)."""
    _check_tier_name(values["name"])
    tier = Tier(**{name: values[name] for name in TIER_FIELDS})
    db.session.add(tier)
    db.session.flush()
    audit.record(
        actor, "tier.created", tier, {"name": tier.name, "annual_fee": _money(tier.annual_fee)}
    )
    return tier


def update_tier(tier: Tier, *, actor: User, **values) -> None:
    """Change a tier. Side effects: audit `tier.updated`. Raises: ValidationError (name taken)."""
    _check_tier_name(values["name"], tier)
    changes = _changes(tier, {name: values[name] for name in TIER_FIELDS})
    if changes:
        audit.record(actor, "tier.updated", tier, changes)


def delete_tier(tier: Tier, *, actor: User) -> None:
    """Delete an unused tier. Side effects: audit `tier.deleted`. Raises: ConflictError."""
    in_use = db.session.scalar(
        sa.select(
            sa.exists().where(Organization.tier_id == tier.id)
            | sa.exists().where(MembershipTerm.tier_id == tier.id)
        )
    )
    if in_use:
        raise ConflictError(
            f"The {tier.name} tier is used by members or terms and cannot be deleted."
        )
    audit.record(actor, "tier.deleted", tier, {"name": tier.name})
    db.session.delete(tier)


# Organizations


def _check_organization_name(name: str, organization: Organization | None = None) -> None:
    clash = db.session.scalar(
        sa.select(Organization).where(sa.func.lower(Organization.name) == name.strip().lower())
    )
    if clash is not None and clash is not organization:
        raise ValidationError("A member with this name already exists.", field="name")


def create_organization(*, actor: User, **values) -> Organization:
    """Add a member organization (a prospect until it has a term).

    Side effects: audit `organization.created`.
    Raises: ValidationError when the name is taken (in any letter case).
    """
    values["name"] = values["name"].strip()
    _check_organization_name(values["name"])
    organization = Organization(**{name: values.get(name, "") for name in ORGANIZATION_FIELDS})
    organization.recorded_status = MembershipStatus.PROSPECT
    organization.recorded_status_on = clock.today()
    db.session.add(organization)
    db.session.flush()
    audit.record(actor, "organization.created", organization, {"name": organization.name})
    return organization


def update_organization(
    organization: Organization, *, actor: User, expected_version: int, **values
) -> None:
    """Change an organization's details.

    Side effects: audit `organization.updated` with the changes.
    Raises: ConflictError if someone saved it since `expected_version` was read;
    ValidationError when the new name is taken.
    """
    if organization.version != expected_version:
        raise ConflictError(
            "Someone else saved this member while you were editing. Your changes are shown "
            "below; review them against the current details and save again."
        )
    values["name"] = values["name"].strip()
    _check_organization_name(values["name"], organization)
    changes = _changes(organization, {name: values[name] for name in ORGANIZATION_FIELDS})
    if changes:
        audit.record(actor, "organization.updated", organization, changes)


def withdraw_organization(
    organization: Organization, *, actor: User, reason: str, on: date | None = None
) -> None:
    """Record that a member withdrew; its representatives lose member access at once.

    Side effects: audit `organization.withdrawn` and the status change.
    Raises: ValidationError without a reason; WorkflowError if already withdrawn.
    """
    if not reason.strip():
        raise ValidationError("Say why the member withdraws.", field="reason")
    if organization.withdrawn_on is not None:
        raise WorkflowError("This member has already withdrawn.")
    organization.withdrawn_on = on or clock.today()
    organization.withdrawal_reason = reason.strip()
    audit.record(
        actor,
        "organization.withdrawn",
        organization,
        {"on": organization.withdrawn_on.isoformat(), "reason": organization.withdrawal_reason},
    )
    record_status(organization, actor=actor)


def _record_change(
    organization: Organization, status: MembershipStatus, today: date, actor: User | None
) -> None:
    audit.record(
        actor,
        "organization.status_changed",
        organization,
        {"from": organization.recorded_status.value, "to": status.value, "on": today.isoformat()},
    )
    organization.recorded_status = status
    organization.recorded_status_on = today


def record_status(
    organization: Organization, *, actor: User | None, today: date | None = None
) -> MembershipStatus:
    """Write the organization's status to the audit log if it changed since last recorded."""
    today = today or clock.today()
    db.session.flush()
    status = queries.organization_status(organization, today, _grace_days())
    if status != organization.recorded_status:
        _record_change(organization, status, today, actor)
    return status


def refresh_statuses(
    *, today: date | None = None
) -> list[tuple[Organization, MembershipStatus, MembershipStatus]]:
    """Record every organization whose status changed since it was last recorded.

    Safe to run daily and more than once: an unchanged status writes nothing.
    Side effects: audit `organization.status_changed` per change (actor: the system).
    """
    today = today or clock.today()
    status = queries.status_expression(today, _grace_days())
    rows = db.session.execute(
        sa.select(Organization, status).where(Organization.recorded_status != status)
    ).all()
    changed = []
    for organization, value in rows:
        current = MembershipStatus(value)
        changed.append((organization, organization.recorded_status, current))
        _record_change(organization, current, today, None)
    return changed


# Terms


@dataclass(frozen=True)
class TermValues:
    """What a term is made of, as entered."""

    tier: Tier
    starts_on: date
    ends_on: date
    annual_fee: Decimal | None = None
    seed_commitment: Decimal = Decimal("0")
    signed_on: date | None = None


def _lock(organization: Organization) -> None:
    # Serialise term changes per organization, so two overlapping terms cannot both pass the
    # overlap check on PostgreSQL (SQLite serialises writers anyway).
    db.session.execute(
        sa.select(Organization.id).where(Organization.id == organization.id).with_for_update()
    )


def _check_term(
    organization: Organization, values: TermValues, exclude_id: int | None = None
) -> None:
    if values.ends_on < values.starts_on:
        raise ValidationError("The term must end on or after the day it starts.", field="ends_on")
    if values.seed_commitment is not None and values.seed_commitment < 0:
        raise ValidationError("A commitment cannot be negative.", field="seed_commitment")
    if values.annual_fee is not None and values.annual_fee < 0:
        raise ValidationError("A fee cannot be negative.", field="annual_fee")
    clash = queries.overlapping_term(organization.id, values.starts_on, values.ends_on, exclude_id)
    if clash is not None:
        raise ValidationError(
            f"This overlaps the term {clash.starts_on:%d %b %Y} – {clash.ends_on:%d %b %Y}. "
            "Terms of one member never overlap.",
            field="starts_on",
        )


def add_term(
    organization: Organization,
    values: TermValues,
    *,
    actor: User,
    issue_invoice_now: bool | None = None,
) -> MembershipTerm:
    """Add a term of membership; a withdrawn member is reinstated by it.

    The annual fee defaults to the tier's. The organization takes the term's tier when the
    term is its latest. The term's invoice is issued at once when `issue_invoice_now` says
    so (by default, the INVOICE_ON_NEW_TERM setting).
    Side effects: audit `term.added` (and `organization.reinstated`, the status change,
    `invoice.issued`); the representatives regain access if the member becomes active.
    Raises: ValidationError for overlapping or inconsistent dates or amounts.
    """
    _lock(organization)
    _check_term(organization, values)
    term = MembershipTerm(
        organization=organization,
        tier=values.tier,
        starts_on=values.starts_on,
        ends_on=values.ends_on,
        annual_fee=values.annual_fee if values.annual_fee is not None else values.tier.annual_fee,
        seed_commitment=values.seed_commitment or Decimal("0"),
        signed_on=values.signed_on,
    )
    db.session.add(term)
    db.session.flush()
    latest = queries.latest_term(organization)
    if latest is term:
        organization.tier = values.tier
    audit.record(
        actor,
        "term.added",
        term,
        {
            "organization_id": organization.id,
            "tier": values.tier.name,
            "starts_on": term.starts_on.isoformat(),
            "ends_on": term.ends_on.isoformat(),
            "annual_fee": _money(term.annual_fee),
            "seed_commitment": _money(term.seed_commitment),
        },
    )
    if organization.withdrawn_on is not None:
        audit.record(
            actor,
            "organization.reinstated",
            organization,
            {
                "withdrawn_on": organization.withdrawn_on.isoformat(),
            },
        )
        organization.withdrawn_on = None
        organization.withdrawal_reason = None
    if issue_invoice_now is None:
        issue_invoice_now = current_app.config["INVOICE_ON_NEW_TERM"]
    if issue_invoice_now and term.annual_fee > 0:
        issue_invoice(term, actor=actor)
    record_status(organization, actor=actor)
    return term


def renewal_defaults(organization: Organization) -> TermValues | None:
    """Return the next term's values: the day after the last ends, as long, same tier and sums."""
    last = queries.latest_term(organization)
    if last is None:
        return None
    starts_on = last.ends_on + timedelta(days=1)
    length = last.ends_on - last.starts_on
    return TermValues(
        tier=organization.tier,
        starts_on=starts_on,
        ends_on=starts_on + length,
        annual_fee=organization.tier.annual_fee
        if organization.tier_id != last.tier_id
        else last.annual_fee,
        seed_commitment=last.seed_commitment,
    )


def update_term(term: MembershipTerm, values: TermValues, *, actor: User) -> None:
    """Correct a term's dates or sums.

    Side effects: audit `term.updated` with the changes, the status change.
    Raises: ValidationError for overlapping or inconsistent values.
    """
    _lock(term.organization)
    _check_term(term.organization, values, exclude_id=term.id)
    changes = _changes(
        term,
        {
            "tier_id": values.tier.id,
            "starts_on": values.starts_on,
            "ends_on": values.ends_on,
            "annual_fee": values.annual_fee
            if values.annual_fee is not None
            else values.tier.annual_fee,
            "seed_commitment": values.seed_commitment or Decimal("0"),
            "signed_on": values.signed_on,
        },
    )
    if changes:
        audit.record(actor, "term.updated", term, changes)
        record_status(term.organization, actor=actor)


# Contacts and representatives


def _check_contact_email(
    organization: Organization, email: str, contact: Contact | None = None
) -> None:
    clash = db.session.scalar(
        sa.select(Contact).where(Contact.organization_id == organization.id, Contact.email == email)
    )
    if clash is not None and clash is not contact:
        raise ValidationError("This member already has a contact with this email.", field="email")


CONTACT_FIELDS = ("name", "email", "phone", "title", "role")


def add_contact(organization: Organization, *, actor: User, **values) -> Contact:
    """Add a contact to an organization.

    Side effects: audit `contact.added`. Raises: ValidationError for a duplicate email.
    """
    values["email"] = auth_services.normalize_email(values["email"])
    _check_contact_email(organization, values["email"])
    contact = Contact(
        organization=organization,
        **{name: values.get(name) or "" for name in CONTACT_FIELDS if name != "role"},
        role=ContactRole(values["role"]),
    )
    db.session.add(contact)
    db.session.flush()
    audit.record(
        actor,
        "contact.added",
        contact,
        {"organization_id": organization.id, "email": contact.email},
    )
    return contact


def update_contact(contact: Contact, *, actor: User, **values) -> None:
    """Change a contact's details (administrators, or the representative their own).

    A representative's email is their sign-in address, so it changes only with their account.
    Side effects: audit `contact.updated`. Raises: ValidationError for a duplicate email.
    """
    if "email" in values:
        values["email"] = auth_services.normalize_email(values["email"])
        _check_contact_email(contact.organization, values["email"], contact)
        if contact.user is not None and values["email"] != contact.user.email:
            raise ValidationError(
                "This contact signs in with this address; it cannot be changed here.", field="email"
            )
    if "role" in values:
        values["role"] = ContactRole(values["role"])
    changes = _changes(
        contact, {name: values[name] or "" if name != "role" else values[name] for name in values}
    )
    if changes:
        audit.record(actor, "contact.updated", contact, changes)


def remove_contact(contact: Contact, *, actor: User) -> None:
    """Remove a contact; a representative among them loses member access.

    Side effects: audit `contact.removed`.
    """
    audit.record(
        actor,
        "contact.removed",
        contact,
        {
            "organization_id": contact.organization_id,
            "email": contact.email,
            "was_representative": contact.user_id is not None,
        },
    )
    db.session.delete(contact)


def invite_representative(contact: Contact, *, actor: User) -> User:
    """Give a contact a member-representative account (the accounts issue's invitation).

    Side effects: an invitation (or a roles-granted email); audit `contact.representative_added`.
    Raises: ConflictError when the tier's representatives are all taken, when the contact
    already has an account, or when the person already represents another member.
    """
    organization = contact.organization
    if contact.user_id is not None:
        raise ConflictError(f"{contact.name} is already a representative.")
    allowed = organization.tier.representatives_allowed
    if queries.representatives_count(organization) >= allowed:
        raise ConflictError(
            f"The {organization.tier.name} tier allows {allowed} representative"
            f"{'' if allowed == 1 else 's'}, and {organization.name} has them all."
        )
    existing = auth_services.find_user_by_email(contact.email)
    if existing is not None:
        elsewhere = queries.representative_contact(existing)
        if elsewhere is not None:
            raise ConflictError(
                f"{contact.email} already represents {elsewhere.organization.name}."
            )
    user = auth_services.invite_user(
        email=contact.email, name=contact.name, roles=[Role.MEMBER], actor=actor
    )
    contact.user = user
    db.session.flush()
    audit.record(
        actor,
        "contact.representative_added",
        contact,
        {"user_id": user.id, "organization_id": organization.id},
    )
    return user


def remove_representative(contact: Contact, *, actor: User) -> None:
    """Take away a contact's member access (the account itself stays).

    Side effects: audit `contact.representative_removed`; the member role is revoked when
    the person represents no one else.
    """
    user = contact.user
    if user is None:
        return
    contact.user = None
    db.session.flush()
    audit.record(actor, "contact.representative_removed", contact, {"user_id": user.id})
    if queries.representative_contact(user) is None and user.has_role(Role.MEMBER):
        auth_services.revoke_role(user, Role.MEMBER, actor=actor)


# Invoices


def next_invoice_number(year: int) -> str:
    """Take the next invoice number of a year, e.g. 2026-0007; safe under concurrent requests.

    The counter row is created if missing and incremented with UPDATE … RETURNING, which
    locks it until the transaction ends, so two requests never get the same number and a
    rolled-back invoice gives its number back.
    """
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(
        insert(InvoiceCounter)
        .values(year=year, last_number=0)
        .on_conflict_do_nothing(index_elements=["year"])
    )
    number = db.session.execute(
        sa.update(InvoiceCounter)
        .where(InvoiceCounter.year == year)
        .values(last_number=InvoiceCounter.last_number + 1)
        .returning(InvoiceCounter.last_number)
    ).scalar_one()
    return f"{year}-{number:04d}"


def issue_invoice(
    term: MembershipTerm,
    *,
    actor: User,
    amount: Decimal | None = None,
    issued_on: date | None = None,
    due_on: date | None = None,
) -> Invoice:
    """Issue an invoice for a term (amount defaults to the term's fee).

    Side effects: takes the next number of the issue year; audit `invoice.issued`.
    Raises: ValidationError for a non-positive amount or a due date before the issue date.
    """
    issued_on = issued_on or clock.today()
    due_on = due_on or issued_on + timedelta(days=current_app.config["INVOICE_DUE_DAYS"])
    amount = term.annual_fee if amount is None else amount
    if amount <= 0:
        raise ValidationError("The amount must be more than zero.", field="amount")
    if due_on < issued_on:
        raise ValidationError("The due date cannot come before the issue date.", field="due_on")
    invoice = Invoice(
        organization_id=term.organization_id,
        term=term,
        number=next_invoice_number(issued_on.year),
        amount=amount,
        issued_on=issued_on,
        due_on=due_on,
        status=InvoiceStatus.ISSUED,
    )
    db.session.add(invoice)
    db.session.flush()
    audit.record(
        actor,
        "invoice.issued",
        invoice,
        {
            "number": invoice.number,
            "organization_id": term.organization_id,
            "amount": _money(amount),
            "due_on": due_on.isoformat(),
        },
    )
    return invoice


def mark_invoice_paid(invoice: Invoice, *, actor: User, paid_on: date, reference: str = "") -> None:
    """Record payment of an invoice.

    Side effects: audit `invoice.paid`.
    Raises: WorkflowError unless the invoice is issued; ValidationError for a future date.
    """
    if invoice.status != InvoiceStatus.ISSUED:
        raise WorkflowError(
            f"Invoice {invoice.number} is {invoice.status.value}; only an issued one can be paid."
        )
    if paid_on > clock.today():
        raise ValidationError("The payment date cannot be in the future.", field="paid_on")
    invoice.status = InvoiceStatus.PAID
    invoice.paid_on = paid_on
    invoice.payment_reference = reference.strip() or None
    audit.record(
        actor,
        "invoice.paid",
        invoice,
        {"number": invoice.number, "paid_on": paid_on.isoformat(), "reference": reference.strip()},
    )


def void_invoice(invoice: Invoice, *, actor: User, reason: str) -> None:
    """Cancel an invoice, keeping it on record.

    Side effects: audit `invoice.voided`.
    Raises: ValidationError without a reason; WorkflowError for a paid or void invoice.
    """
    if not reason.strip():
        raise ValidationError("Say why the invoice is voided.", field="reason")
    if invoice.status != InvoiceStatus.ISSUED:
        raise WorkflowError(
            f"Invoice {invoice.number} is {invoice.status.value} and cannot be voided."
        )
    invoice.status = InvoiceStatus.VOID
    invoice.voided_at = utcnow()
    invoice.void_reason = reason.strip()
    audit.record(
        actor, "invoice.voided", invoice, {"number": invoice.number, "reason": invoice.void_reason}
    )
