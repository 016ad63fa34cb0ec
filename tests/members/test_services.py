"""Membership services: terms, renewals, invoices, contacts and representatives."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app import clock
from app.auth.models import Role
from app.errors import ConflictError, ValidationError, WorkflowError
from app.extensions import db
from app.members import services
from app.members.models import Invoice, InvoiceStatus, MembershipStatus
from app.members.policy import has_member_access
from app.members.queries import organization_status, representative_contact
from tests.factories import (
    ContactFactory,
    OrganizationFactory,
    TermFactory,
    TierFactory,
    UserFactory,
)

TODAY = date(2026, 6, 15)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 6, 15, 16, 0, tzinfo=UTC))


@pytest.fixture
def admin():
    return UserFactory(admin=True)


def values(tier, start, end, **extra):
    return services.TermValues(tier=tier, starts_on=start, ends_on=end, **extra)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2026, 1, 1), date(2026, 12, 31)),  # the same
        (date(2026, 12, 31), date(2027, 12, 30)),  # shares the last day
        (date(2025, 6, 1), date(2026, 1, 1)),  # shares the first day
        (date(2026, 3, 1), date(2026, 4, 1)),  # inside
        (date(2025, 1, 1), date(2027, 12, 31)),  # around
    ],
)
def test_overlapping_terms_are_refused(admin, start, end):
    organization = OrganizationFactory()
    TermFactory(organization=organization, starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))

    with pytest.raises(
        ValidationError, match="overlaps the term 01 Jan 2026 – 31 Dec 2026"
    ) as error:
        services.add_term(organization, values(organization.tier, start, end), actor=admin)

    assert error.value.field == "starts_on"


def test_adjacent_terms_are_fine(admin):
    organization = OrganizationFactory()
    TermFactory(organization=organization, starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))

    term = services.add_term(
        organization, values(organization.tier, date(2027, 1, 1), date(2027, 12, 31)), actor=admin
    )

    assert term.id is not None


def test_term_ending_before_it_starts_is_refused(admin):
    organization = OrganizationFactory()

    with pytest.raises(ValidationError, match="end on or after"):
        services.add_term(
            organization, values(organization.tier, date(2026, 5, 1), date(2026, 4, 1)), actor=admin
        )


def test_new_term_defaults_the_fee_from_the_tier_and_issues_its_invoice(admin, audit_log):
    tier = TierFactory(annual_fee=Decimal("75000"))
    organization = OrganizationFactory(tier=tier)

    term = services.add_term(
        organization,
        values(tier, date(2026, 1, 1), date(2026, 12, 31), seed_commitment=Decimal("250000")),
        actor=admin,
    )

    assert term.annual_fee == Decimal("75000")
    [invoice] = db.session.scalars(sa.select(Invoice)).all()
    assert (invoice.number, invoice.amount, invoice.due_on) == (
        "2026-0001",
        Decimal("75000"),
        date(2026, 7, 15),
    )
    assert [e.action for e in audit_log()][:2] == ["term.added", "invoice.issued"]


def test_renewal_starts_the_day_after_and_keeps_length_and_sums(admin):
    organization = OrganizationFactory()
    TermFactory(
        organization=organization,
        starts_on=date(2025, 7, 1),
        ends_on=date(2026, 6, 30),
        annual_fee=Decimal("60000"),
        seed_commitment=Decimal("150000"),
    )

    renewal = services.renewal_defaults(organization)

    assert (renewal.starts_on, renewal.ends_on) == (date(2026, 7, 1), date(2027, 6, 30))
    assert (renewal.annual_fee, renewal.seed_commitment) == (Decimal("60000"), Decimal("150000"))
    assert services.renewal_defaults(OrganizationFactory()) is None


def test_invoice_numbers_are_sequential_per_year(admin):
    term = TermFactory()

    numbers = [
        services.issue_invoice(term, actor=admin, issued_on=day).number
        for day in (date(2026, 1, 5), date(2026, 3, 1), date(2027, 1, 2), date(2026, 12, 31))
    ]

    assert numbers == ["2026-0001", "2026-0002", "2027-0001", "2026-0003"]


def test_a_rolled_back_invoice_gives_its_number_back(admin):
    term = TermFactory()
    db.session.commit()
    services.issue_invoice(term, actor=admin)
    db.session.rollback()

    assert services.issue_invoice(term, actor=admin).number == "2026-0001"


def test_invoice_is_paid_once_and_never_after_void(admin, audit_log):
    term = TermFactory()
    paid = services.issue_invoice(term, actor=admin)
    voided = services.issue_invoice(term, actor=admin)

    services.mark_invoice_paid(paid, actor=admin, paid_on=date(2026, 6, 1), reference="WIRE-42")
    services.void_invoice(voided, actor=admin, reason="Issued twice")

    assert (paid.status, paid.paid_on, paid.payment_reference) == (
        InvoiceStatus.PAID,
        date(2026, 6, 1),
        "WIRE-42",
    )
    assert voided.status == InvoiceStatus.VOID and voided.void_reason == "Issued twice"
    with pytest.raises(WorkflowError):
        services.mark_invoice_paid(voided, actor=admin, paid_on=TODAY)
    with pytest.raises(WorkflowError):
        services.void_invoice(paid, actor=admin, reason="Oops")
    assert [e.action for e in audit_log()][-2:] == ["invoice.paid", "invoice.voided"]


def test_payment_in_the_future_and_void_without_reason_are_refused(admin):
    invoice = services.issue_invoice(TermFactory(), actor=admin)

    with pytest.raises(ValidationError, match="future"):
        services.mark_invoice_paid(invoice, actor=admin, paid_on=TODAY + timedelta(days=1))
    with pytest.raises(ValidationError, match="Say why"):
        services.void_invoice(invoice, actor=admin, reason="  ")
    assert invoice.status == InvoiceStatus.ISSUED


def test_overdue_is_derived_from_the_due_date(admin):
    invoice = services.issue_invoice(
        TermFactory(), actor=admin, issued_on=date(2026, 5, 1), due_on=date(2026, 5, 31)
    )

    assert invoice.is_overdue(TODAY) and invoice.days_overdue(TODAY) == 15
    assert not invoice.is_overdue(date(2026, 5, 31))


def test_duplicate_organization_name_in_another_case_is_refused(admin):
    OrganizationFactory(name="Siemens")

    with pytest.raises(ValidationError, match="already exists") as error:
        services.create_organization(actor=admin, name="  SIEMENS ", tier_id=TierFactory().id)

    assert error.value.field == "name"


def test_concurrent_edit_of_an_organization_is_refused(admin):
    organization = OrganizationFactory(name="Amgen")
    seen = organization.version
    services.update_organization(
        organization,
        actor=admin,
        expected_version=seen,
        name="Amgen Inc.",
        sector="Biotech",
        country="US",
        website="",
        themes="",
        tier_id=organization.tier_id,
    )
    db.session.flush()

    with pytest.raises(ConflictError, match="Someone else saved"):
        services.update_organization(
            organization,
            actor=admin,
            expected_version=seen,
            name="Amgen Corp",
            sector="Biotech",
            country="US",
            website="",
            themes="",
            tier_id=organization.tier_id,
        )
    assert organization.name == "Amgen Inc."


def test_tier_in_use_cannot_be_deleted(admin):
    used = TierFactory()
    OrganizationFactory(tier=used)
    unused = TierFactory()

    with pytest.raises(ConflictError, match="cannot be deleted"):
        services.delete_tier(used, actor=admin)
    services.delete_tier(unused, actor=admin)
    db.session.flush()


def test_representatives_are_limited_by_the_tier(admin, outbox):
    organization = OrganizationFactory(tier=TierFactory(representatives_allowed=1))
    first = ContactFactory(organization=organization)
    second = ContactFactory(organization=organization)

    user = services.invite_representative(first, actor=admin)

    assert user.role_set == {Role.MEMBER} and first.user is user
    assert outbox("invitation")[0].recipient_email == first.email
    with pytest.raises(ConflictError, match="allows 1 representative"):
        services.invite_representative(second, actor=admin)
    assert second.user is None


def test_one_person_cannot_represent_two_members(admin):
    one = ContactFactory(email="pat@example.com")
    services.invite_representative(one, actor=admin)
    other = ContactFactory(email="pat@example.com")

    with pytest.raises(ConflictError, match=f"already represents {one.organization.name}"):
        services.invite_representative(other, actor=admin)


def test_representatives_lose_access_when_lapsed_and_regain_it_with_a_new_term(admin):
    organization = OrganizationFactory()
    TermFactory(organization=organization, starts_on=date(2025, 1, 1), ends_on=date(2025, 12, 31))
    contact = ContactFactory(organization=organization)
    user = services.invite_representative(contact, actor=admin)

    def access():
        status = organization_status(organization, clock.today(), 60)
        return has_member_access(user, representative_contact(user), status)

    assert organization_status(organization, TODAY, 60) == MembershipStatus.LAPSED
    assert access() is False
    services.add_term(
        organization, values(organization.tier, date(2026, 6, 1), date(2027, 5, 31)), actor=admin
    )
    assert access() is True
    services.withdraw_organization(organization, actor=admin, reason="Left")
    assert access() is False


def test_removing_a_representative_revokes_the_member_role(admin):
    contact = ContactFactory()
    user = services.invite_representative(contact, actor=admin)

    services.remove_representative(contact, actor=admin)

    assert contact.user is None
    assert Role.MEMBER not in user.role_set


def test_representative_cannot_change_their_sign_in_email_via_contact(admin):
    contact = ContactFactory()
    services.invite_representative(contact, actor=admin)

    with pytest.raises(ValidationError, match="signs in with this address"):
        services.update_contact(contact, actor=admin, email="new@example.com")


def test_a_term_can_be_added_without_its_invoice(admin):
    organization = OrganizationFactory()

    services.add_term(
        organization,
        values(organization.tier, date(2026, 1, 1), date(2026, 12, 31)),
        actor=admin,
        issue_invoice_now=False,
    )

    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invoice)) == 0
