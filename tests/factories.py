"""factory_boy factories for every model the tests use; states are traits."""

from functools import cache

import factory
from factory.alchemy import SQLAlchemyModelFactory

from app.auth.models import Role, User, UserRole
from app.auth.passwords import hash_password
from app.database import utcnow
from app.extensions import db

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
    name = factory.Faker("name")
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
