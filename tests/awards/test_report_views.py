"""The researcher's award pages and report form; the office's overdue list and review."""

import io
from datetime import UTC, date, datetime, timedelta

import pytest

from app import clock
from app.awards import reports
from app.awards.models import AwardState, ReportKind, ReportState
from app.extensions import db
from tests.awards.helpers import awarded_proposal, make_award
from tests.dbutil import snapshot
from tests.factories import MINIMAL_PDF, UserFactory
from tests.reviews.helpers import add_co_investigator

NOW = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)
TODAY = date(2026, 6, 1)


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


def overdue_award(**values):
    return make_award(starts_on=TODAY - timedelta(days=200), months=12, **values)


def first(award, kind=ReportKind.PROGRESS):
    return next(report for report in award.reports if report.kind == kind)


def with_co_investigator():
    proposal = awarded_proposal()
    add_co_investigator(proposal, name="Cora Co", email="cora@example.edu", affiliation="MIT")
    return proposal, UserFactory(researcher=True, email="cora@example.edu")


def submit(report, text="What we did."):
    reports.submit_report(report, actor=report.award.proposal.applicant, text=text)
    db.session.commit()
    return report


# The report form


def test_applicant_sees_the_form_of_an_owed_report(login):
    report = first(overdue_award())

    page = login(report.award.proposal.applicant).get(f"/awards/reports/{report.id}")

    assert page.status_code == 200
    assert b'id="report-form"' in page.data
    assert b"Overdue" in page.data


