"""Call services: settings, the state workflow and the rubric."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app import clock
from app.calls import services
from app.calls.models import CALL_TRANSITIONS, CallState, InterestMode
from app.errors import ConflictError, ValidationError, WorkflowError
from app.markdown import render_markdown
from tests.factories import CallFactory, UserFactory

NOW = datetime(2026, 1, 10, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def admin():
    return UserFactory(admin=True)


def settings(**changes):
    return {
        "title": "AI for manufacturing seed grants",
        "theme": "AI for manufacturing",
        "description": "Seed **projects**.",
        "eligibility": "",
        "reference_prefix": "aim",
        "opens_at": NOW,
        "closes_at": NOW + timedelta(days=30),
        "review_deadline": NOW + timedelta(days=60),
        "total_budget": Decimal("1000000"),
        "max_award": Decimal("150000"),
        "reviews_per_proposal": 3,
        "is_blind": True,
        "member_visibility": "titles_abstracts",
    } | changes


def test_create_call_starts_in_draft_with_an_upper_case_prefix(admin, audit_log):
    call = services.create_call(actor=admin, **settings())

    assert (call.state, call.reference_prefix) == (CallState.DRAFT, "AIM")
    assert audit_log("call.created")[0].detail == {"title": "AI for manufacturing seed grants"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"closes_at": NOW - timedelta(days=1)}, "closes_at"),
        ({"max_award": Decimal("2000000")}, "max_award"),
        ({"review_deadline": NOW + timedelta(days=1)}, "review_deadline"),
        ({"reference_prefix": "a-m"}, "reference_prefix"),
        ({"reviews_per_proposal": 0}, "reviews_per_proposal"),
    ],
)
def test_inconsistent_settings_are_refused(admin, changes, field):
    with pytest.raises(ValidationError) as error:
        services.create_call(actor=admin, **settings(**changes))

    assert error.value.field == field


def test_a_call_opens_only_with_a_future_close_and_a_rubric(admin):
    no_rubric = CallFactory(
        draft=True, rubric=False, opens_at=NOW, closes_at=NOW + timedelta(days=3)
    )
    past = CallFactory(
        draft=True, opens_at=NOW - timedelta(days=9), closes_at=NOW - timedelta(seconds=1)
    )

    with pytest.raises(WorkflowError, match="rubric criterion"):
        services.open_call(no_rubric, actor=admin)
    with pytest.raises(WorkflowError, match="closing time in the future"):
        services.open_call(past, actor=admin)
    good = CallFactory(draft=True, opens_at=NOW, closes_at=NOW + timedelta(days=3))
    services.open_call(good, actor=admin)
    assert (good.state, good.opened_at) == (CallState.OPEN, NOW)


@pytest.mark.parametrize("start", list(CallState))
@pytest.mark.parametrize("target", list(CallState))
def test_every_transition_pair_is_allowed_or_refused(admin, start, target):
    call = CallFactory(
        state=start, opened_at=NOW, decided_at=NOW, closes_at=NOW + timedelta(days=5)
    )
    action = services.STATE_ACTIONS.get(target)

    if action is None:
        return  # nothing moves a call back to draft
    if target in CALL_TRANSITIONS[start]:
        action(call, actor=admin)
        assert call.state == target
    else:
        with pytest.raises(WorkflowError):
            action(call, actor=admin)
        assert call.state == start


def test_rubric_is_edited_reordered_and_kept_non_empty_once_published(admin, audit_log):
    call = CallFactory()
    merit, relevance = call.criteria
    added = services.add_criterion(
        call,
        actor=admin,
        name="Team",
        guidance="Can they do it?",
        weight=Decimal("0.5"),
        scale_min=0,
        scale_max=10,
    )

    services.move_criterion(added, actor=admin, offset=-1)
    services.remove_criterion(merit, actor=admin)

    assert [c.name for c in call.criteria] == ["Team", "Industry relevance"]
    with pytest.raises(ValidationError, match="top of the scale"):
        services.update_criterion(
            relevance,
            actor=admin,
            name="x",
            guidance="",
            weight=Decimal("1"),
            scale_min=5,
            scale_max=5,
        )
    services.remove_criterion(relevance, actor=admin)
    with pytest.raises(ConflictError, match="at least one criterion"):
        services.remove_criterion(call.criteria[0], actor=admin)
    assert {"criterion.added", "criterion.moved", "criterion.removed"} <= {
        e.action for e in audit_log()
    }


def test_concurrent_edit_of_a_call_is_refused(admin):
    call = CallFactory(opens_at=NOW, closes_at=NOW + timedelta(days=5))
    seen = call.version
    services.update_call(call, actor=admin, expected_version=seen, **settings(title="First"))
    from app.extensions import db

    db.session.flush()

    with pytest.raises(ConflictError):
        services.update_call(call, actor=admin, expected_version=seen, **settings(title="Second"))
    assert call.title == "First"


def test_markdown_is_rendered_and_script_is_dropped():
    html = render_markdown(
        "## Scope\n\n<script>alert('x')</script>\n\n**Bold** [link](javascript:alert(1)) "
        '<img src=x onerror="alert(1)"> [ok](https://mit.edu)'
    )

    assert "<h2>Scope</h2>" in html and "<strong>Bold</strong>" in html
    assert "<script" not in html and "<img" not in html  # shown as text, never as tags
    assert "&lt;script&gt;" in html
    assert 'href="javascript:' not in html
    assert '<a href="https://mit.edu" rel="noopener noreferrer nofollow">ok</a>' in html


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"interest_mode": "weighted"}, "interest_weight"),
        ({"interest_mode": "weighted", "interest_weight": 51}, "interest_weight"),
        ({"interest_mode": "weighted", "interest_weight": 0}, "interest_weight"),
        (
            {"interest_mode": "weighted", "interest_weight": 10, "member_visibility": "nothing"},
            "interest_mode",
        ),
    ],
)
def test_inconsistent_interest_settings_are_refused(admin, changes, field):
    with pytest.raises(ValidationError) as error:
        services.create_call(actor=admin, **settings(**changes))

    assert error.value.field == field


@pytest.mark.parametrize(
    ("changes", "stored"),
    [
        ({}, (InterestMode.ADVISORY, 0)),
        ({"interest_mode": "advisory", "interest_weight": 40}, (InterestMode.ADVISORY, 0)),
        ({"interest_mode": "weighted", "interest_weight": 1}, (InterestMode.WEIGHTED, 1)),
        ({"interest_mode": "weighted", "interest_weight": 50}, (InterestMode.WEIGHTED, 50)),
    ],
)
def test_interest_setting_is_stored_with_a_weight_only_when_weighted(admin, changes, stored):
    call = services.create_call(actor=admin, **settings(**changes))

    assert (call.interest_mode, call.interest_weight) == stored
