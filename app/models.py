"""Every model, imported in one place for Alembic and `flask shell`."""

from app.api.models import AccessToken
from app.audit.models import AuditEvent
from app.auth.models import Role, User, UserRole, UserToken
from app.awards.models import Award, FundingLine, Report, SeedFundYear
from app.calls.models import Call, Criterion
from app.decisions.models import Decision
from app.interest.models import MemberInterest
from app.members.models import (
    Contact,
    Invoice,
    InvoiceCounter,
    MembershipTerm,
    Organization,
    Tier,
)
from app.notifications.models import Notification
from app.proposals.models import (
    Attachment,
    BudgetLine,
    CoInvestigator,
    Proposal,
    ProposalVersion,
)
from app.reviews.models import (
    Assignment,
    CallReviewer,
    Conflict,
    Review,
    ReviewerProfile,
    ReviewRevision,
    ReviewScore,
)

__all__ = [
    "AccessToken",
    "Award",
    "Decision",
    "FundingLine",
    "MemberInterest",
    "Report",
    "SeedFundYear",
    "Assignment",
    "CallReviewer",
    "Conflict",
    "Review",
    "ReviewerProfile",
    "ReviewRevision",
    "ReviewScore",
    "Attachment",
    "BudgetLine",
    "Call",
    "CoInvestigator",
    "Criterion",
    "Proposal",
    "ProposalVersion",
    "AuditEvent",
    "Contact",
    "Invoice",
    "InvoiceCounter",
    "MembershipTerm",
    "Notification",
    "Organization",
    "Role",
    "Tier",
    "User",
    "UserRole",
    "UserToken",
]
