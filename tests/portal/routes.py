"""Member portal routes in the authorization matrix: representatives of members in force only."""

from datetime import timedelta

from app import clock
from app.members.queries import representative_contact
from tests.authz import LOGIN, Route, everyone
from tests.factories import ContactFactory, OrganizationFactory, TermFactory


def representatives(status) -> dict:
    """Both representatives of active members get `status`; everyone else 403 (or sign in)."""
    return everyone(403, anonymous=LOGIN) | {"member": status, "other_member": status}


ROUTES = [
    Route("portal.home", "GET", "/portal/", representatives(200)),
    Route("portal.edit_contact", "GET", "/portal/contact", representatives(200)),
    Route(
        "portal.edit_contact",
        "POST",
        "/portal/contact",
        representatives(302),
        {"name": "Renamed Representative", "title": "CTO", "phone": "+1 617 555 0100"},
        changes=True,
    ),
    Route("portal.directory", "GET", "/portal/directory", representatives(200)),
]


def arrange(people) -> dict[str, int]:
    """Make "member" and "other_member" representatives of two different active members."""
    for role in ("member", "other_member"):
        user = people[role]
        if representative_contact(user) is not None:  # another feature linked them already
            continue
        organization = OrganizationFactory()
        starts_on = clock.today() - timedelta(days=100)
        TermFactory(
            organization=organization, starts_on=starts_on, ends_on=starts_on + timedelta(364)
        )
        ContactFactory(organization=organization, email=user.email, name=user.name, user=user)
    return {}
