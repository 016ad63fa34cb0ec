"""The awards resource: funding an awarded proposal, reading, completing and terminating
awards (administrators), and what the award's team reads of its own award."""

from decimal import Decimal

import pytest
import sqlalchemy as sa

from app import clock
from app.awards.models import Award, AwardState, FundingSource
from app.extensions import db
from app.proposals.models import ProposalState
from tests.api.helpers import unchanged_state
from tests.awards.funding import (
    FY,
    cofunder,
    fixed_clock,  # noqa: F401 - a fixture
    fund,
    pool,
)
from tests.awards.helpers import awarded_proposal, make_award
from tests.factories import UserFactory
from tests.reviews.helpers import add_co_investigator, call_in_review, proposal_under_review

pytestmark = pytest.mark.usefixtures("fixed_clock")


@pytest.fixture
def proposal():
    """An awarded proposal that requested 50,000 (its call decided)."""
    return awarded_proposal(requested_amount=Decimal("50000"))


def _body(proposal, **changes):
    return {
        "proposal_id": proposal.id,
        "amount": "50000.00",
        "starts_on": "2026-10-01",
        "ends_on": "2027-09-30",
        "report_interval_months": 6,
        "funding_lines": [{"source": "pool", "amount": "50000.00", "fiscal_year": FY}],
    } | changes


def _award_of(proposal) -> Award | None:
    return db.session.scalar(
        sa.select(Award)
        .where(Award.proposal_id == proposal.id)
        .execution_options(populate_existing=True)
    )


# Creating


def test_admin_funds_an_awarded_proposal_from_the_pool_and_a_cofunder(
    api, admin, proposal, audit_log, outbox
):
    pool("100000")
    partner = cofunder(proposal)
    lines = [
        {"source": "pool", "amount": "30000.00", "fiscal_year": FY},
        {"source": "member", "amount": "20000.00", "organization_id": partner.id},
    ]
    response = api(admin).post("/awards/", json=_body(proposal, funding_lines=lines))
    assert response.status_code == 201
    body = response.get_json()
    assert body["state"] == "active"
    assert body["amount"] == "50000.00"
    assert body["call_id"] == proposal.call_id
    assert [(line["source"], line["amount"]) for line in body["funding_lines"]] == [
        ("pool", "30000.00"),
        ("member", "20000.00"),
    ]
    award = _award_of(proposal)
    assert award.created_by_id == admin.id
    assert [line.source for line in award.funding_lines] == [
        FundingSource.POOL,
        FundingSource.MEMBER,
    ]
    assert len(award.reports) == 2  # one progress report, and the final one
    [event] = audit_log("award.created")
    assert event.actor_id == admin.id
    assert event.detail["amount"] == "50000.00"
    assert len(outbox("award_created")) == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": "60000.00"}, "amount"),  # above the decision
        ({"ends_on": "2026-09-30"}, "ends_on"),
        ({"funding_lines": []}, "funding_lines"),
        (
            {"funding_lines": [{"source": "pool", "amount": "40000.00", "fiscal_year": FY}]},
            "funding_lines",
        ),
        (
            {"funding_lines": [{"source": "member", "amount": "50000.00", "organization_id": 1}]},
            "funding_lines.0.source",
        ),
        ({"funding_lines": [{"source": "pool", "amount": "50000.00"}]}, "funding_lines.0.source"),
        ({"report_interval_months": 0}, "report_interval_months"),
        ({"starts_on": "31/12/2026"}, "starts_on"),
        ({"proposal_id": 999999}, "proposal_id"),
        ({"budget_code": "X1"}, "budget_code"),
    ],
)
def test_bad_awards_are_refused_by_field_and_change_nothing(api, admin, proposal, changes, field):
    pool("100000")
    client = api(admin)
    before = unchanged_state()
    response = client.post("/awards/", json=_body(proposal, **changes))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert unchanged_state() == before


def test_a_seed_fund_without_the_money_is_refused(api, admin, proposal):
    pool("10000")
    client = api(admin)
    before = unchanged_state()
    response = client.post("/awards/", json=_body(proposal))
    assert response.status_code == 422
    assert "available" in response.get_json()["errors"]["funding_lines"][0]
    assert unchanged_state() == before


