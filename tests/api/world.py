"""A small consortium for property-based API tests: one user per role and a little data."""

from tests.factories import CallFactory, OrganizationFactory, UserFactory, representative


def build_world() -> dict:
    """Create one user per role and something for each to see; return them by role."""
    organization = OrganizationFactory()
    CallFactory()
    CallFactory(draft=True)
    return {
        "admin": UserFactory(admin=True),
        "researcher": UserFactory(researcher=True),
        "reviewer": UserFactory(reviewer=True),
        "member": representative(organization),
    }
