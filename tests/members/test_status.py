"""Membership status, derived from terms: table-driven over dates with the clock fixed."""

from datetime import UTC, date, datetime, timedelta

import pytest

from app import clock
from app.extensions import db
from app.members import services
from app.members.models import MembershipStatus as S
from app.members.queries import organization_status, statuses
from tests.factories import OrganizationFactory, TermFactory, UserFactory

TODAY = date(2026, 6, 15)
GRACE = 60


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


@pytest.fixture
def fixed_today(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 6, 15, 16, 0, tzinfo=UTC))
    return TODAY


CASES = [
    ("no term yet", [], S.PROSPECT),
    ("only a future term", [(days(1), days(365))], S.PROSPECT),
    ("term covering today", [(days(-100), days(100))], S.ACTIVE),
    ("term starting today", [(days(0), days(364))], S.ACTIVE),
    ("term ending today", [(days(-364), days(0))], S.ACTIVE),
    ("term ended yesterday", [(days(-365), days(-1))], S.GRACE),
    ("last day of grace", [(days(-400), days(-GRACE))], S.GRACE),
    ("first day after grace", [(days(-400), days(-GRACE - 1))], S.LAPSED),
    (
        "gap: ended long ago, next starts soon",
        [(days(-500), days(-90)), (days(10), days(375))],
        S.LAPSED,
    ),
    (
        "gap: ended lately, next starts tomorrow",
        [(days(-375), days(-10)), (days(1), days(366))],
        S.GRACE,
    ),
    ("renewed without a gap", [(days(-365), days(-1)), (days(0), days(364))], S.ACTIVE),
]


@pytest.mark.parametrize(("case", "terms", "expected"), CASES, ids=[case[0] for case in CASES])
def test_status_follows_the_terms(case, terms, expected):
    organization = OrganizationFactory()
    for starts_on, ends_on in terms:
        TermFactory(organization=organization, starts_on=starts_on, ends_on=ends_on)

    assert organization_status(organization, TODAY, GRACE) == expected
    assert statuses(TODAY, GRACE)[organization.id] == expected


def test_withdrawn_overrides_a_current_term(fixed_today):
    organization = OrganizationFactory()
    TermFactory(organization=organization, starts_on=days(-100), ends_on=days(100))

    services.withdraw_organization(
        organization, actor=UserFactory(admin=True), reason="Budget cuts"
    )

    assert organization_status(organization, TODAY, GRACE) == S.WITHDRAWN


def test_withdrawn_then_renewed_is_active_again(fixed_today, audit_log):
    admin = UserFactory(admin=True)
    organization = OrganizationFactory()
    TermFactory(organization=organization, starts_on=days(-300), ends_on=days(-200))
    services.withdraw_organization(organization, actor=admin, reason="Merger")

    services.add_term(
        organization,
        services.TermValues(tier=organization.tier, starts_on=days(-5), ends_on=days(360)),
        actor=admin,
    )

    assert organization_status(organization, TODAY, GRACE) == S.ACTIVE
    assert organization.withdrawn_on is None
    actions = [event.action for event in audit_log()]
    assert "organization.reinstated" in actions
    assert audit_log("organization.status_changed")[-1].detail["to"] == "active"


def test_refresh_records_each_change_once(app, fixed_today, audit_log, monkeypatch):
    organization = OrganizationFactory()
    TermFactory(organization=organization, starts_on=days(-364), ends_on=days(0))
    services.refresh_statuses(today=TODAY)
    db.session.commit()
    assert [e.detail["to"] for e in audit_log("organization.status_changed")] == ["active"]

    runner = app.test_cli_runner()
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 6, 16, 16, 0, tzinfo=UTC))
    first = runner.invoke(args=["members", "refresh"])
    second = runner.invoke(args=["members", "refresh"])

    assert "active -> grace" in first.output and "1 status change recorded" in first.output
    assert "0 status changes recorded" in second.output
    assert [e.detail["to"] for e in audit_log("organization.status_changed")] == ["active", "grace"]
    assert audit_log("organization.status_changed")[-1].detail["on"] == "2026-06-16"