def test_only_an_awarded_proposal_without_an_award_can_be_funded(api, admin, proposal):
    pool("200000")
    fund(proposal, admin, "50000")
    db.session.commit()
    under_review = proposal_under_review(call_in_review(), requested_amount=Decimal("50000"))
    client = api(admin)
    before = unchanged_state()
    again = client.post("/awards/", json=_body(proposal))
    assert again.status_code == 409
    assert again.get_json()["code"] == "conflict"
    undecided = client.post("/awards/", json=_body(under_review))
    assert undecided.status_code == 409
    assert undecided.get_json()["code"] == "state_conflict"
    assert unchanged_state() == before


# Reading


def test_admin_lists_every_award_with_filters(api, admin):
    first = make_award(amount="1000")
    second = make_award(amount="3000")
    second.state = AwardState.COMPLETED
    second.completed_at = clock.now()
    db.session.commit()
    client = api(admin)

    everything = client.get("/awards/?sort=amount&per_page=100").get_json()
    ids = [item["id"] for item in everything["items"]]
    assert ids.index(first.id) < ids.index(second.id)

    of_call = client.get(f"/awards/?call_id={first.proposal.call_id}").get_json()
    assert [item["id"] for item in of_call["items"]] == [first.id]
    completed = client.get("/awards/?state=completed").get_json()
    assert [item["id"] for item in completed["items"]] == [second.id]
    assert completed["total"] == 1


def test_the_team_lists_and_reads_its_own_award_others_nothing(api):
    award = make_award()
    make_award()  # someone else's
    applicant = award.proposal.applicant
    colleague = UserFactory(researcher=True)
    add_co_investigator(award.proposal, name="Cora", email=colleague.email, affiliation="MIT")

    for user in (applicant, colleague):
        client = api(user)
        assert [item["id"] for item in client.get("/awards/").get_json()["items"]] == [award.id]
        response = client.get(f"/awards/{award.id}")
        assert response.status_code == 200
        assert response.get_json()["funding_lines"][0]["fiscal_year"] == FY
        reports = client.get(f"/awards/{award.id}/reports")
        assert reports.status_code == 200
        assert [r["kind"] for r in reports.get_json()] == ["progress", "final"]


