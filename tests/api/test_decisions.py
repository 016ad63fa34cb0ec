"""The decisions resource: staging, unstaging and releasing (administrators), and what
applicants read of their own released decisions."""

from decimal import Decimal

import pytest
import sqlalchemy as sa

from app import clock
from app.calls.models import CallState
from app.decisions import services as decision_services
from app.decisions.models import Decision, Outcome
from app.extensions import db
from app.proposals.models import ProposalState
from tests.api.helpers import unchanged_state
from tests.decisions.decision_helpers import call_with_proposals, reviewed, stage
from tests.factories import UserFactory
from tests.reviews.helpers import add_co_investigator, proposal_under_review

ADMIN_ONLY = {"rationale", "staged_by_id", "released_by_id", "version", "created_at", "updated_at"}


def _decision(proposal) -> Decision | None:
    return db.session.scalar(
        sa.select(Decision)
        .where(Decision.proposal_id == proposal.id)
        .execution_options(populate_existing=True)
    )


def _release(call, admin):
    decision_services.release_decisions(call, actor=admin)
    db.session.commit()


@pytest.fixture
def released(admin):
    """A released call (award to the first proposal, decline to the second) and a call in
    review with one staged award; returns (released call, its proposals, call in review, its
    proposal)."""
    call, (awarded, declined) = call_with_proposals(2)
    reviewed(awarded, name="Rita", to_applicant="Clear plan.", confidential="RITA-SECRET")
    stage(
        awarded,
        admin,
        amount="900",
        reduction_reason="Travel is not funded.",
        rationale="RATIONALE-INTERNAL",
        comments_to_applicant="Congratulations.",
    )
    stage(declined, admin, Outcome.DECLINE, rationale="RATIONALE-DECLINE")
    _release(call, admin)
    pending_call, (pending,) = call_with_proposals(1)
    stage(pending, admin, rationale="RATIONALE-PENDING")
    return call, (awarded, declined), pending_call, pending


# Reading


def test_admin_lists_every_decision_with_filters_and_every_field(api, admin, released):
    call, (awarded, declined), pending_call, pending = released
    client = api(admin)

    everything = client.get("/decisions/?per_page=100").get_json()
    assert {item["proposal_id"] for item in everything["items"]} >= {
        awarded.id,
        declined.id,
        pending.id,
    }
    first = next(item for item in everything["items"] if item["proposal_id"] == awarded.id)
    assert first["rationale"] == "RATIONALE-INTERNAL"
    assert first["staged_by_id"] == admin.id
    assert first["amount"] == "900.00"
    assert first["released"] is True
    assert first["reviewer_comments"] == ["Clear plan."]

    of_call = client.get(f"/decisions/?call_id={call.id}&sort=-amount").get_json()
    assert of_call["total"] == 2
    assert [item["proposal_id"] for item in of_call["items"]] == [awarded.id, declined.id]

    declines = client.get(f"/decisions/?call_id={call.id}&outcome=decline").get_json()
    assert [item["proposal_id"] for item in declines["items"]] == [declined.id]

    staged = client.get("/decisions/?released=false").get_json()
    assert [item["proposal_id"] for item in staged["items"]] == [pending.id]
    assert staged["items"][0]["released"] is False


def test_applicant_lists_only_their_released_decisions_without_the_committees_record(api, released):
    _, (awarded, declined), _, pending = released
    # The pending proposal's applicant has a staged decision only: they see nothing of it.
    pending_page = api(pending.applicant).get("/decisions/").get_json()
    assert pending_page["items"] == []
    assert pending_page["total"] == 0

    page = api(awarded.applicant).get("/decisions/").get_json()
    assert page["total"] == 1
    [item] = page["items"]
    assert item["proposal_id"] == awarded.id
    assert item["outcome"] == "award"
    assert item["amount"] == "900.00"
    assert item["reduction_reason"] == "Travel is not funded."
    assert item["comments_to_applicant"] == "Congratulations."
    assert item["reviewer_comments"] == ["Clear plan."]
    assert not ADMIN_ONLY & item.keys()
    assert "RATIONALE" not in str(page) and "SECRET" not in str(page)


def test_a_co_investigator_reads_the_released_decision_too(api, released):
    _, (awarded, _), _, _ = released
    colleague = UserFactory(researcher=True)
    add_co_investigator(awarded, name="Cora", email=colleague.email, affiliation="MIT")
    client = api(colleague)
    assert [item["proposal_id"] for item in client.get("/decisions/").get_json()["items"]] == [
        awarded.id
    ]
    decision = _decision(awarded)
    response = client.get(f"/decisions/{decision.id}")
    assert response.status_code == 200
    assert not ADMIN_ONLY & response.get_json().keys()


