"""factory_boy factories for every model the tests use; states are traits."""

from datetime import date, timedelta
from decimal import Decimal
from functools import cache

import factory
from factory.alchemy import SQLAlchemyModelFactory

from app import clock
from app.auth.models import Role, User, UserRole
from app.auth.passwords import hash_password
from app.calls.models import Call, CallState, Criterion
from app.database import utcnow
from app.extensions import db
from app.members.models import Contact, ContactRole, MembershipTerm, Organization, Tier
from app.proposals.models import BudgetCategory, BudgetLine, Proposal, ProposalState

PASSWORD = "correct horse battery staple"


@cache
def _password_hash() -> str:
    return hash_password(PASSWORD)


class BaseFactory(SQLAlchemyModelFactory):
    """Commit on create: inside a test that only releases a savepoint, and it lets the test
    client roll back what a view left uncommitted without losing the arranged data."""

    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class UserFactory(BaseFactory):
    """A confirmed, active user with the test password; `roles_given` or a role trait."""

    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.edu")
    # Not Faker: a random name could contain what a test searches for ("ada" in "Adams").
    name = factory.Sequence(lambda n: f"User {n:04d}")
    password_hash = factory.LazyFunction(_password_hash)
    timezone = "America/New_York"
    is_active = True
    email_verified_at = factory.LazyFunction(utcnow)
    roles = factory.LazyAttribute(
        lambda o: [UserRole(role=Role(role), granted_at=utcnow()) for role in o.roles_given]
    )

    class Params:
        roles_given: tuple[Role, ...] = ()
        admin = factory.Trait(roles_given=(Role.ADMIN,))
        researcher = factory.Trait(roles_given=(Role.RESEARCHER,))
        reviewer = factory.Trait(roles_given=(Role.REVIEWER,))
        member = factory.Trait(roles_given=(Role.MEMBER,))
        deactivated = factory.Trait(is_active=False, deactivated_at=factory.LazyFunction(utcnow))
        invited = factory.Trait(password_hash=None, email_verified_at=None)
        unverified = factory.Trait(email_verified_at=None)


class TierFactory(BaseFactory):
    """A membership tier."""

    class Meta:
        model = Tier

    name = factory.Sequence(lambda n: f"Tier {n}")
    annual_fee = Decimal("50000.00")
    representatives_allowed = 2
    votes = 1
    benefits = "Seat on the advisory board."


class OrganizationFactory(BaseFactory):
    """A member organization (a prospect until it has a term)."""

    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Company {n}")
    sector = "Manufacturing"
    country = "United States"
    website = "https://example.com"
    themes = "AI for manufacturing"
    tier = factory.SubFactory(TierFactory)


class TermFactory(BaseFactory):
    """A term of membership, by default the current year around today."""

    class Meta:
        model = MembershipTerm

    organization = factory.SubFactory(OrganizationFactory)
    tier = factory.SelfAttribute("organization.tier")
    starts_on = factory.LazyFunction(lambda: date.today() - timedelta(days=100))
    ends_on = factory.LazyAttribute(lambda o: o.starts_on + timedelta(days=364))
    annual_fee = factory.SelfAttribute("tier.annual_fee")
    seed_commitment = Decimal("100000.00")
    signed_on = factory.LazyAttribute(lambda o: o.starts_on)


class ContactFactory(BaseFactory):
    """A contact at an organization."""

    class Meta:
        model = Contact

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Contact {n:04d}")
    email = factory.Sequence(lambda n: f"contact{n}@company.example")
    role = ContactRole.PRIMARY


def representative(organization, **user_fields):
    """Return a member-representative user linked to a contact of the organization."""
    user = UserFactory(member=True, **user_fields)
    ContactFactory(organization=organization, email=user.email, name=user.name, user=user)
    return user


class CallFactory(BaseFactory):
    """An open call closing in thirty days, with a two-criterion rubric."""

    class Meta:
        model = Call

    title = factory.Sequence(lambda n: f"Seed grants round {n}")
    theme = "AI for manufacturing"
    description = "Proposals for **seed** projects."
    reference_prefix = "AIM"
    opens_at = factory.LazyFunction(lambda: clock.now() - timedelta(days=10))
    closes_at = factory.LazyFunction(lambda: clock.now() + timedelta(days=30))
    total_budget = Decimal("1000000")
    max_award = Decimal("150000")
    reviews_per_proposal = 3
    state = CallState.OPEN
    opened_at = factory.LazyAttribute(lambda o: o.opens_at)

    @factory.post_generation
    def rubric(obj, create, extracted, **kwargs):
        if extracted is False or not create:
            return
        for position, name in enumerate(("Scientific merit", "Industry relevance"), start=1):
            obj.criteria.append(
                Criterion(
                    position=position, name=name, weight=Decimal("1"), scale_min=1, scale_max=5
                )
            )
        db.session.commit()

    class Params:
        draft = factory.Trait(state=CallState.DRAFT, opened_at=None)
        closed = factory.Trait(
            state=CallState.CLOSED,
            closes_at=factory.LazyFunction(lambda: clock.now() - timedelta(days=1)),
            closed_at=factory.LazyFunction(lambda: clock.now()),
        )


class ProposalFactory(BaseFactory):
    """A draft proposal by a researcher; `complete=True` fills everything a submission needs."""

    class Meta:
        model = Proposal

    call = factory.SubFactory(CallFactory)
    applicant = factory.SubFactory(UserFactory, researcher=True)
    state = ProposalState.DRAFT
    title = ""

    class Params:
        complete = factory.Trait(
            title=factory.Sequence(lambda n: f"Learning process windows {n}"),
            abstract="We learn process windows from sensor data.",
            keywords="machine learning, process control",
            department="Mechanical Engineering",
            duration_months=12,
            industry_relevance="Cuts scrap in injection moulding.",
        )

    @factory.post_generation
    def budget(obj, create, extracted, **kwargs):
        if not create or not extracted:
            return
        for position, amount in enumerate(extracted, start=1):
            obj.budget_lines.append(
                BudgetLine(
                    position=position,
                    category=BudgetCategory.PERSONNEL,
                    description="Postdoc",
                    amount=Decimal(amount),
                )
            )
        obj.requested_amount = sum((Decimal(a) for a in extracted), Decimal("0"))
        db.session.commit()


MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
