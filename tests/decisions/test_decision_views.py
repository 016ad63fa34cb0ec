"""The administrators' decision pages: field errors with the input kept, conflicts shown,
release confirmed, the suggested set accepted, a constant query count."""

from decimal import Decimal

import sqlalchemy as sa

from app.calls.models import CallState
from app.decisions.models import Decision, Outcome
from app.extensions import db
from app.proposals.models import ProposalState
from tests.dbutil import snapshot
from tests.decisions.decision_helpers import admin_user, call_with_proposals, reviewed, stage
from tests.reviews.helpers import proposal_under_review


def decisions():
    return db.session.scalars(sa.select(Decision).order_by(Decision.id)).all()


def test_the_decide_page_shows_the_reviews_with_names_and_prefills_the_request(login):
    _, [proposal, _] = call_with_proposals()
    reviewed(proposal, name="Rita Reviewer", to_applicant="Nice.", confidential="Between us.")

    page = login(admin_user()).get(f"/decisions/proposals/{proposal.id}").get_data(as_text=True)

    assert "Rita Reviewer" in page and "Between us." in page
    assert 'value="1000.00"' in page


def test_staging_through_the_page_redirects_to_the_board(login, audit_log):
    admin = admin_user()
    call, [proposal, _] = call_with_proposals()

    response = login(admin).post(
        f"/decisions/proposals/{proposal.id}",
        data={"outcome": "award", "amount": "1000", "comments_to_applicant": "Well done"},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"/decisions/calls/{call.id}"
    [decision] = decisions()
    assert (decision.outcome, decision.amount, decision.staged_by_id) == (
        Outcome.AWARD,
        Decimal("1000.00"),
        admin.id,
    )
    assert proposal.state == ProposalState.UNDER_REVIEW
    assert len(audit_log("decision.staged")) == 1


def test_a_reduced_amount_without_reason_is_refused_next_to_the_field(login):
    _, [proposal, _] = call_with_proposals()
    client = login(admin_user())
    before = snapshot()

    response = client.post(
        f"/decisions/proposals/{proposal.id}",
        data={"outcome": "award", "amount": "750", "rationale": "KEPT-RATIONALE"},
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="reduction_reason-error"' in page and "Say why the award is less" in page
    assert 'value="750"' in page and "KEPT-RATIONALE" in page
    assert snapshot() == before


def test_an_amount_above_the_request_is_refused_next_to_the_field(login):
    _, [proposal, _] = call_with_proposals()
    client = login(admin_user())
    before = snapshot()

    response = client.post(
        f"/decisions/proposals/{proposal.id}", data={"outcome": "award", "amount": "5000"}
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="amount-error"' in page and "cannot exceed the $1,000 requested" in page
    assert snapshot() == before


def test_a_stale_form_shows_the_decision_staged_meanwhile_and_keeps_the_input(login):
    first, second = admin_user(), admin_user()
    first.name = "Fiona First"
    _, [proposal, _] = call_with_proposals()
    stage(proposal, first, Outcome.WAITLIST)
    before = snapshot()

    response = login(second).post(
        f"/decisions/proposals/{proposal.id}",
        data={"outcome": "decline", "comments_to_applicant": "MY-COMMENTS", "version": ""},
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Fiona First staged a decision on this proposal meanwhile: waitlist" in page
    assert 'data-testid="current-decision"' in page
    assert "MY-COMMENTS" in page
    assert 'name="version" type="hidden" value="1"' in page
    assert snapshot() == before


def test_the_board_costs_the_same_queries_for_one_or_many_proposals(login, count_queries):
    admin = admin_user()
    client = login(admin)
    call, [first] = call_with_proposals(1)
    stage(first, admin)

    def cost():
        with count_queries() as counter:
            assert client.get(f"/decisions/calls/{call.id}").status_code == 200
        return counter.count

    few = cost()
    for _ in range(6):
        proposal = proposal_under_review(call)
        reviewed(proposal, name="R", to_applicant="", confidential="")
        stage(proposal, admin, Outcome.DECLINE)

    assert cost() == few


def test_the_board_shows_totals_and_what_the_release_will_send(login):
    admin = admin_user()
    call, [first, second, third] = call_with_proposals(3, total_budget="1500", max_award="1000")
    stage(first, admin)
    stage(second, admin, amount="800", reduction_reason="Less travel")

    page = login(admin).get(f"/decisions/calls/{call.id}").get_data(as_text=True)

    assert '<span data-testid="awarded-total">$1,800</span>' in page
    assert "$300 over budget" in page
    assert f"still have no decision: {third.reference}" not in page  # one: singular
    assert f"still has no decision: {third.reference}" in page
    assert "<strong>2 emails</strong>" in page


def test_release_needs_the_confirmation(login):
    admin = admin_user()
    call, [proposal, _] = call_with_proposals()
    before = snapshot()

    response = login(admin).post(f"/decisions/calls/{call.id}/release", data={})

    assert response.status_code == 400
    assert "Tick the box to confirm the release." in response.get_data(as_text=True)
    assert snapshot() == before


def test_release_refused_for_a_missing_decision_says_which_and_changes_nothing(login):
    admin = admin_user()
    call, [staged, bare] = call_with_proposals()
    stage(staged, admin)
    before = snapshot()

    response = login(admin).post(f"/decisions/calls/{call.id}/release", data={"confirm": "y"})

    assert response.status_code == 400
    assert f"1 proposal has no decision yet: {bare.reference}." in response.get_data(as_text=True)
    assert snapshot() == before


def test_release_through_the_page_decides_the_call(login, outbox):
    admin = admin_user()
    call, proposals = call_with_proposals()
    for proposal in proposals:
        stage(proposal, admin, Outcome.DECLINE)

    response = login(admin).post(
        f"/decisions/calls/{call.id}/release", data={"confirm": "y"}, follow_redirects=True
    )

    assert "2 emails queued. The call is decided." in response.get_data(as_text=True)
    assert call.state == CallState.DECIDED
    assert len(outbox("decision_released")) == 2


def test_accepting_the_suggestion_stages_awards_and_says_what_was_kept(login):
    admin = admin_user()
    call, [first, second] = call_with_proposals()
    stage(second, admin, Outcome.WAITLIST)

    response = login(admin).post(
        f"/decisions/calls/{call.id}/accept",
        data={"proposal_id": [str(first.id), str(second.id)]},
        follow_redirects=True,
    )

    page = response.get_data(as_text=True)
    assert "1 award staged at the requested amounts." in page
    assert f"already had a decision, kept as it was: {second.reference}" in page
    assert {d.proposal_id: d.outcome for d in decisions()} == {
        first.id: Outcome.AWARD,
        second.id: Outcome.WAITLIST,
    }


def test_accepting_a_set_over_budget_is_refused_with_the_figures(login):
    admin = admin_user()
    call, proposals = call_with_proposals(2, total_budget="1500", max_award="1000")
    before = snapshot()

    response = login(admin).post(
        f"/decisions/calls/{call.id}/accept",
        data={"proposal_id": [str(p.id) for p in proposals]},
        follow_redirects=True,
    )

    assert "over its budget of $1,500 by $500" in response.get_data(as_text=True)
    assert snapshot() == before


def test_awarding_from_the_waitlist_through_the_page(login, outbox):
    admin = admin_user()
    call, [waitlisted, _] = call_with_proposals()
    stage(waitlisted, admin, Outcome.WAITLIST)
    stage(_, admin, Outcome.DECLINE)
    client = login(admin)
    client.post(f"/decisions/calls/{call.id}/release", data={"confirm": "y"})
    version = db.session.scalar(
        sa.select(Decision.version).where(Decision.proposal_id == waitlisted.id)
    )

    refused = client.post(
        f"/decisions/proposals/{waitlisted.id}/award",
        data={"amount": "600", "version": str(version)},
    )
    assert refused.status_code == 400
    assert 'id="reduction_reason-error"' in refused.get_data(as_text=True)

    response = client.post(
        f"/decisions/proposals/{waitlisted.id}/award",
        data={"amount": "600", "reduction_reason": "What was freed", "version": str(version)},
    )

    assert response.status_code == 302
    assert waitlisted.state == ProposalState.AWARDED
    assert len(outbox("decision_waitlist_awarded")) == 1


def test_declining_from_the_waitlist_through_the_page(login, outbox):
    admin = admin_user()
    call, [waitlisted] = call_with_proposals(1)
    stage(waitlisted, admin, Outcome.WAITLIST)
    client = login(admin)
    client.post(f"/decisions/calls/{call.id}/release", data={"confirm": "y"})
    version = db.session.scalar(
        sa.select(Decision.version).where(Decision.proposal_id == waitlisted.id)
    )
    before = snapshot()

    stale = client.post(
        f"/decisions/proposals/{waitlisted.id}/decline",
        data={"decline-version": str(version - 1), "decline-comments_to_applicant": "KEPT"},
    )

    assert stale.status_code == 400
    assert "KEPT" in stale.get_data(as_text=True)
    assert snapshot() == before

    response = client.post(
        f"/decisions/proposals/{waitlisted.id}/decline",
        data={"decline-version": str(version), "decline-comments_to_applicant": "Closed."},
    )

    assert response.status_code == 302
    assert waitlisted.state == ProposalState.DECLINED
    [email] = outbox("decision_waitlist_declined")
    assert "Closed." in email.body_text
