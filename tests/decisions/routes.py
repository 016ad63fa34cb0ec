"""The decision pages in the authorization matrix: administrators only."""

from app.decisions import services
from app.decisions.models import Outcome
from app.extensions import db
from tests.authz import Route, admin_only
from tests.reviews.helpers import call_in_review, proposal_under_review

ROUTES = [
    Route("decisions.index", "GET", "/decisions/calls/{dc_call}", admin_only(200)),
    Route("decisions.decide", "GET", "/decisions/proposals/{dc_open}", admin_only(200)),
    Route(
        "decisions.decide",
        "POST",
        "/decisions/proposals/{dc_open}",
        admin_only(302),
        {"outcome": "decline", "rationale": "Out of scope", "version": ""},
        changes=True,
    ),
    Route(
        "decisions.unstage",
        "POST",
        "/decisions/proposals/{dc_staged}/unstage",
        admin_only(302),
        changes=True,
    ),
    Route(
        "decisions.accept_suggestion",
        "POST",
        "/decisions/calls/{dc_call}/accept",
        admin_only(302),
        {"proposal_id": "{dc_open}"},
        changes=True,
    ),
    Route(
        "decisions.release",
        "POST",
        "/decisions/calls/{dc_release_call}/release",
        admin_only(302),
        {"confirm": "y"},
        changes=True,
    ),
    Route(
        "decisions.award_waitlisted",
        "GET",
        "/decisions/proposals/{dc_waitlisted}/award",
        admin_only(200),
    ),
    Route(
        "decisions.award_waitlisted",
        "POST",
        "/decisions/proposals/{dc_waitlisted}/award",
        admin_only(302),
        {"amount": "1000", "version": "{dc_waitlisted_version}"},
        changes=True,
    ),
    Route(
        "decisions.decline_waitlisted",
        "POST",
        "/decisions/proposals/{dc_waitlisted}/decline",
        admin_only(302),
        {"decline-version": "{dc_waitlisted_version}"},
        changes=True,
    ),
]


def arrange(people):
    admin = people["admin"]
    call = call_in_review()
    open_one = proposal_under_review(call)
    staged = proposal_under_review(call)
    services.stage_decision(staged, actor=admin, outcome=Outcome.DECLINE, expected_version=None)

    release_call = call_in_review()
    services.stage_decision(
        proposal_under_review(release_call),
        actor=admin,
        outcome=Outcome.AWARD,
        amount=open_one.requested_amount,
        expected_version=None,
    )

    waitlist_call = call_in_review()
    waitlisted = proposal_under_review(waitlist_call)
    decision = services.stage_decision(
        waitlisted, actor=admin, outcome=Outcome.WAITLIST, expected_version=None
    )
    services.release_decisions(waitlist_call, actor=admin)
    db.session.flush()
    return {
        "dc_call": call.id,
        "dc_open": open_one.id,
        "dc_staged": staged.id,
        "dc_release_call": release_call.id,
        "dc_waitlisted": waitlisted.id,
        "dc_waitlisted_version": str(decision.version),
    }
