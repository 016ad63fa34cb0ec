"""Demo membership: tiers, the six founding members and a few others in every state.

Everything goes through the membership services, so the audit log, statuses and invoice
numbers are the real thing; dates are relative to today. Fees and commitments are made up.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from app import clock
from app.audit import services as audit
from app.auth.models import User
from app.extensions import db
from app.members import queries, services
from app.members.models import Contact, ContactRole, MembershipTerm, Organization, Tier
from app.seed.queries import DEMO_LOADED, demo_data_loaded

# (name, annual fee, representatives, votes, benefits)
TIERS = [
    (
        "Founding",
        250000,
        3,
        3,
        "A seat on the steering committee; a first look at every call's proposals; named "
        "sponsorship of seed projects; three member representatives.",
    ),
    (
        "Sustaining",
        100000,
        2,
        2,
        "A seat on the advisory board; summaries of every open call's proposals; two member "
        "representatives.",
    ),
    (
        "Associate",
        50000,
        1,
        1,
        "The annual research review; summaries of proposals in calls open to members; one "
        "member representative.",
    ),
    (
        "Startup",
        10000,
        1,
        1,
        "For companies under five years old: the annual research review and the member "
        "directory; one member representative.",
    ),
]


@dataclass(frozen=True)
class DemoTerm:
    """A term as days from today, with what happened to its invoice."""

    starts: int  # days from today (negative: in the past)
    days: int = 365
    commitment: int = 0
    paid_after: int | None = 14  # days after issue; None leaves the invoice unpaid


@dataclass(frozen=True)
class DemoMember:
    """A demo organization, its terms and its people."""

    name: str
    tier: str
    sector: str
    country: str
    website: str
    themes: str
    domain: str
    people: list[tuple[str, str, ContactRole]]
    terms: list[DemoTerm] = field(default_factory=list)


TITLES = {
    ContactRole.PRIMARY: "Director of External Research",
    ContactRole.BILLING: "Accounts Payable Manager",
    ContactRole.TECHNICAL: "Principal Engineer",
}


def _people(*names: str) -> list[tuple[str, str, ContactRole]]:
    """Return (name, email local part, role): the first is primary, then billing, technical."""
    return [
        (name, name.lower().replace(" ", "."), role)
        for name, role in zip(names, TITLES, strict=False)
    ]


FOUNDING_COMMITMENT = 500000
FOUNDING_MEMBERS = [
    DemoMember(
        "Amgen",
        "Founding",
        "Biotechnology",
        "United States",
        "https://www.amgen.com",
        "Biomanufacturing, AI for process development",
        "amgen.example",
        _people("Priya Raman", "Tom Becker", "Lucia Ortiz"),
        [
            DemoTerm(-665, commitment=FOUNDING_COMMITMENT),
            DemoTerm(-300, commitment=FOUNDING_COMMITMENT),
        ],
    ),
    DemoMember(
        "Flextronics International USA",
        "Founding",
        "Electronics manufacturing",
        "United States",
        "https://flex.com",
        "Electronics assembly, Supply-chain resilience, AI for manufacturing",
        "flex.example",
        _people("Daniel Cho", "Maria Santos"),
        [DemoTerm(-280, commitment=FOUNDING_COMMITMENT)],
    ),
    DemoMember(
        "GE Vernova",
        "Founding",
        "Energy",
        "United States",
        "https://www.gevernova.com",
        "Grid equipment, Turbine manufacturing, Energy transition",
        "gevernova.example",
        _people("Samuel Okoro", "Hannah Weiss"),
        [DemoTerm(-200, commitment=FOUNDING_COMMITMENT)],
    ),
    DemoMember(
        "PTC",
        "Founding",
        "Industrial software",
        "United States",
        "https://www.ptc.com",
        "Digital twins, Product lifecycle management, Augmented reality on the shop floor",
        "ptc.example",
        _people("Grace Liu", "Peter Novak"),
        [DemoTerm(-150, commitment=FOUNDING_COMMITMENT)],
    ),
    DemoMember(
        "Sanofi",
        "Founding",
        "Pharmaceuticals",
        "France",
        "https://www.sanofi.com",
        "Biomanufacturing, Continuous processing, Quality by design",
        "sanofi.example",
        _people("Camille Laurent", "Julien Moreau"),
        [DemoTerm(-120, commitment=FOUNDING_COMMITMENT)],
    ),
    DemoMember(
        "Siemens",
        "Founding",
        "Industrial technology",
        "Germany",
        "https://www.siemens.com",
        "Automation, Digital twins, Semiconductors",
        "siemens.example",
        _people("Jonas Keller", "Anna Fischer"),
        [
            DemoTerm(-425, commitment=FOUNDING_COMMITMENT),
            DemoTerm(-60, commitment=FOUNDING_COMMITMENT),
        ],
    ),
]
OTHER_MEMBERS = [
    DemoMember(  # active and paid up
        "Northwind Composites",
        "Sustaining",
        "Advanced materials",
        "United States",
        "https://northwind-composites.example",
        "Composites, Additive manufacturing",
        "northwind-composites.example",
        _people("Ellen Park", "Marcus Reed"),
        [DemoTerm(-90, commitment=150000)],
    ),
    DemoMember(  # active, with its invoice 45 days overdue
        "Tidewater Aerospace",
        "Sustaining",
        "Aerospace",
        "United Kingdom",
        "https://tidewater-aero.example",
        "Aviation, Defense, Inspection with computer vision",
        "tidewater-aero.example",
        _people("Oliver Grant", "Fiona Hale"),
        [DemoTerm(-75, commitment=100000, paid_after=None)],
    ),
    DemoMember(  # its term ended 20 days ago: in grace
        "Quarry Semiconductor",
        "Associate",
        "Semiconductors",
        "Taiwan",
        "https://quarry-semi.example",
        "Semiconductors, Yield analytics",
        "quarry-semi.example",
        _people("Mei Lin Chen"),
        [DemoTerm(-385, commitment=25000)],
    ),
    DemoMember(  # its last term ended long ago: lapsed
        "Larkspur Bioprocess",
        "Associate",
        "Biomanufacturing",
        "Switzerland",
        "https://larkspur-bio.example",
        "Cell therapy manufacturing",
        "larkspur-bio.example",
        _people("Nina Baumann"),
        [DemoTerm(-600)],
    ),
    DemoMember(  # active, renewal due within the quarter
        "Brightline Robotics",
        "Startup",
        "Robotics",
        "Canada",
        "https://brightline-robotics.example",
        "Collaborative robots, AI for manufacturing",
        "brightline-robotics.example",
        _people("Theo Martin"),
        [DemoTerm(-320)],
    ),
    DemoMember(  # talking to us, no term yet: a prospect
        "Kestrel Additive",
        "Startup",
        "Additive manufacturing",
        "Germany",
        "https://kestrel-additive.example",
        "Metal 3D printing",
        "kestrel-additive.example",
        _people("Lena Vogel"),
    ),
]
DEMO_MEMBERS = FOUNDING_MEMBERS + OTHER_MEMBERS
REPRESENTED_MEMBER = "Siemens"  # member@seedbed.test represents it


def ensure_tiers(actor: User) -> dict[str, Tier]:
    """Create the demo tiers that are missing; return every demo tier by name."""
    tiers = {}
    for name, fee, representatives, votes, benefits in TIERS:
        tier = db.session.scalar(sa.select(Tier).where(sa.func.lower(Tier.name) == name.lower()))
        if tier is None:
            tier = services.create_tier(
                actor=actor,
                name=name,
                annual_fee=Decimal(fee),
                representatives_allowed=representatives,
                votes=votes,
                benefits=benefits,
            )
        tiers[name] = tier
    return tiers


def _add_term(organization: Organization, tier: Tier, term: DemoTerm, actor: User) -> None:
    today = clock.today()
    starts_on = today + timedelta(days=term.starts)
    added: MembershipTerm = services.add_term(
        organization,
        services.TermValues(
            tier=tier,
            starts_on=starts_on,
            ends_on=starts_on + timedelta(days=term.days - 1),
            seed_commitment=Decimal(term.commitment),
            signed_on=starts_on - timedelta(days=21),
        ),
        actor=actor,
        # Issued on the day the term started instead, so the dues history looks lived-in.
        issue_invoice_now=False,
    )
    invoice = services.issue_invoice(added, actor=actor, issued_on=starts_on)
    if term.paid_after is not None:
        paid_on = min(starts_on + timedelta(days=term.paid_after), today)
        services.mark_invoice_paid(
            invoice, actor=actor, paid_on=paid_on, reference=f"WIRE-{invoice.number}"
        )


def ensure_member(demo: DemoMember, tiers: dict[str, Tier], actor: User) -> Organization:
    """Create a demo member with its terms, invoices and contacts, unless it exists."""
    existing = db.session.scalar(
        sa.select(Organization).where(sa.func.lower(Organization.name) == demo.name.lower())
    )
    if existing is not None:
        return existing
    organization = services.create_organization(
        actor=actor,
        name=demo.name,
        sector=demo.sector,
        country=demo.country,
        website=demo.website,
        themes=demo.themes,
        tier_id=tiers[demo.tier].id,
    )
    for name, local_part, role in demo.people:
        services.add_contact(
            organization,
            actor=actor,
            name=name,
            email=f"{local_part}@{demo.domain}",
            role=role,
            title=TITLES[role],
        )
    for term in demo.terms:
        _add_term(organization, tiers[demo.tier], term, actor)
    return organization


def ensure_representative(organization: Organization, user: User, actor: User) -> None:
    """Make `user` a representative of the organization, through a contact of their own."""
    if queries.representative_contact(user) is not None:
        return
    contact = db.session.scalar(
        sa.select(Contact).where(
            Contact.organization_id == organization.id, Contact.email == user.email
        )
    )
    if contact is None:
        contact = services.add_contact(
            organization,
            actor=actor,
            name=user.name,
            email=user.email,
            role=ContactRole.ADVISORY_BOARD,
            title="Head of University Relations",
        )
    services.invite_representative(contact, actor=actor)


def seed_members(*, admin: User, representative: User) -> None:
    """Load the demo membership; a second run adds nothing."""
    tiers = ensure_tiers(admin)
    organizations = {demo.name: ensure_member(demo, tiers, admin) for demo in DEMO_MEMBERS}
    ensure_representative(organizations[REPRESENTED_MEMBER], representative, admin)
    if not demo_data_loaded():
        # The mark that makes the dashboard and portal say the figures are illustrative.
        audit.record(admin, DEMO_LOADED, admin, {"organizations": sorted(organizations)})
