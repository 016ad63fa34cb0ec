"""Who may see and run calls."""

from app.auth.models import Role
from app.auth.policy import has_role, is_signed_in
from app.calls.models import Call, CallState


def can_manage_calls(user) -> bool:
    """Administrators create, edit and move calls through their states."""
    return has_role(user, Role.ADMIN)


def can_view_call(user, call: Call) -> bool:
    """Everyone signed in sees published calls; drafts only administrators."""
    if can_manage_calls(user):
        return True
    return is_signed_in(user) and call.state != CallState.DRAFT


def can_propose_to(user, call: Call) -> bool:
    """Researchers may start proposals to a call that is open (the service checks the clock)."""
    return has_role(user, Role.RESEARCHER) and call.state == CallState.OPEN
