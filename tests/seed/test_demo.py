"""`flask seed demo`: the demo membership is complete, realistic and loaded only once."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from app import clock
from app.auth.models import User
from app.extensions import db
from app.members.models import (
    Invoice,
    InvoiceStatus,
    MembershipStatus,
    Organization,
    Tier,
)
from app.members.queries import representative_contact, statuses
from app.seed.queries import demo_data_loaded

TODAY = date(2026, 6, 15)
FOUNDING = {
    "Amgen": ("Biotechnology", "United States"),
    "Flextronics International USA": ("Electronics manufacturing", "United States"),
    "GE Vernova": ("Energy", "United States"),
    "PTC": ("Industrial software", "United States"),
    "Sanofi": ("Pharmaceuticals", "France"),
    "Siemens": ("Industrial technology", "Germany"),
}


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 6, 15, 16, 0, tzinfo=UTC))


def row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


@pytest.fixture
def seeded(app):
    result = app.test_cli_runner().invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    return result


def organization(name: str) -> Organization:
    return db.session.scalar(sa.select(Organization).where(Organization.name == name))


def test_a_second_run_adds_nothing(app, seeded):
    first = row_counts()

    again = app.test_cli_runner().invoke(args=["seed", "demo"])

    assert again.exit_code == 0, again.output
    assert row_counts() == first
    assert first["organizations"] == 12
    assert first["invoices"] > 0 and first["audit_events"] > 0


def test_the_tiers_have_their_fees_seats_and_votes(seeded):
    tiers = {
        tier.name: (tier.annual_fee, tier.representatives_allowed, tier.votes, bool(tier.benefits))
        for tier in db.session.scalars(sa.select(Tier))
    }

    assert tiers == {
        "Founding": (250000, 3, 3, True),
        "Sustaining": (100000, 2, 2, True),
        "Associate": (50000, 1, 1, True),
        "Startup": (10000, 1, 1, True),
    }


@pytest.mark.parametrize("name", FOUNDING)
def test_the_six_founding_members_are_active_paid_up_and_committed(seeded, name):
    member = organization(name)

    assert (member.sector, member.country) == FOUNDING[name]
    assert member.tier.name == "Founding"
    assert statuses(TODAY, 60)[member.id] == MembershipStatus.ACTIVE
    current = [term for term in member.terms if term.starts_on <= TODAY <= term.ends_on]
    assert len(current) == 1 and current[0].seed_commitment > 0
    assert member.invoices and all(i.status == InvoiceStatus.PAID for i in member.invoices)
    assert member.contacts


def test_the_other_members_cover_every_state(seeded):
    by_name = {
        org.name: statuses(TODAY, 60)[org.id]
        for org in db.session.scalars(sa.select(Organization))
        if org.name not in FOUNDING
    }
    overdue = db.session.scalars(
        sa.select(Invoice).where(Invoice.status == InvoiceStatus.ISSUED, Invoice.due_on < TODAY)
    ).all()

    assert set(by_name.values()) == {
        MembershipStatus.ACTIVE,
        MembershipStatus.GRACE,
        MembershipStatus.LAPSED,
        MembershipStatus.PROSPECT,
    }
    assert [invoice.organization.name for invoice in overdue] == ["Tidewater Aerospace"]
    used_tiers = db.session.scalars(sa.select(Tier.name).join(Organization).distinct())
    assert set(used_tiers) == {"Founding", "Sustaining", "Associate", "Startup"}
    without_contacts = db.session.scalars(
        sa.select(Organization.name).where(~Organization.contacts.any())
    )
    assert list(without_contacts) == []


def test_the_demo_member_represents_siemens(seeded):
    member = db.session.scalar(sa.select(User).where(User.email == "member@seedbed.test"))

    contact = representative_contact(member)

    assert contact.organization.name == "Siemens"


def test_the_pages_say_the_figures_are_illustrative(seeded, login):
    admin = db.session.scalar(sa.select(User).where(User.email == "admin@seedbed.test"))
    member = db.session.scalar(sa.select(User).where(User.email == "member@seedbed.test"))

    assert demo_data_loaded()
    assert "Demonstration data" in login(admin).get("/admin/members/dashboard").get_data(True)
    portal = login(member).get("/portal/").get_data(as_text=True)
    assert "Demonstration data" in portal and "Siemens" in portal
