"""Who may fund, follow and end awards: the program office."""

from app.auth.models import Role
from app.auth.policy import has_role
from app.awards.models import Award, AwardState


def can_manage_awards(user) -> bool:
    """Administrators create awards, see them all and end them."""
    return has_role(user, Role.ADMIN)


def can_terminate_award(user, award: Award) -> bool:
    """An administrator may end an award while it is active."""
    return can_manage_awards(user) and award.state == AwardState.ACTIVE
