"""The reviewers' pages in the authorization matrix.

The dashboard and profile are for reviewers; an assignment's pages answer only its reviewer
(the matrix's reviewer) and 404 for everyone else, administrators included: they follow
reviews on their own pages and never read a review page as if they were its reviewer.
"""

from app.reviews import services
from tests.authz import LOGIN, Route, admin_only, everyone
from tests.reviews.helpers import assign, call_in_review, proposal_under_review


def reviewers_only(status) -> dict:
    """Reviewers get `status`; other signed-in users 403; anonymous goes to sign in."""
    return everyone(403, anonymous=LOGIN) | {"reviewer": status}


def assigned_only(status) -> dict:
    """The assigned reviewer gets `status`; everyone else a 404; anonymous goes to sign in."""
    return everyone(404, anonymous=LOGIN) | {"reviewer": status}


ROUTES = [
    Route("reviews.dashboard", "GET", "/reviews/", reviewers_only(200)),
    Route("reviews.profile", "GET", "/reviews/profile", reviewers_only(200)),
    Route(
        "reviews.profile",
        "POST",
        "/reviews/profile",
        reviewers_only(302),
        {"expertise": "tribology", "department": "Physics", "affiliation": "", "max_load": "4"},
        changes=True,
    ),
    Route("reviews.review", "GET", "/reviews/assignments/{rvr_assignment}", assigned_only(200)),
    Route(
        "reviews.save",
        "POST",
        "/reviews/assignments/{rvr_assignment}",
        assigned_only(302),
        {"comments_to_applicant": "A clear plan."},
        changes=True,
    ),
    Route(
        "reviews.submit",
        "POST",
        "/reviews/assignments/{rvr_assignment}/submit",
        assigned_only(200),  # incomplete: the draft is saved and what is missing shown
        {"comments_to_applicant": "A clear plan."},
        changes=True,
    ),
    Route(
        "reviews.attachment",
        "GET",
        "/reviews/assignments/{rvr_assignment}/attachment",
        assigned_only(200),
    ),
    Route(
        "reviews.decline",
        "POST",
        "/reviews/assignments/{rvr_assignment}/decline",
        assigned_only(302),
        {"reason": "Travelling all month"},
        changes=True,
    ),
    Route(
        "reviews.edit_profile",
        "GET",
        "/reviews/reviewers/{rvr_reviewer}/profile",
        admin_only(200),
    ),
    Route(
        "reviews.edit_profile",
        "POST",
        "/reviews/reviewers/{rvr_reviewer}/profile",
        admin_only(302),
        {"expertise": "hydrogels", "department": "Chemistry", "max_load": "2"},
        changes=True,
    ),
    Route(
        "reviews.call_conflicts", "GET", "/reviews/calls/{rvr_call}/declare", reviewers_only(200)
    ),
    Route(
        "reviews.declare_call_conflicts",
        "POST",
        "/reviews/calls/{rvr_call}/declare",
        reviewers_only(302),
        {"proposal_ids": "{rvr_other_proposal}", "explanation": "My former student"},
        changes=True,
    ),
    Route(
        "reviews.declare_conflict",
        "POST",
        "/reviews/assignments/{rvr_assignment}/conflict",
        assigned_only(302),
        {"explanation": "I supervised the applicant"},
        changes=True,
    ),
]


def arrange(people) -> dict[str, int]:
    """Assign the matrix's reviewer, in the pool of a call in review, one of its proposals
    (with a PDF); another proposal is left for conflict declarations."""
    call = call_in_review()
    services.add_to_pool(call, people["reviewer"], actor=people["admin"])
    proposal = proposal_under_review(call, filename="plan.pdf")
    other = proposal_under_review(call)
    assignment = assign(proposal, people["reviewer"], admin=people["admin"])
    return {
        "rvr_assignment": assignment.id,
        "rvr_call": call.id,
        "rvr_other_proposal": other.id,
        "rvr_reviewer": people["reviewer"].id,
    }
