"""Call routes in the authorization matrix: everyone signed in reads, administrators run."""

from app.extensions import db
from tests.authz import LOGIN, Route, admin_only, signed_in
from tests.factories import CallFactory

CALL_FORM = {
    "title": "Matrix call",
    "opens_at": "2031-01-05T09:00",
    "closes_at": "2031-02-05T17:00",
    "total_budget": "500000",
    "max_award": "100000",
    "reviews_per_proposal": "3",
    "member_visibility": "nothing",
    "reference_prefix": "MTX",
}
CRITERION_FORM = {"name": "Feasibility", "weight": "2", "scale_min": "1", "scale_max": "5"}

ROUTES = [
    Route("calls.index", "GET", "/calls/", signed_in(200)),
    Route("calls.detail", "GET", "/calls/{calls_open}", signed_in(200)),
    Route(
        "calls.detail",
        "GET",
        "/calls/{calls_draft}",
        {
            "anonymous": LOGIN,
            "researcher": 404,
            "reviewer": 404,
            "member": 404,
            "other_member": 404,
            "admin": 200,
        },
    ),
    Route("calls.admin_index", "GET", "/calls/admin", admin_only(200)),
    Route("calls.create", "GET", "/calls/new", admin_only(200)),
    Route("calls.create", "POST", "/calls/new", admin_only(302), CALL_FORM, changes=True),
    Route("calls.manage", "GET", "/calls/{calls_draft}/admin", admin_only(200)),
    Route("calls.edit", "GET", "/calls/{calls_draft}/edit", admin_only(200)),
    Route(
        "calls.edit",
        "POST",
        "/calls/{calls_draft}/edit",
        admin_only(302),
        CALL_FORM | {"version": "{calls_draft_version}"},
        changes=True,
    ),
    Route(
        "calls.change_state",
        "POST",
        "/calls/{calls_draft}/state",
        admin_only(302),
        {"to": "open"},
        changes=True,
    ),
    Route(
        "calls.add_criterion",
        "POST",
        "/calls/{calls_draft}/criteria",
        admin_only(302),
        CRITERION_FORM,
        changes=True,
    ),
    Route("calls.edit_criterion", "GET", "/calls/criteria/{calls_criterion}/edit", admin_only(200)),
    Route(
        "calls.edit_criterion",
        "POST",
        "/calls/criteria/{calls_criterion}/edit",
        admin_only(302),
        CRITERION_FORM,
        changes=True,
    ),
    Route(
        "calls.remove_criterion",
        "POST",
        "/calls/criteria/{calls_criterion}/remove",
        admin_only(302),
        changes=True,
    ),
    Route(
        "calls.move_criterion",
        "POST",
        "/calls/criteria/{calls_criterion}/move",
        admin_only(302),
        {"direction": "down"},
        changes=True,
    ),
]


def arrange(people) -> dict[str, int]:
    """Create an open call and a draft call with a two-criterion rubric."""
    open_call = CallFactory(title="Matrix open call")
    draft = CallFactory(draft=True, title="Matrix draft call", reference_prefix="DRF")
    db.session.commit()
    return {
        "calls_open": open_call.id,
        "calls_draft": draft.id,
        "calls_draft_version": draft.version,
        "calls_criterion": draft.criteria[0].id,
    }
