"""Review progress over time: submitted reviews against active assignments, day by day."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from app import clock
from app.extensions import db
from app.proposals.models import ProposalState
from app.reviews import services
from app.reviews.admin_queries import Progress, completion_by_day, review_progress
from app.reviews.models import Recommendation
from tests.factories import UserFactory
from tests.reviews.helpers import call_in_review, proposal_under_review, reviewer

NOW = datetime(2026, 4, 10, 15, 0, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def admin():
    return UserFactory(admin=True, timezone="America/New_York")


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def assign_at(proposal, user, admin, when: datetime):
    """Assign the pair and date the assignment (created_at is the database's own clock)."""
    assignment = services.assign_reviewer(proposal, user, actor=admin)
    assignment.created_at = when
    db.session.commit()
    return assignment


def submit_at(monkeypatch, assignment, when: datetime, *, submit: bool = True):
    """Score both criteria of the call's rubric and submit (or only save) at `when`."""
    monkeypatch.setattr(clock, "now", lambda: when)
    user = assignment.reviewer
    criteria = assignment.proposal.call.criteria
    values = services.ReviewValues(
        scores={criterion.id: 4 for criterion in criteria},
        recommendation=Recommendation.FUND,
        confidence=4,
    )
    services.save_review(assignment, values, actor=user)
    if submit:
        services.submit_review(assignment, actor=user)
    db.session.commit()
    monkeypatch.setattr(clock, "now", lambda: NOW)


def timeline(completion) -> list[tuple[date, int, int]]:
    return list(zip(completion.days, completion.submitted, completion.assigned, strict=True))


@pytest.fixture
def constructed(admin, monkeypatch):
    """A call with three active assignments made over three days, one declined, two reviews
    submitted and a draft; two instants fall on different days in New York and in UTC."""
    call = call_in_review()
    call.review_deadline = NOW + timedelta(days=5)
    first, second = proposal_under_review(call), proposal_under_review(call)
    ada, ben, cy = reviewer(), reviewer(), reviewer()
    early = assign_at(first, ada, admin, at(4, 3, 14))
    late_evening = assign_at(first, ben, admin, at(4, 4, 2))  # 3 April, 10 pm in New York
    other = assign_at(second, ada, admin, at(4, 5, 12))
    declined = assign_at(second, cy, admin, at(4, 5, 13))
    services.decline_assignment(declined, actor=cy, reason="Travelling")
    db.session.commit()
    submit_at(monkeypatch, early, at(4, 6, 3, 30))  # 5 April, 11:30 pm in New York
    submit_at(monkeypatch, other, at(4, 8, 16))
    submit_at(monkeypatch, late_evening, at(4, 9, 9), submit=False)  # a draft
    return call


def test_completion_counts_each_day_in_the_viewers_time_zone(constructed):
    completion = completion_by_day(constructed, now=NOW, zone=NEW_YORK)

    assert timeline(completion) == [
        (date(2026, 4, 3), 0, 2),
        (date(2026, 4, 4), 0, 2),
        (date(2026, 4, 5), 1, 3),
        (date(2026, 4, 6), 1, 3),
        (date(2026, 4, 7), 1, 3),
        (date(2026, 4, 8), 2, 3),
        (date(2026, 4, 9), 2, 3),
        (date(2026, 4, 10), 2, 3),
    ]
    assert (completion.today, completion.deadline) == (date(2026, 4, 10), date(2026, 4, 15))
    assert completion.axis == [date(2026, 4, 3) + timedelta(days=n) for n in range(13)]


def test_the_same_instants_fall_on_other_days_in_utc(constructed):
    completion = completion_by_day(constructed, now=NOW, zone=ZoneInfo("UTC"))

    assert timeline(completion)[:4] == [
        (date(2026, 4, 3), 0, 1),
        (date(2026, 4, 4), 0, 2),
        (date(2026, 4, 5), 0, 3),
        (date(2026, 4, 6), 1, 3),
    ]


def test_the_last_day_agrees_with_the_totals(constructed):
    withdrawn = proposal_under_review(constructed)
    assign_at(withdrawn, reviewer(), UserFactory(admin=True), at(4, 7, 12))
    withdrawn.state, withdrawn.withdrawn_at = ProposalState.WITHDRAWN, NOW
    db.session.commit()

    progress = review_progress(constructed, now=NOW, threshold=Decimal(20), zone=NEW_YORK)

    assert (progress.completion.submitted[-1], progress.completion.assigned[-1]) == (2, 3)
    assert (progress.submitted, progress.assignments, progress.percent_submitted) == (2, 3, 67)


def test_a_daylight_saving_change_moves_the_day_boundary(admin, monkeypatch):
    # New York moves to summer time at 7:00 UTC on 8 March 2026: 4:30 UTC on 9 March is
    # 0:30 on the 9th there, though it would be the 8th at winter time.
    monkeypatch.setattr(clock, "now", lambda: at(3, 10, 12))
    call = call_in_review()
    proposal = proposal_under_review(call)
    assign_at(proposal, reviewer(), admin, at(3, 5, 15))
    assign_at(proposal_under_review(call), reviewer(), admin, at(3, 9, 4, 30))

    completion = completion_by_day(call, now=at(3, 10, 12), zone=NEW_YORK)

    assert timeline(completion)[-3:] == [
        (date(2026, 3, 8), 0, 1),
        (date(2026, 3, 9), 0, 2),
        (date(2026, 3, 10), 0, 2),
    ]


def test_the_progress_page_shows_the_chart_the_summary_and_the_days(constructed, login, admin):
    page = login(admin).get(f"/reviews/calls/{constructed.id}/progress").get_data(as_text=True)

    assert "2 of 3 reviews submitted (67%)" in page
    assert '<svg class="day-chart"' in page and "Reviews submitted and active assignments" in page
    assert "Deadline 15 Apr" in page and "Today 10 Apr" in page
    assert "Reviews submitted: 2 on 10 Apr; Active assignments: 3 on 10 Apr" in page
    day = '<time datetime="2026-04-05">Sun 05 Apr 2026</time></th><td class="text-end">1</td>'
    assert day in page
    assert page.index("2026-04-10") < page.index("2026-04-03")  # latest day first
    assert "style=" not in page.split('<svg class="day-chart"', 1)[1].split("</svg>", 1)[0]


def test_an_empty_call_has_no_timeline(admin, login):
    call = call_in_review()
    proposal_under_review(call)

    progress = review_progress(call, now=NOW, threshold=Decimal(20), zone=NEW_YORK)
    page = login(admin).get(f"/reviews/calls/{call.id}/progress").get_data(as_text=True)

    assert progress.completion is None and progress.percent_submitted is None
    assert "No reviews are assigned yet." in page
    assert "day-chart" not in page


@pytest.mark.parametrize(
    ("submitted", "assignments", "percent"),
    [(31, 48, 65), (199, 200, 99), (200, 200, 100), (1, 300, 1), (0, 5, 0), (1, 2, 50)],
)
def test_the_share_is_whole_percent_never_rounded_to_all_or_none(submitted, assignments, percent):
    progress = Progress(proposals=[], overdue=[], assignments=assignments, submitted=submitted)

    assert progress.percent_submitted == percent


def test_the_timeline_runs_the_same_queries_for_few_or_many_assignments(
    admin, login, count_queries, monkeypatch
):
    client = login(admin)
    counts = []
    for proposals in (1, 12):
        call = call_in_review()
        reviewers = [reviewer() for _ in range(3)]
        for number in range(proposals):
            proposal = proposal_under_review(call)
            for offset, user in enumerate(reviewers):
                assignment = assign_at(proposal, user, admin, at(4, 1 + number % 6, 10 + offset))
                if offset == 0:
                    submit_at(monkeypatch, assignment, at(4, 2 + number % 7, 18))
        db.session.refresh(call)  # not counted: the page has its call loaded already
        with count_queries() as counter:
            completion_by_day(call, now=NOW, zone=NEW_YORK)
        counts.append(counter.count)
        with count_queries() as counter:
            response = client.get(f"/reviews/calls/{call.id}/progress")
        assert response.status_code == 200
        counts.append(counter.count)

    assert counts[0] == counts[2] == 2
    assert counts[1] == counts[3]