def test_get_a_decision_admin_reads_all_applicant_only_their_released_one(api, admin, released):
    _, (awarded, _), _, pending = released
    released_id = _decision(awarded).id
    staged_id = _decision(pending).id

    full = api(admin).get(f"/decisions/{staged_id}")
    assert full.status_code == 200
    assert full.get_json()["rationale"] == "RATIONALE-PENDING"
    assert full.get_json()["version"] == 1

    own = api(awarded.applicant).get(f"/decisions/{released_id}")
    assert own.status_code == 200
    assert own.get_json()["outcome"] == "award"
    assert not ADMIN_ONLY & own.get_json().keys()

    # A staged decision does not exist for its own applicant yet.
    assert api(pending.applicant).get(f"/decisions/{staged_id}").status_code == 404


@pytest.mark.parametrize("role", ["researcher", "reviewer", "member"])
def test_others_neither_list_nor_read_someone_elses_decision(api, released, role):
    _, (awarded, _), _, _ = released
    client = api(UserFactory(roles_given=(role,)))
    assert client.get("/decisions/").get_json()["items"] == []
    response = client.get(f"/decisions/{_decision(awarded).id}")
    assert response.status_code == 404
    assert response.get_json()["code"] == "not_found"


def test_reading_without_a_token_is_refused(api, released):
    _, (awarded, _), _, _ = released
    assert api().get("/decisions/").status_code == 401
    assert api().get(f"/decisions/{_decision(awarded).id}").status_code == 401


def test_list_query_count_does_not_grow_with_decisions(api, admin, count_queries):
    applicant = UserFactory(researcher=True)
    call, _ = call_with_proposals(0)
    admin_client, applicant_client = api(admin), api(applicant)

    def add(count):
        for _ in range(count):
            proposal = proposal_under_review(call, applicant=applicant)
            db.session.add(
                Decision(
                    call_id=call.id,
                    proposal_id=proposal.id,
                    outcome=Outcome.DECLINE,
                    staged_by_id=admin.id,
                    released_at=clock.now(),
                )
            )
        db.session.commit()

    def queries(client):
        with count_queries() as counter:
            assert client.get("/decisions/?per_page=100").status_code == 200
        return counter.count

    add(3)
    queries(admin_client), queries(applicant_client)  # the first use stamps each token
    few = (queries(admin_client), queries(applicant_client))
    add(27)
    assert len(applicant_client.get("/decisions/?per_page=100").get_json()["items"]) == 30
    assert (queries(admin_client), queries(applicant_client)) == few


# Staging


def test_admin_stages_then_changes_a_decision_with_its_version(api, admin, audit_log):
    _, (proposal,) = call_with_proposals(1)
    client = api(admin)
    created = client.put(
        f"/decisions/proposals/{proposal.id}",
        json={"outcome": "award", "amount": "1000.00", "rationale": "Strong."},
    )
    assert created.status_code == 200
    body = created.get_json()
    assert body["outcome"] == "award"
    assert body["released"] is False
    assert body["version"] == 1
    decision = _decision(proposal)
    assert (decision.outcome, decision.amount, decision.staged_by_id) == (
        Outcome.AWARD,
        Decimal("1000.00"),
        admin.id,
    )
    assert proposal.state == ProposalState.UNDER_REVIEW  # staging changes nothing else
    changed = client.put(
        f"/decisions/proposals/{proposal.id}",
        json={"outcome": "waitlist", "version": 1, "comments_to_applicant": "Maybe later."},
    )
    assert changed.status_code == 200
    assert changed.get_json()["version"] == 2
    assert changed.get_json()["amount"] is None
    assert _decision(proposal).outcome == Outcome.WAITLIST
    events = audit_log("decision.staged")
    assert [event.detail["outcome"] for event in events] == ["award", "waitlist"]
    assert events[-1].actor_id == admin.id


