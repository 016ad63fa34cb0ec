"""Membership administration routes in the authorization matrix: administrators only."""

from datetime import date

from app.extensions import db
from app.members import services
from tests.authz import Route, admin_only
from tests.factories import (
    ContactFactory,
    OrganizationFactory,
    TermFactory,
    TierFactory,
    UserFactory,
)

ROUTES = [
    Route("members.index", "GET", "/admin/members/", admin_only(200)),
    Route("members.create", "GET", "/admin/members/new", admin_only(200)),
    Route(
        "members.create",
        "POST",
        "/admin/members/new",
        admin_only(302),
        {"name": "Newco", "tier_id": "{tier}"},
        changes=True,
    ),
    Route("members.detail", "GET", "/admin/members/{organization}", admin_only(200)),
    Route("members.edit", "GET", "/admin/members/{organization}/edit", admin_only(200)),
    Route(
        "members.edit",
        "POST",
        "/admin/members/{organization}/edit",
        admin_only(302),
        {"name": "Renamed Co", "tier_id": "{tier}", "version": "1"},
        changes=True,
    ),
    Route(
        "members.withdraw",
        "POST",
        "/admin/members/{organization}/withdraw",
        admin_only(302),
        {"reason": "Left"},
        changes=True,
    ),
    Route("members.add_term", "GET", "/admin/members/{organization}/terms/new", admin_only(200)),
    Route(
        "members.add_term",
        "POST",
        "/admin/members/{organization}/terms/new",
        admin_only(302),
        {
            "tier_id": "{tier}",
            "starts_on": "2031-01-01",
            "ends_on": "2031-12-31",
            "seed_commitment": "0",
        },
        changes=True,
    ),
    Route("members.edit_term", "GET", "/admin/members/terms/{term}/edit", admin_only(200)),
    Route(
        "members.edit_term",
        "POST",
        "/admin/members/terms/{term}/edit",
        admin_only(302),
        {
            "tier_id": "{tier}",
            "starts_on": "2020-01-01",
            "ends_on": "2020-12-31",
            "seed_commitment": "5",
        },
        changes=True,
    ),
    Route(
        "members.add_contact", "GET", "/admin/members/{organization}/contacts/new", admin_only(200)
    ),
    Route(
        "members.add_contact",
        "POST",
        "/admin/members/{organization}/contacts/new",
        admin_only(302),
        {"name": "New Person", "email": "new.person@company.example", "role": "billing"},
        changes=True,
    ),
    Route("members.edit_contact", "GET", "/admin/members/contacts/{contact}/edit", admin_only(200)),
    Route(
        "members.edit_contact",
        "POST",
        "/admin/members/contacts/{contact}/edit",
        admin_only(302),
        {"name": "Changed", "email": "changed@company.example", "role": "technical"},
        changes=True,
    ),
    Route(
        "members.remove_contact",
        "POST",
        "/admin/members/contacts/{contact}/remove",
        admin_only(302),
        changes=True,
    ),
    Route(
        "members.invite_representative",
        "POST",
        "/admin/members/contacts/{contact}/invite",
        admin_only(302),
        changes=True,
    ),
    Route(
        "members.remove_representative",
        "POST",
        "/admin/members/contacts/{represented}/revoke",
        admin_only(302),
        changes=True,
    ),
    Route(
        "members.issue_invoice", "GET", "/admin/members/terms/{term}/invoices/new", admin_only(200)
    ),
    Route(
        "members.issue_invoice",
        "POST",
        "/admin/members/terms/{term}/invoices/new",
        admin_only(302),
        {"amount": "100", "issued_on": "2026-01-01", "due_on": "2026-01-31"},
        changes=True,
    ),
    Route("members.invoices", "GET", "/admin/members/invoices", admin_only(200)),
    Route(
        "members.mark_paid",
        "POST",
        "/admin/members/invoices/{invoice}/paid",
        admin_only(302),
        {"paid_on": "2026-01-02"},
        changes=True,
    ),
    Route(
        "members.void_invoice",
        "POST",
        "/admin/members/invoices/{invoice}/void",
        admin_only(302),
        {"reason": "Wrong"},
        changes=True,
    ),
    Route("members.tiers", "GET", "/admin/members/tiers", admin_only(200)),
    Route("members.create_tier", "GET", "/admin/members/tiers/new", admin_only(200)),
    Route(
        "members.create_tier",
        "POST",
        "/admin/members/tiers/new",
        admin_only(302),
        {"name": "Platinum", "annual_fee": "1", "representatives_allowed": "1", "votes": "1"},
        changes=True,
    ),
    Route("members.edit_tier", "GET", "/admin/members/tiers/{tier}/edit", admin_only(200)),
    Route(
        "members.edit_tier",
        "POST",
        "/admin/members/tiers/{tier}/edit",
        admin_only(302),
        {"name": "Gold", "annual_fee": "2", "representatives_allowed": "3", "votes": "1"},
        changes=True,
    ),
    Route(
        "members.delete_tier",
        "POST",
        "/admin/members/tiers/{unused_tier}/delete",
        admin_only(302),
        changes=True,
    ),
]


def arrange(people) -> dict[str, int]:
    """Create a member with a term, contacts (one a representative) and an invoice."""
    tier = TierFactory(representatives_allowed=5)
    unused_tier = TierFactory()
    organization = OrganizationFactory(tier=tier)
    term = TermFactory(
        organization=organization, starts_on=date(2025, 1, 1), ends_on=date(2025, 12, 31)
    )
    contact = ContactFactory(organization=organization)
    represented = ContactFactory(organization=organization, user=UserFactory(member=True))
    invoice = services.issue_invoice(
        term, actor=people["admin"], issued_on=date(2025, 1, 1), due_on=date(2025, 1, 31)
    )
    db.session.commit()
    return {
        "tier": tier.id,
        "unused_tier": unused_tier.id,
        "organization": organization.id,
        "term": term.id,
        "contact": contact.id,
        "represented": represented.id,
        "invoice": invoice.id,
    }
