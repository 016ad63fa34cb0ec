"""The member portal: a representative sees their own membership only, while it is in force."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app import clock
from app.audit import services as audit
from app.extensions import db
from app.members import services
from app.members.models import Contact, ContactRole
from app.seed.queries import DEMO_LOADED
from tests.factories import (
    ContactFactory,
    OrganizationFactory,
    TermFactory,
    TierFactory,
    UserFactory,
    representative,
)

TODAY = date(2026, 6, 15)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 6, 15, 16, 0, tzinfo=UTC))


@pytest.fixture
def admin():
    return UserFactory(admin=True)


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


@pytest.fixture
def own(admin):
    """The representative's organization: two terms, three invoices, two more contacts."""
    tier = TierFactory(name="Founding", annual_fee=Decimal("250000"), benefits="Board seat.")
    organization = OrganizationFactory(
        name="Siemens",
        tier=tier,
        sector="Industrial technology",
        country="Germany",
        website="https://www.siemens.com",
        themes="Digital twins, AI for manufacturing",
    )
    past = TermFactory(
        organization=organization,
        starts_on=date(2024, 7, 1),
        ends_on=date(2025, 6, 30),
        annual_fee=Decimal("240000"),
        seed_commitment=Decimal("400000"),
    )
    current = TermFactory(
        organization=organization,
        starts_on=date(2025, 7, 1),
        ends_on=date(2026, 6, 30),
        annual_fee=Decimal("250000"),
        seed_commitment=Decimal("500000"),
    )
    paid = services.issue_invoice(
        past, actor=admin, issued_on=date(2024, 7, 1), due_on=date(2024, 7, 31)
    )
    services.mark_invoice_paid(paid, actor=admin, paid_on=date(2024, 7, 15))
    overdue = services.issue_invoice(
        current, actor=admin, issued_on=date(2026, 5, 1), due_on=date(2026, 6, 1)
    )
    user = representative(organization, name="Mia Member", email="mia@siemens.example")
    ContactFactory(
        organization=organization,
        name="Bert Billing",
        email="bert@siemens.example",
        role=ContactRole.BILLING,
    )
    db.session.commit()
    return {"organization": organization, "user": user, "paid": paid, "overdue": overdue}


@pytest.fixture
def other(admin):
    """Another active member, whose fees, invoices and contacts are none of our business."""
    organization = OrganizationFactory(
        name="Sanofi", tier=TierFactory(name="Sustaining"), sector="Pharmaceuticals"
    )
    term = TermFactory(
        organization=organization,
        starts_on=days(-100),
        ends_on=days(265),
        annual_fee=Decimal("123457"),
        seed_commitment=Decimal("765433"),
    )
    invoice = services.issue_invoice(
        term, actor=admin, amount=Decimal("98765"), issued_on=days(-50), due_on=days(-20)
    )
    user = representative(organization, name="Otto Other", email="otto@sanofi.example")
    ContactFactory(organization=organization, name="Carla Secret", email="carla@sanofi.example")
    db.session.commit()
    return {"organization": organization, "user": user, "invoice": invoice}


OTHER_SECRETS = ("123,457", "765,433", "98,765", "Otto Other", "otto@sanofi.example")


def page(login, user, path: str = "/portal/"):
    return login(user).get(path)


def test_home_shows_the_representatives_own_organization(login, own, other):
    response = page(login, own["user"])
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    for text in (
        "Siemens",
        "Founding",
        "Industrial technology",
        "Germany",
        'href="https://www.siemens.com"',
        "Digital twins, AI for manufacturing",
        "Active",
        "01 Jul 2025",
        "30 Jun 2026",
        "$250,000",  # this year's fee
        "$500,000",  # this year's commitment
        "FY2026",
        own["paid"].number,
        own["overdue"].number,
        "Overdue by 14 days",
        "Paid",
        "Bert Billing",
        "bert@siemens.example",
        "Billing",
    ):
        assert text in html, text


def test_home_never_shows_another_members_fees_invoices_or_contacts(login, own, other):
    html = page(login, own["user"]).get_data(as_text=True)

    for secret in (*OTHER_SECRETS, other["invoice"].number, "Carla Secret", "Sanofi"):
        assert secret not in html, secret


def test_each_representative_sees_only_their_own_organization(login, own, other):
    html = page(login, other["user"]).get_data(as_text=True)

    assert "Sanofi" in html and other["invoice"].number in html
    assert "Siemens" not in html and own["overdue"].number not in html
    assert "bert@siemens.example" not in html


@pytest.mark.parametrize("path", ["/portal/", "/portal/contact", "/portal/directory"])
def test_a_lapsed_members_representative_is_refused(login, own, monkeypatch, path):
    # The term ended on 30 Jun 2026; 60 days of grace later the membership has lapsed.
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 9, 1, 16, 0, tzinfo=UTC))

    response = page(login, own["user"], path)

    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "Your organization's membership is not active" in html
    assert "Siemens's membership has lapsed" in html
    assert own["paid"].number not in html


def test_a_withdrawn_members_representative_regains_access_with_a_new_term(
    login, own, admin, audit_log
):
    services.withdraw_organization(own["organization"], actor=admin, reason="Merger")
    db.session.commit()
    client = login(own["user"])

    refused = client.get("/portal/")
    assert refused.status_code == 403
    assert "Siemens has withdrawn from the consortium" in refused.get_data(as_text=True)

    services.add_term(
        own["organization"],
        services.TermValues(tier=own["organization"].tier, starts_on=days(20), ends_on=days(385)),
        actor=admin,
    )
    db.session.commit()
    assert client.get("/portal/").status_code == 200
    assert [event.detail["to"] for event in audit_log("organization.status_changed")] == [
        "withdrawn",
        "active",
    ]