def test_staging_over_a_stale_or_unseen_decision_is_a_conflict(api, admin):
    _, (proposal,) = call_with_proposals(1)
    stage(proposal, admin, Outcome.DECLINE)
    stage(proposal, admin, Outcome.WAITLIST, expected_version=1)
    client = api(admin)
    before = unchanged_state()
    stale = client.put(
        f"/decisions/proposals/{proposal.id}",
        json={"outcome": "award", "amount": "1000", "version": 1},
    )
    assert stale.status_code == 409
    assert stale.get_json()["code"] == "conflict"
    assert stale.get_json()["current_version"] == 2
    unseen = client.put(f"/decisions/proposals/{proposal.id}", json={"outcome": "decline"})
    assert unseen.status_code == 409
    assert unseen.get_json()["current_version"] == 2
    assert unchanged_state() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "award"}, "amount"),
        ({"outcome": "award", "amount": "1000.01"}, "amount"),
        ({"outcome": "award", "amount": "0"}, "amount"),
        ({"outcome": "award", "amount": "800"}, "reduction_reason"),
        ({"outcome": "fund"}, "outcome"),
        ({"outcome": "decline", "rationale": "x" * 5001}, "rationale"),
        ({"outcome": "decline", "colour": "red"}, "colour"),
    ],
)
def test_bad_decisions_are_refused_by_field_and_change_nothing(api, admin, body, field):
    _, (proposal,) = call_with_proposals(1)
    client = api(admin)
    before = unchanged_state()
    response = client.put(f"/decisions/proposals/{proposal.id}", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert unchanged_state() == before


def test_a_released_or_unreviewed_proposal_takes_no_staged_decision(api, admin, released):
    _, (awarded, _), _, _ = released
    call, _ = call_with_proposals(0)
    draft = proposal_under_review(call, state=ProposalState.SUBMITTED)
    client = api(admin)
    before = unchanged_state()
    for proposal in (awarded, draft):
        response = client.put(
            f"/decisions/proposals/{proposal.id}", json={"outcome": "decline", "version": 1}
        )
        assert response.status_code == 409
        assert response.get_json()["code"] == "state_conflict"
    assert client.put("/decisions/proposals/999999", json={"outcome": "decline"}).status_code == 404
    assert unchanged_state() == before


# Unstaging


def test_admin_unstages_a_staged_decision(api, admin, audit_log):
    _, (proposal,) = call_with_proposals(1)
    stage(proposal, admin)
    response = api(admin).delete(f"/decisions/proposals/{proposal.id}")
    assert response.status_code == 204
    assert _decision(proposal) is None
    [event] = audit_log("decision.unstaged")
    assert event.actor_id == admin.id
    assert event.detail["was"].startswith("award")


def test_unstaging_nothing_or_a_released_decision_is_refused(api, admin, released):
    _, (awarded, _), _, _ = released
    _, (undecided,) = call_with_proposals(1)
    client = api(admin)
    before = unchanged_state()
    assert client.delete(f"/decisions/proposals/{undecided.id}").status_code == 404
    refused = client.delete(f"/decisions/proposals/{awarded.id}")
    assert refused.status_code == 409
    assert refused.get_json()["code"] == "state_conflict"
    assert unchanged_state() == before


# Releasing


def test_admin_releases_a_calls_decisions(api, admin, audit_log, outbox):
    call, (first, second) = call_with_proposals(2)
    stage(first, admin)
    stage(second, admin, Outcome.WAITLIST)
    response = api(admin).post(
        f"/decisions/calls/{call.id}/actions/release", json={"version": call.version}
    )
    assert response.status_code == 200
    assert response.get_json() == {"award": 1, "decline": 0, "waitlist": 1, "notified": 2}
    db.session.refresh(call)
    assert call.state == CallState.DECIDED
    assert (first.state, second.state) == (ProposalState.AWARDED, ProposalState.WAITLISTED)
    assert _decision(first).released_at is not None
    assert audit_log("decisions.released")[0].detail["notified"] == 2
    assert len(outbox("decision_released")) == 2


def test_release_is_refused_with_a_stale_call_or_an_undecided_proposal(api, admin):
    call, (first, _) = call_with_proposals(2)
    stage(first, admin)
    client = api(admin)
    before = unchanged_state()
    stale = client.post(
        f"/decisions/calls/{call.id}/actions/release", json={"version": call.version + 1}
    )
    assert stale.status_code == 409
    assert stale.get_json()["current_version"] == call.version
    undecided = client.post(
        f"/decisions/calls/{call.id}/actions/release", json={"version": call.version}
    )
    assert undecided.status_code == 409
    assert undecided.get_json()["code"] == "state_conflict"
    assert "no decision yet" in undecided.get_json()["message"]
    missing = client.post("/decisions/calls/999999/actions/release", json={"version": 1})
    assert missing.status_code == 404
    assert unchanged_state() == before


# Who may not


@pytest.mark.parametrize("who", ["applicant", "researcher", "reviewer", "member"])
def test_only_administrators_stage_unstage_or_release(api, admin, who):
    call, (proposal,) = call_with_proposals(1)
    stage(proposal, admin)
    user = proposal.applicant if who == "applicant" else UserFactory(roles_given=(who,))
    client = api(user)
    before = unchanged_state()
    path = f"/decisions/proposals/{proposal.id}"
    assert client.put(path, json={"outcome": "decline", "version": 1}).status_code == 403
    assert client.delete(path).status_code == 403
    release = f"/decisions/calls/{call.id}/actions/release"
    assert client.post(release, json={"version": call.version}).status_code == 403
    assert unchanged_state() == before


def test_changes_without_a_token_are_refused(api, admin):
    call, (proposal,) = call_with_proposals(1)
    anonymous = api()
    before = unchanged_state()
    path = f"/decisions/proposals/{proposal.id}"
    assert anonymous.put(path, json={"outcome": "decline"}).status_code == 401
    assert anonymous.delete(path).status_code == 401
    release = f"/decisions/calls/{call.id}/actions/release"
    assert anonymous.post(release, json={"version": call.version}).status_code == 401
    assert unchanged_state() == before
