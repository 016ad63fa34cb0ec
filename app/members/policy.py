"""Who may see and change membership."""

from app.auth.models import Role
from app.auth.policy import has_role
from app.members.models import Contact, MembershipStatus, Organization

# What a representative may change of their own contact: the email is their sign-in address
# and the role is the program office's to set.
OWN_CONTACT_FIELDS = ("name", "title", "phone")


def can_manage_members(user) -> bool:
    """Administrators run membership: members, tiers, terms, contacts, invoices."""
    return has_role(user, Role.ADMIN)


def has_member_access(user, contact: Contact | None, status: MembershipStatus | None) -> bool:
    """A representative of an active (or in-grace) member may use the member pages."""
    return (
        has_role(user, Role.MEMBER)
        and contact is not None
        and contact.user_id == user.id
        and status is not None
        and status.grants_member_access
    )


def can_view_organization_portal(
    user, organization: Organization, contact: Contact | None, status: MembershipStatus | None
) -> bool:
    """Representatives see their own organization's terms and invoices, nobody else's."""
    return has_member_access(user, contact, status) and contact.organization_id == organization.id


def can_edit_contact(
    user, target: Contact, own: Contact | None, status: MembershipStatus | None
) -> bool:
    """Administrators edit any contact; a representative edits only their own details."""
    if can_manage_members(user):
        return True
    return has_member_access(user, own, status) and own.id == target.id