def test_applicant_submits_text_and_is_sent_to_the_award(login, audit_log, outbox):
    UserFactory(admin=True)
    report = first(overdue_award())

    response = login(report.award.proposal.applicant).post(
        f"/awards/reports/{report.id}",
        data={"text": "We built the rig.", "version": str(report.version)},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"/awards/{report.award_id}/project"
    db.session.refresh(report)
    assert (report.state, report.text) == (ReportState.SUBMITTED, "We built the rig.")
    assert len(audit_log("report.submitted")) == 1
    assert len(outbox("report_submitted")) == 1


def test_applicant_submits_a_pdf_and_the_team_downloads_it(login):
    proposal, co_pi = with_co_investigator()
    report = first(overdue_award(proposal=proposal))
    applicant = login(proposal.applicant)

    response = applicant.post(
        f"/awards/reports/{report.id}",
        data={"text": "See the PDF.", "attachment": (io.BytesIO(MINIMAL_PDF), "Progress.pdf")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 302
    db.session.refresh(report)
    assert report.attachment_name == "Progress.pdf"
    for client in (applicant, login(co_pi), login(UserFactory(admin=True))):
        download = client.get(f"/awards/reports/{report.id}/file")
        assert download.status_code == 200
        assert download.data == MINIMAL_PDF
        assert download.headers["Content-Type"] == "application/pdf"
        assert "no-store" in download.headers["Cache-Control"]
    assert (
        login(UserFactory(researcher=True)).get(f"/awards/reports/{report.id}/file").status_code
        == 404
    )


def test_a_fake_pdf_is_refused_beside_the_field_with_the_text_kept(login):
    report = first(overdue_award())
    before = snapshot()

    page = login(report.award.proposal.applicant).post(
        f"/awards/reports/{report.id}",
        data={
            "text": "My careful words.",
            "attachment": (io.BytesIO(b"Not a PDF at all."), "report.pdf"),
        },
        content_type="multipart/form-data",
    )

    assert page.status_code == 200
    assert b'id="attachment-error"' in page.data
    assert b"This file is not a PDF" in page.data
    assert b"My careful words." in page.data
    assert snapshot() == before


def test_an_empty_report_is_refused_beside_the_text(login):
    report = first(overdue_award())
    before = snapshot()

    page = login(report.award.proposal.applicant).post(
        f"/awards/reports/{report.id}", data={"text": "  "}
    )

    assert page.status_code == 200
    assert b'id="text-error"' in page.data
    assert snapshot() == before


def test_a_stale_form_is_refused_with_the_text_kept(login):
    report = first(overdue_award())
    opened_at = report.version
    report.text = "Saved elsewhere."
    db.session.commit()

    page = login(report.award.proposal.applicant).post(
        f"/awards/reports/{report.id}", data={"text": "Mine.", "version": str(opened_at)}
    )

    assert page.status_code == 200
    assert b"changed in another window" in page.data
    assert b"Mine." in page.data
    db.session.refresh(report)
    assert report.state == ReportState.DUE


@pytest.mark.parametrize("who", ["researcher", "reviewer", "member"])
def test_someone_elses_report_is_not_found_and_unchanged(login, who):
    report = first(overdue_award())
    stranger = login(UserFactory(**{who: True}))
    before = snapshot()

    assert stranger.get(f"/awards/reports/{report.id}").status_code == 404
    assert stranger.post(f"/awards/reports/{report.id}", data={"text": "Hi"}).status_code == 404
    assert stranger.get(f"/awards/{report.award_id}/project").status_code == 404
    assert snapshot() == before


def test_a_co_investigator_reads_but_may_not_submit(login):
    proposal, co_pi = with_co_investigator()
    report = first(overdue_award(proposal=proposal))
    client = login(co_pi)
    before = snapshot()

    page = client.get(f"/awards/reports/{report.id}")
    refused = client.post(f"/awards/reports/{report.id}", data={"text": "Mine."})

    assert page.status_code == 200
    assert b'id="report-form"' not in page.data
    assert b"submits this report" in page.data
    assert refused.status_code == 403
    assert snapshot() == before


def test_the_changes_requested_comment_is_shown_on_the_form(login):
    report = submit(first(overdue_award()))
    reports.request_changes(report, actor=UserFactory(admin=True), comment="Add the figures.")
    db.session.commit()

    page = login(report.award.proposal.applicant).get(f"/awards/reports/{report.id}")

    assert b'data-testid="changes-requested"' in page.data
    assert b"Add the figures." in page.data
    assert b'id="report-form"' in page.data


# The researcher's awards


def test_my_awards_lists_awards_as_pi_and_co_investigator(login):
    proposal, co_pi = with_co_investigator()
    as_co = overdue_award(proposal=proposal)
    as_pi = make_award(awarded_proposal(applicant=co_pi))
    someone_elses = make_award()

    page = login(co_pi).get("/awards/mine")

    assert page.status_code == 200
    assert f'data-testid="award-{as_co.id}"'.encode() in page.data
    assert f'data-testid="award-{as_pi.id}"'.encode() in page.data
    assert f'data-testid="award-{someone_elses.id}"'.encode() not in page.data
    assert b"co-investigator" in page.data
    assert page.data.count(b"Overdue") == 1


def test_my_awards_costs_the_same_queries_for_one_award_or_many(login, count_queries):
    applicant = UserFactory(researcher=True)
    overdue_award(proposal=awarded_proposal(applicant=applicant))
    client = login(applicant)
    with count_queries() as one:
        client.get("/awards/mine")
    for _ in range(4):
        overdue_award(proposal=awarded_proposal(applicant=applicant))
    with count_queries() as five:
        page = client.get("/awards/mine")

    assert page.data.count(b'data-testid="award-') == 5
    assert five.count == one.count


def test_the_project_page_shows_amount_funding_reports_and_comments(login):
    award = overdue_award(amount="25000")
    report = submit(first(award))
    reports.request_changes(report, actor=UserFactory(admin=True), comment="Say more on costs.")
    db.session.commit()

    page = login(award.proposal.applicant).get(f"/awards/{award.id}/project")

    assert page.status_code == 200
    assert b"$25,000" in page.data
    assert b"Seed fund, FY2027" in page.data
    assert b"Say more on costs." in page.data
    assert page.data.count(b'data-testid="report-') == len(award.reports)


# The office


def test_overdue_page_lists_days_overdue_and_last_reminded(login):
    report = first(overdue_award())
    report.last_reminded_on = TODAY - timedelta(days=1)
    db.session.commit()

    page = login(UserFactory(admin=True)).get("/awards/reports/overdue")

    assert page.status_code == 200
    row = page.data.split(f'data-testid="overdue-{report.id}"'.encode())[1].split(b"</tr>")[0]
    assert f'data-testid="days">{(TODAY - report.due_on).days}<'.encode() in row
    assert b"31 May 2026" in row


def test_overdue_page_costs_the_same_queries_for_one_report_or_many(login, count_queries):
    client = login(UserFactory(admin=True))
    overdue_award()
    with count_queries() as one:
        client.get("/awards/reports/overdue")
    for _ in range(4):
        overdue_award()
    with count_queries() as five:
        page = client.get("/awards/reports/overdue")

    assert page.data.count(b'data-testid="overdue-') == 6  # the table's and five rows
    assert five.count == one.count


def test_admin_accepts_the_final_report_and_the_award_completes(login, outbox):
    award = overdue_award()
    report = submit(first(award, ReportKind.FINAL))
    client = login(UserFactory(admin=True))

    page = client.get(f"/awards/reports/{report.id}/review")
    response = client.post(
        f"/awards/reports/{report.id}/accept", data={"version": str(report.version)}
    )

    assert b"Accepting the final report completes the award." in page.data
    assert response.status_code == 302
    db.session.refresh(award)
    db.session.refresh(report)
    assert report.state == ReportState.ACCEPTED
    assert award.state == AwardState.COMPLETED
    assert len(outbox("report_accepted")) == 1


def test_request_changes_without_a_comment_is_refused_beside_the_field(login):
    report = submit(first(overdue_award()))
    client = login(UserFactory(admin=True))
    before = snapshot()

    page = client.post(f"/awards/reports/{report.id}/request-changes", data={"comment": ""})

    assert page.status_code == 200
    assert b'id="comment-error"' in page.data
    assert snapshot() == before


def test_admin_requests_changes_and_the_researcher_resubmits(login, outbox):
    report = submit(first(overdue_award()))
    admin = login(UserFactory(admin=True))

    response = admin.post(
        f"/awards/reports/{report.id}/request-changes",
        data={"comment": "Add the trial results.", "version": str(report.version)},
    )
    db.session.refresh(report)
    assert response.status_code == 302
    assert report.state == ReportState.CHANGES_REQUESTED
    assert "Add the trial results." in outbox("report_changes_requested")[0].body_text

    resent = login(report.award.proposal.applicant).post(
        f"/awards/reports/{report.id}",
        data={"text": "With the results.", "version": str(report.version)},
    )

    assert resent.status_code == 302
    db.session.refresh(report)
    assert (report.state, report.text) == (ReportState.SUBMITTED, "With the results.")


def test_accepting_an_unsubmitted_report_is_refused_and_changes_nothing(login):
    report = first(overdue_award())
    client = login(UserFactory(admin=True))
    before = snapshot()

    response = client.post(f"/awards/reports/{report.id}/accept", follow_redirects=True)

    assert b"cannot become accepted" in response.data
    assert snapshot() == before


def test_submitting_twice_says_so_and_keeps_the_first(login):
    report = submit(first(overdue_award()), text="The first.")
    before = snapshot()

    page = login(report.award.proposal.applicant).post(
        f"/awards/reports/{report.id}", data={"text": "The second."}, follow_redirects=True
    )

    assert page.status_code == 200
    assert b"it cannot be resent" in page.data
    assert b"The first." in page.data
    assert snapshot() == before


def test_the_admin_award_page_lists_reports_with_review_links(login):
    award = overdue_award()
    report = submit(first(award, ReportKind.FINAL))
    progress = first(award)
    progress.last_reminded_on = TODAY
    db.session.commit()

    html = login(UserFactory(admin=True)).get(f"/awards/{award.id}").get_data(as_text=True)

    final_row = html.split(f'data-testid="report-{report.id}"')[1].split("</tr>")[0]
    assert "To review" in final_row
    assert f"/awards/reports/{report.id}/review" in final_row
    progress_row = html.split(f'data-testid="report-{progress.id}"')[1].split("</tr>")[0]
    assert f"{(TODAY - progress.due_on).days} days overdue" in progress_row
    assert "01 Jun 2026" in progress_row
    assert "/review" not in progress_row
