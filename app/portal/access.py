"""Who may use the member pages: a representative of a member in force, checked at each request."""

from flask import current_app
from werkzeug.exceptions import Forbidden

from app import clock
from app.auth.models import User
from app.members import queries as member_queries
from app.members.models import Contact, MembershipStatus
from app.members.policy import has_member_access


class MembershipNotActive(Forbidden):
    """A member representative whose organization's membership gives no access (or who has none)."""

    def __init__(self, contact: Contact | None, status: MembershipStatus | None):
        super().__init__()
        self.contact = contact
        self.status = status


def grace_days() -> int:
    """Return how many days after a term ends its member keeps access."""
    return current_app.config["MEMBERSHIP_GRACE_DAYS"]


def representation(user: User) -> tuple[Contact, MembershipStatus]:
    """Return the user's representative contact and their organization's status today.

    Raises MembershipNotActive when the account represents no one, or a member that is
    lapsed, withdrawn or not yet started: access follows the status at once.
    """
    contact = member_queries.representative_contact(user)
    status = (
        member_queries.organization_status(contact.organization, clock.today(), grace_days())
        if contact is not None
        else None
    )
    if not has_member_access(user, contact, status):
        raise MembershipNotActive(contact, status)
    return contact, status
