"""Command line: create-admin and the demo data."""

import pytest
import sqlalchemy as sa

from app.auth.models import Role, User
from app.auth.passwords import verify_password
from app.extensions import db
from app.seed.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from tests.factories import UserFactory


def test_create_admin_takes_the_password_from_the_environment(app, monkeypatch, audit_log):
    monkeypatch.setenv("SEEDBED_ADMIN_PASSWORD", "operator-password-1")

    result = app.test_cli_runner().invoke(args=["users", "create-admin", "Ops@Example.org"])

    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "ops@example.org"))
    assert user.role_set == {Role.ADMIN}
    assert verify_password(user.password_hash, "operator-password-1")
    assert audit_log()[0].action == "user.created_by_cli"


def test_create_admin_prompts_for_the_password(app, monkeypatch):
    monkeypatch.delenv("SEEDBED_ADMIN_PASSWORD", raising=False)

    result = app.test_cli_runner().invoke(
        args=["users", "create-admin", "ops@example.org"],
        input="typed-password-123\ntyped-password-123\n",
    )

    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "ops@example.org"))
    assert verify_password(user.password_hash, "typed-password-123")


def test_create_admin_promotes_an_existing_account(app, monkeypatch):
    existing = UserFactory(researcher=True, email="prof@mit.edu")
    monkeypatch.setenv("SEEDBED_ADMIN_PASSWORD", "operator-password-1")

    result = app.test_cli_runner().invoke(args=["users", "create-admin", "prof@mit.edu"])

    assert "Updated administrator" in result.output
    assert existing.role_set == {Role.RESEARCHER, Role.ADMIN}


def test_create_admin_refuses_a_short_password(app, monkeypatch):
    monkeypatch.setenv("SEEDBED_ADMIN_PASSWORD", "short")

    result = app.test_cli_runner().invoke(args=["users", "create-admin", "ops@example.org"])

    assert result.exit_code != 0
    assert "Use at least 12 characters" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_seed_demo_is_idempotent_and_prints_the_logins(app):
    runner = app.test_cli_runner()

    first = runner.invoke(args=["seed", "demo"])
    counts = {
        t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t))
        for t in db.metadata.sorted_tables
    }
    second = runner.invoke(args=["seed", "demo"])
    again = {
        t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t))
        for t in db.metadata.sorted_tables
    }

    assert first.exit_code == second.exit_code == 0
    assert DEMO_PASSWORD in first.output
    assert counts == again
    for email, _, roles, _ in DEMO_ACCOUNTS:
        user = db.session.scalar(sa.select(User).where(User.email == email))
        assert user.role_set == set(roles)
        assert verify_password(user.password_hash, DEMO_PASSWORD)


def test_seed_demo_refuses_under_production(app):
    app.config["IS_DEMO_ALLOWED"] = False
    try:
        result = app.test_cli_runner().invoke(args=["seed", "demo"])
    finally:
        app.config["IS_DEMO_ALLOWED"] = True

    assert result.exit_code != 0
    assert "never loaded under the production config" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


@pytest.mark.parametrize("role", list(Role))
def test_each_role_has_a_demo_account(role):
    assert any(role in roles for _, _, roles, _ in DEMO_ACCOUNTS)