@pytest.mark.parametrize("role", ["researcher", "reviewer", "member"])
def test_others_neither_list_nor_read_an_award(api, role):
    award = make_award()
    client = api(UserFactory(roles_given=(role,)))
    assert client.get("/awards/").get_json()["items"] == []
    for path in (f"/awards/{award.id}", f"/awards/{award.id}/reports"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.get_json()["code"] == "not_found"


def test_admin_reads_any_award_and_its_reports(api, admin):
    award = make_award()
    client = api(admin)
    response = client.get(f"/awards/{award.id}")
    assert response.status_code == 200
    assert response.get_json()["version"] == award.version
    assert len(client.get(f"/awards/{award.id}/reports").get_json()) == 2
    assert client.get("/awards/999999").status_code == 404


def test_reading_without_a_token_is_refused(api):
    award = make_award()
    assert api().get("/awards/").status_code == 401
    assert api().get(f"/awards/{award.id}").status_code == 401


def test_list_query_count_does_not_grow_with_awards(api, admin, count_queries):
    applicant = UserFactory(researcher=True)
    call = call_in_review()
    admin_client, applicant_client = api(admin), api(applicant)

    def add(count):
        for _ in range(count):
            make_award(awarded_proposal(call, applicant=applicant))

    def queries(client):
        with count_queries() as counter:
            assert client.get("/awards/?per_page=100").status_code == 200
        return counter.count

    add(3)
    queries(admin_client), queries(applicant_client)  # the first use stamps each token
    few = (queries(admin_client), queries(applicant_client))
    add(27)
    assert applicant_client.get("/awards/?per_page=100").get_json()["total"] == 30
    assert (queries(admin_client), queries(applicant_client)) == few


# Completing and terminating


def test_admin_completes_an_active_award(api, admin, audit_log):
    award = make_award()
    client = api(admin)
    response = client.post(f"/awards/{award.id}/actions/complete", json={"version": 1})
    assert response.status_code == 200
    assert response.get_json()["state"] == "completed"
    assert response.get_json()["version"] == 2
    assert _award_of(award.proposal).completed_at is not None
    assert audit_log("award.completed")[0].actor_id == admin.id

    before = unchanged_state()
    again = client.post(f"/awards/{award.id}/actions/complete", json={"version": 2})
    assert again.status_code == 409
    assert again.get_json()["code"] == "state_conflict"
    stale = client.post(f"/awards/{award.id}/actions/complete", json={"version": 1})
    assert stale.status_code == 409
    assert stale.get_json()["current_version"] == 2
    assert unchanged_state() == before


def test_admin_terminates_an_award_and_the_rest_returns(api, admin, audit_log, outbox):
    award = make_award(amount="1000")
    response = api(admin).post(
        f"/awards/{award.id}/actions/terminate",
        json={"version": 1, "reason": "The PI left.", "spent_amount": "400.00"},
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["state"] == "terminated"
    assert body["spent_amount"] == "400.00"
    assert body["termination_reason"] == "The PI left."
    assert body["funding_lines"][0]["returned_amount"] == "600.00"
    assert _award_of(award.proposal).state == AwardState.TERMINATED
    [event] = audit_log("award.terminated")
    assert event.detail["returned"] == "600.00"
    assert len(outbox("award_terminated")) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": " ", "spent_amount": "0"}, "reason"),
        ({"reason": "Ended.", "spent_amount": "1000.01"}, "spent_amount"),
        ({"reason": "Ended.", "spent_amount": "-1"}, "spent_amount"),
        ({"spent_amount": "0"}, "reason"),
    ],
)
def test_bad_terminations_are_refused_by_field(api, admin, body, field):
    award = make_award(amount="1000")
    client = api(admin)
    before = unchanged_state()
    response = client.post(f"/awards/{award.id}/actions/terminate", json={"version": 1} | body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert unchanged_state() == before


def test_terminating_a_stale_or_ended_award_is_a_conflict(api, admin):
    award = make_award(amount="1000")
    client = api(admin)
    body = {"reason": "Ended.", "spent_amount": "0"}
    before = unchanged_state()
    stale = client.post(f"/awards/{award.id}/actions/terminate", json=body | {"version": 7})
    assert stale.status_code == 409
    assert stale.get_json()["current_version"] == 1
    assert unchanged_state() == before
    client.post(f"/awards/{award.id}/actions/complete", json={"version": 1})
    before = unchanged_state()
    ended = client.post(f"/awards/{award.id}/actions/terminate", json=body | {"version": 2})
    assert ended.status_code == 409
    assert ended.get_json()["code"] == "state_conflict"
    assert unchanged_state() == before


# Who may not


@pytest.mark.parametrize("who", ["applicant", "researcher", "reviewer", "member"])
def test_only_administrators_fund_complete_or_terminate(api, who):
    pool("100000")
    award = make_award()
    proposal = awarded_proposal(requested_amount=Decimal("50000"))
    user = award.proposal.applicant if who == "applicant" else UserFactory(roles_given=(who,))
    client = api(user)
    # The team sees its award, so it is told it may not; others are not told it exists.
    hidden = 403 if who == "applicant" else 404
    before = unchanged_state()
    assert client.post("/awards/", json=_body(proposal)).status_code == 403
    complete = client.post(f"/awards/{award.id}/actions/complete", json={"version": 1})
    assert complete.status_code == hidden
    terminate = client.post(
        f"/awards/{award.id}/actions/terminate",
        json={"version": 1, "reason": "No.", "spent_amount": "0"},
    )
    assert terminate.status_code == hidden
    assert unchanged_state() == before
    assert proposal.state == ProposalState.AWARDED


def test_changes_without_a_token_are_refused(api, proposal):
    award = make_award()
    anonymous = api()
    before = unchanged_state()
    assert anonymous.post("/awards/", json=_body(proposal)).status_code == 401
    complete = anonymous.post(f"/awards/{award.id}/actions/complete", json={"version": 1})
    assert complete.status_code == 401
    assert unchanged_state() == before
