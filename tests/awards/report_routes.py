"""Award follow-up routes in the authorization matrix: the researcher's pages, the office's.

The matrix's researcher is the applicant (PI) of the award; every other signed-in role is a
stranger to it and gets 404, never 403, for its pages; administrators read them all.
"""

from datetime import timedelta

from app import clock
from app.awards.models import ReportState
from app.uploads import store_private_file
from tests.authz import LOGIN, Route, admin_only, everyone, signed_in
from tests.awards.helpers import awarded_proposal, make_award
from tests.factories import MINIMAL_PDF

STRANGERS_404 = everyone(404, anonymous=LOGIN) | {"researcher": 200, "admin": 200}

ROUTES = [
    Route("awards.mine", "GET", "/awards/mine", signed_in(200)),
    Route("awards.project", "GET", "/awards/{ar_award}/project", STRANGERS_404),
    Route("awards.report", "GET", "/awards/reports/{ar_due}", STRANGERS_404),
    Route(
        "awards.report",
        "POST",
        "/awards/reports/{ar_due}",
        # Administrators read the report, but only its applicant submits it.
        STRANGERS_404 | {"researcher": 302, "admin": 403},
        {"text": "We built the rig and ran the first trials."},
        changes=True,
    ),
    Route("awards.report_file", "GET", "/awards/reports/{ar_submitted}/file", STRANGERS_404),
    Route("awards.overdue", "GET", "/awards/reports/overdue", admin_only(200)),
    Route("awards.review_report", "GET", "/awards/reports/{ar_submitted}/review", admin_only(200)),
    Route(
        "awards.accept_report",
        "POST",
        "/awards/reports/{ar_submitted}/accept",
        admin_only(302),
        changes=True,
    ),
    Route(
        "awards.request_changes",
        "POST",
        "/awards/reports/{ar_submitted}/request-changes",
        admin_only(302),
        {"comment": "Add the trial results."},
        changes=True,
    ),
]


def arrange(people):
    proposal = awarded_proposal(applicant=people["researcher"])
    award = make_award(proposal, starts_on=clock.today() - timedelta(days=200), months=12)
    due, submitted = award.reports[0], award.reports[1]
    stored = store_private_file(MINIMAL_PDF)
    submitted.state = ReportState.SUBMITTED
    submitted.text = "Progress so far."
    submitted.submitted_at = clock.now()
    submitted.submitted_by_id = people["researcher"].id
    submitted.attachment_name = "progress.pdf"
    submitted.attachment_stored_name = stored.stored_name
    submitted.attachment_size = stored.size
    submitted.attachment_sha256 = stored.sha256
    return {"ar_award": award.id, "ar_due": due.id, "ar_submitted": submitted.id}
