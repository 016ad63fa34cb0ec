"""Membership administration pages: effects, messages beside fields, nothing half-written."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app import clock
from app.extensions import db
from app.members import services
from app.members.models import Contact, Invoice, InvoiceStatus, MembershipTerm, Organization, Tier
from tests.factories import (
    ContactFactory,
    OrganizationFactory,
    TermFactory,
    TierFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 6, 15, 16, 0, tzinfo=UTC))


@pytest.fixture
def admin():
    return UserFactory(admin=True)


@pytest.fixture
def client(login, admin):
    return login(admin)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_admin_adds_a_member(client, audit_log):
    tier = TierFactory(name="Founding")

    response = client.post(
        "/admin/members/new",
        data={
            "name": "Siemens",
            "tier_id": tier.id,
            "sector": "Industrial technology",
            "country": "Germany",
            "website": "https://siemens.com",
            "themes": "AI, robotics",
        },
    )

    organization = db.session.scalar(sa.select(Organization))
    assert response.headers["Location"] == f"/admin/members/{organization.id}"
    assert (organization.name, organization.tier.name, organization.theme_list) == (
        "Siemens",
        "Founding",
        ["AI", "robotics"],
    )
    assert audit_log("organization.created")[0].detail == {"name": "Siemens"}
    page = client.get(f"/admin/members/{organization.id}").get_data(as_text=True)
    assert "Prospect" in page and "No term yet" in page


def test_duplicate_member_name_is_refused_beside_the_field(client):
    existing = OrganizationFactory(name="Amgen")

    response = client.post(
        "/admin/members/new",
        data={"name": "AMGEN", "tier_id": existing.tier_id, "sector": "Kept sector"},
    )

    html = response.get_data(as_text=True)
    assert 'id="name-error">A member with this name already exists.' in html
    assert 'value="Kept sector"' in html
    assert count(Organization) == 1


def test_bad_website_is_refused_beside_the_field(client):
    tier = TierFactory()

    response = client.post(
        "/admin/members/new", data={"name": "PTC", "tier_id": tier.id, "website": "not a url"}
    )

    assert b'id="website-error"' in response.data
    assert count(Organization) == 0


def test_second_editor_is_told_and_nothing_is_overwritten(client, login):
    organization = OrganizationFactory(name="GE Vernova")
    other_admin = login(UserFactory(admin=True))
    form = {
        "name": "GE Vernova Inc.",
        "tier_id": organization.tier_id,
        "version": organization.version,
    }
    other_admin.post(f"/admin/members/{organization.id}/edit", data=form)

    response = client.post(
        f"/admin/members/{organization.id}/edit",
        data=form | {"name": "GE Vernova LLC", "sector": "Energy"},
    )

    html = response.get_data(as_text=True)
    assert "Someone else saved this member" in html
    assert 'value="GE Vernova LLC"' in html
    assert organization.name == "GE Vernova Inc."


def test_admin_adds_a_term_and_its_invoice_is_issued(client, audit_log):
    organization = OrganizationFactory(tier=TierFactory(annual_fee=Decimal("250000")))

    response = client.post(
        f"/admin/members/{organization.id}/terms/new",
        data={
            "tier_id": organization.tier_id,
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "seed_commitment": "500000",
            "signed_on": "2025-12-15",
        },
    )

    assert response.status_code == 302
    term = db.session.scalar(sa.select(MembershipTerm))
    assert (term.annual_fee, term.seed_commitment) == (Decimal("250000"), Decimal("500000"))
    invoice = db.session.scalar(sa.select(Invoice))
    assert invoice.number == "2026-0001" and invoice.amount == Decimal("250000")
    page = client.get(f"/admin/members/{organization.id}").get_data(as_text=True)
    assert "Active" in page and "2026-0001" in page and "$500,000" in page


def test_overlapping_term_is_refused_beside_the_date_with_input_kept(client):
    organization = OrganizationFactory()
    TermFactory(organization=organization, starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))

    response = client.post(
        f"/admin/members/{organization.id}/terms/new",
        data={
            "tier_id": organization.tier_id,
            "starts_on": "2026-06-01",
            "ends_on": "2027-05-31",
            "seed_commitment": "123456",
        },
    )

    html = response.get_data(as_text=True)
    assert 'id="starts_on-error">This overlaps the term 01 Jan 2026 – 31 Dec 2026.' in html
    assert 'value="123456.00"' in html or 'value="123456"' in html
    assert count(MembershipTerm) == 1
    assert count(Invoice) == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("seed_commitment", "-5", "A commitment cannot be negative."),
        ("starts_on", "31/12/2026", "Not a valid date value."),
        ("annual_fee", "abc", "Not a valid decimal value."),
    ],
)
def test_bad_term_input_is_refused_beside_the_field(client, field, value, message):
    organization = OrganizationFactory()
    data = {
        "tier_id": organization.tier_id,
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
        "seed_commitment": "0",
    } | {field: value}

    response = client.post(f"/admin/members/{organization.id}/terms/new", data=data)

    assert f'id="{field}-error">{message}' in response.get_data(as_text=True)
    assert count(MembershipTerm) == 0


def test_renew_is_prefilled_with_the_next_period(client):
    organization = OrganizationFactory()
    TermFactory(
        organization=organization,
        starts_on=date(2025, 7, 1),
        ends_on=date(2026, 6, 30),
        seed_commitment=Decimal("150000"),
    )

    html = client.get(f"/admin/members/{organization.id}/terms/new?renew=1").get_data(as_text=True)

    assert 'value="2026-07-01"' in html and 'value="2027-06-30"' in html
    assert 'value="150000.00"' in html


def test_admin_adds_a_contact_and_invites_them_as_representative(client, outbox, audit_log):
    organization = OrganizationFactory()
    TermFactory(organization=organization)

    client.post(
        f"/admin/members/{organization.id}/contacts/new",
        data={"name": "Mia Member", "email": "Mia@Siemens.example", "role": "primary"},
    )
    contact = db.session.scalar(sa.select(Contact))
    client.post(f"/admin/members/contacts/{contact.id}/invite")

    assert contact.email == "mia@siemens.example"
    assert contact.user is not None and contact.user.email == "mia@siemens.example"
    assert outbox("invitation")[0].recipient_email == "mia@siemens.example"
    assert {"contact.added", "contact.representative_added"} <= {e.action for e in audit_log()}


def test_representative_limit_is_a_clear_message(client):
    organization = OrganizationFactory(tier=TierFactory(name="Startup", representatives_allowed=1))
    ContactFactory(organization=organization, user=UserFactory(member=True))
    second = ContactFactory(organization=organization)

    response = client.post(f"/admin/members/contacts/{second.id}/invite", follow_redirects=True)

    assert b"The Startup tier allows 1 representative" in response.data
    assert second.user is None


def test_invoice_is_issued_paid_and_voided_from_the_pages(client, audit_log):
    term = TermFactory(starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))

    client.post(
        f"/admin/members/terms/{term.id}/invoices/new",
        data={"amount": "1000", "issued_on": "2026-06-01", "due_on": "2026-07-01"},
    )
    client.post(
        f"/admin/members/terms/{term.id}/invoices/new",
        data={"amount": "500", "issued_on": "2026-06-02", "due_on": "2026-07-02"},
    )
    first, second = db.session.scalars(sa.select(Invoice).order_by(Invoice.number)).all()
    client.post(
        f"/admin/members/invoices/{first.id}/paid",
        data={"paid_on": "2026-06-10", "reference": "WIRE-1"},
    )
    client.post(f"/admin/members/invoices/{second.id}/void", data={"reason": "Duplicate"})

    assert (first.number, first.status, first.payment_reference) == (
        "2026-0001",
        InvoiceStatus.PAID,
        "WIRE-1",
    )
    assert (second.number, second.status) == ("2026-0002", InvoiceStatus.VOID)
    assert [e.action for e in audit_log()][-2:] == ["invoice.paid", "invoice.voided"]


def test_invoice_with_due_before_issue_is_refused_beside_the_field(client):
    term = TermFactory()

    response = client.post(
        f"/admin/members/terms/{term.id}/invoices/new",
        data={"amount": "1000", "issued_on": "2026-06-01", "due_on": "2026-05-01"},
    )

    assert b'id="due_on-error">The due date cannot come before the issue date.' in response.data
    assert count(Invoice) == 0


def test_paying_a_void_invoice_is_refused(client, admin):
    invoice = services.issue_invoice(TermFactory(), actor=admin)
    services.void_invoice(invoice, actor=admin, reason="x")
    db.session.commit()

    response = client.post(
        f"/admin/members/invoices/{invoice.id}/paid",
        data={"paid_on": "2026-06-10"},
        follow_redirects=True,
    )

    assert b"only an issued one can be paid" in response.data
    assert invoice.status == InvoiceStatus.VOID


def test_invoice_list_filters_overdue(client, admin):
    term = TermFactory()
    late = services.issue_invoice(
        term, actor=admin, issued_on=date(2026, 4, 1), due_on=date(2026, 5, 1)
    )
    services.issue_invoice(term, actor=admin, issued_on=date(2026, 6, 1), due_on=date(2026, 7, 1))
    db.session.commit()

    html = client.get("/admin/members/invoices?status=overdue").get_data(as_text=True)

    assert re.findall(r"<td>(\d{4}-\d{4})</td>", html) == [late.number]
    assert "Overdue 45 d" in html


def test_member_list_searches_filters_and_sorts(client):
    founding = TierFactory(name="Founding")
    associate = TierFactory(name="Associate")
    active = OrganizationFactory(
        name="Siemens", tier=founding, sector="Industrial", country="Germany"
    )
    TermFactory(organization=active, starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))
    OrganizationFactory(name="Amgen", tier=founding, sector="Biotech")
    OrganizationFactory(name="Zeta Startup", tier=associate, themes="batteries")

    def names(query):
        html = client.get(f"/admin/members/?{query}").get_data(as_text=True)
        return re.findall(r'/admin/members/\d+">([^<]+)</a>', html)

    assert names("") == ["Amgen", "Siemens", "Zeta Startup"]
    assert names("sort=-name") == ["Zeta Startup", "Siemens", "Amgen"]
    assert names("q=batter") == ["Zeta Startup"]
    assert names(f"tier={associate.id}") == ["Zeta Startup"]
    assert names("status=active") == ["Siemens"]
    assert names("status=prospect") == ["Amgen", "Zeta Startup"]
    assert names("country=Germany") == ["Siemens"]


def test_member_list_query_count_does_not_grow_with_rows(client, count_queries):
    OrganizationFactory()
    client.get("/admin/members/")
    with count_queries() as one:
        client.get("/admin/members/")
    for n in range(49):
        TermFactory(organization=OrganizationFactory(name=f"Member {n:02d}"))
    with count_queries() as fifty:
        client.get("/admin/members/")

    assert fifty.count == one.count


def test_member_detail_query_count_does_not_grow_with_rows(client, admin, count_queries):
    organization = OrganizationFactory()
    term = TermFactory(organization=organization)
    ContactFactory(organization=organization, user=UserFactory(member=True))
    client.get(f"/admin/members/{organization.id}")
    with count_queries() as few:
        client.get(f"/admin/members/{organization.id}")
    for _ in range(10):
        ContactFactory(organization=organization, user=UserFactory(member=True))
        services.issue_invoice(term, actor=admin)
    db.session.commit()
    with count_queries() as many:
        client.get(f"/admin/members/{organization.id}")

    assert many.count == few.count


def test_withdrawal_needs_a_reason_and_is_recorded(client):
    organization = OrganizationFactory()
    TermFactory(organization=organization)

    client.post(f"/admin/members/{organization.id}/withdraw", data={"reason": ""})
    assert organization.withdrawn_on is None
    client.post(f"/admin/members/{organization.id}/withdraw", data={"reason": "Strategy change"})

    assert organization.withdrawn_on == date(2026, 6, 15)
    assert "Withdrawn" in client.get(f"/admin/members/{organization.id}").get_data(as_text=True)


def test_tiers_are_created_edited_and_only_unused_ones_deleted(client):
    client.post(
        "/admin/members/tiers/new",
        data={
            "name": "Founding",
            "annual_fee": "250000",
            "representatives_allowed": "3",
            "votes": "3",
            "benefits": "Board seat",
        },
    )
    tier = db.session.scalar(sa.select(Tier))
    client.post(
        f"/admin/members/tiers/{tier.id}/edit",
        data={
            "name": "Founding",
            "annual_fee": "260000",
            "representatives_allowed": "4",
            "votes": "3",
        },
    )
    OrganizationFactory(tier=tier)

    refused = client.post(f"/admin/members/tiers/{tier.id}/delete", follow_redirects=True)

    assert (tier.annual_fee, tier.representatives_allowed) == (Decimal("260000"), 4)
    assert b"cannot be deleted" in refused.data
    assert count(Tier) == 1


def test_negative_tier_fee_is_refused_beside_the_field(client):
    response = client.post(
        "/admin/members/tiers/new",
        data={"name": "Odd", "annual_fee": "-1", "representatives_allowed": "1", "votes": "1"},
    )

    assert b'id="annual_fee-error">A fee cannot be negative.' in response.data
    assert count(Tier) == 0


def test_member_history_includes_its_terms_invoices_and_contacts(client, admin):
    organization = OrganizationFactory(name="Sanofi")
    client.post(
        f"/admin/members/{organization.id}/terms/new",
        data={
            "tier_id": organization.tier_id,
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "seed_commitment": "0",
        },
    )
    client.post(
        f"/admin/members/{organization.id}/contacts/new",
        data={"name": "Lea", "email": "lea@sanofi.example", "role": "billing"},
    )
    other = OrganizationFactory()
    services.add_contact(
        other, actor=admin, name="Elsewhere", email="x@other.example", role="primary"
    )
    db.session.commit()

    html = client.get(f"/admin/members/{organization.id}").get_data(as_text=True)

    for action in ("term.added", "invoice.issued", "contact.added", "organization.status_changed"):
        assert f"<code>{action}</code>" in html
    assert "x@other.example" not in html