def test_access_continues_through_grace(login, own, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 7, 20, 16, 0, tzinfo=UTC))

    response = page(login, own["user"])

    assert response.status_code == 200
    assert "grace period" in response.get_data(as_text=True)


def test_a_member_account_linked_to_no_organization_is_refused(login):
    response = page(login, UserFactory(member=True))

    assert response.status_code == 403
    assert "not linked to a member organization" in response.get_data(as_text=True)


def test_a_prospects_representative_is_refused(login):
    prospect = OrganizationFactory()
    TermFactory(organization=prospect, starts_on=days(10), ends_on=days(375))

    response = page(login, representative(prospect))

    assert response.status_code == 403
    assert "membership has not started yet" in response.get_data(as_text=True)


def test_researchers_and_administrators_without_the_member_role_are_refused(login, own, admin):
    assert page(login, admin).status_code == 403
    assert page(login, UserFactory(researcher=True)).status_code == 403


# Own contact details


def contact_of(user) -> Contact:
    return db.session.scalar(sa.select(Contact).where(Contact.user_id == user.id))


def test_representative_edits_their_own_contact_details(login, own, audit_log):
    response = login(own["user"]).post(
        "/portal/contact",
        data={"name": " Mia M. Member ", "title": "Head of Research", "phone": "+49 89 1234"},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/portal/"
    contact = contact_of(own["user"])
    assert (contact.name, contact.title, contact.phone) == (
        "Mia M. Member",
        "Head of Research",
        "+49 89 1234",
    )
    [event] = audit_log("contact.updated")
    assert event.actor_id == own["user"].id
    assert event.detail["title"] == ["", "Head of Research"]


def test_representative_cannot_change_their_email_or_another_contact(login, own, other):
    before = {
        (c.id, c.name, c.email, c.title, c.phone)
        for c in db.session.scalars(sa.select(Contact)).all()
        if c.user_id != own["user"].id
    }
    contact = contact_of(own["user"])
    bert = db.session.scalar(sa.select(Contact).where(Contact.email == "bert@siemens.example"))

    response = login(own["user"]).post(
        f"/portal/contact?contact_id={bert.id}",
        data={
            "name": "Mia Member",
            "email": "hijack@example.org",
            "contact_id": str(bert.id),
            "title": "CTO",
        },
    )

    assert response.status_code == 302
    db.session.expire_all()
    assert contact_of(own["user"]).email == "mia@siemens.example"
    assert contact_of(own["user"]).id == contact.id
    after = {
        (c.id, c.name, c.email, c.title, c.phone)
        for c in db.session.scalars(sa.select(Contact)).all()
        if c.user_id != own["user"].id
    }
    assert after == before


def test_the_contact_form_shows_the_email_as_text_not_a_field(login, own):
    html = page(login, own["user"], "/portal/contact").get_data(as_text=True)

    assert "mia@siemens.example" in html
    assert 'name="email"' not in html
    assert 'name="name"' in html and 'name="phone"' in html and 'name="title"' in html


def test_a_contact_without_a_name_is_refused_and_nothing_changes(login, own, audit_log):
    response = login(own["user"]).post(
        "/portal/contact", data={"name": "  ", "title": "Kept in the form"}
    )

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "This field is required." in html
    assert 'value="Kept in the form"' in html
    assert contact_of(own["user"]).name == "Mia Member"
    assert audit_log("contact.updated") == []


# The directory


def test_directory_lists_members_in_good_standing_without_fees(login, own, other, admin):
    tier = TierFactory(name="Associate")
    lapsed = OrganizationFactory(name="Lapsed Co", tier=tier)
    TermFactory(organization=lapsed, starts_on=date(2024, 1, 1), ends_on=date(2024, 12, 31))
    withdrawn = OrganizationFactory(name="Withdrawn Co", tier=tier)
    TermFactory(organization=withdrawn, starts_on=days(-10), ends_on=days(300))
    services.withdraw_organization(withdrawn, actor=admin, reason="Left")
    OrganizationFactory(name="Prospect Co", tier=tier)
    grace = OrganizationFactory(name="Grace Co", tier=tier, website="grace.example")
    TermFactory(organization=grace, starts_on=date(2025, 6, 1), ends_on=days(-5))
    db.session.commit()

    response = page(login, own["user"], "/portal/directory")
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "Siemens" in html and "Sanofi" in html and "Grace Co" in html
    assert "Pharmaceuticals" in html and "Sustaining" in html
    assert ">grace.example<" in html and 'href="grace.example"' not in html
    for absent in ("Lapsed Co", "Withdrawn Co", "Prospect Co"):
        assert absent not in html, absent
    for secret in (*OTHER_SECRETS, "$", "carla@sanofi.example", other["invoice"].number):
        assert secret not in html, secret
    assert "3 members" in html


# Queries and the demo note


def test_home_query_count_does_not_grow_with_invoices_and_contacts(
    login, own, admin, count_queries
):
    client = login(own["user"])

    def queries() -> int:
        db.session.commit()
        with count_queries() as counter:
            assert client.get("/portal/").status_code == 200
        return counter.count

    few = queries()
    term = own["organization"].terms[-1]
    for n in range(20):
        services.issue_invoice(term, actor=admin, amount=Decimal(100 + n), issued_on=days(-n))
        ContactFactory(organization=own["organization"])
    TermFactory(organization=own["organization"], starts_on=days(16), ends_on=days(380))

    assert queries() == few


def test_portal_says_demo_figures_are_illustrative(login, own):
    assert "Demonstration data" not in page(login, own["user"]).get_data(as_text=True)

    audit.record(None, DEMO_LOADED, own["organization"])

    assert "Demonstration data" in page(login, own["user"]).get_data(as_text=True)
