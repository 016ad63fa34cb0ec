"""The proposals resource: lists, drafts, the PDF, submission, reopening, withdrawal, extensions."""

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import clock
from app.extensions import db
from app.proposals.models import CoInvestigator, Proposal, ProposalState, ProposalVersion
from tests.api.helpers import unchanged_state
from tests.factories import (
    MINIMAL_PDF,
    CallFactory,
    OrganizationFactory,
    ProposalFactory,
    TermFactory,
    UserFactory,
    representative,
)

ROLES = ["researcher", "reviewer", "member", "admin"]


def _member_organization(name: str = "Acme Robotics"):
    """Return an organization with a current membership term (a sponsor one may choose)."""
    return TermFactory(organization=OrganizationFactory(name=name)).organization


def _pdf(data: bytes = MINIMAL_PDF, filename: str = "proposal.pdf") -> dict:
    return {"attachment": (io.BytesIO(data), filename)}


def _ready(**values) -> Proposal:
    """Return a draft with everything a submission needs but its PDF (see _attach)."""
    return ProposalFactory(complete=True, budget=["50000", "25000.50"], **values)


def _attach(api, proposal: Proposal) -> None:
    response = api(proposal.applicant).put(f"/proposals/{proposal.id}/pdf", data=_pdf())
    assert response.status_code == 200, response.get_json()


def _other(role: str):
    """A user in this role who has nothing to do with the proposal."""
    if role == "member":
        return representative(OrganizationFactory())
    return UserFactory(roles_given=(role,))


FULL_DRAFT = {
    "title": "Learning process windows",
    "abstract": "We learn process windows from sensor data.",
    "keywords": "machine learning,process control",
    "department": "Mechanical Engineering",
    "duration_months": 12,
    "industry_relevance": "Cuts scrap in injection moulding.",
    "budget_lines": [
        {"category": "personnel", "description": "Postdoc", "amount": "60000.00"},
        {"category": "equipment", "amount": "4999.5"},
    ],
}


# Listing


def test_researchers_list_their_own_proposals_and_those_they_are_on_the_team_of(api, researcher):
    own = ProposalFactory(applicant=researcher, title="Mine")
    on_team = ProposalFactory(title="Colleague's")
    on_team.co_investigators.append(
        CoInvestigator(position=1, name=researcher.name, email=researcher.email)
    )
    others = ProposalFactory(title="Someone else's")
    db.session.commit()

    page = api(researcher).get("/proposals/?per_page=100").get_json()
    assert {item["id"] for item in page["items"]} == {own.id, on_team.id}
    assert others.id not in {item["id"] for item in page["items"]}
    assert page["total"] == 2
    item = next(item for item in page["items"] if item["id"] == own.id)
    assert item["applicant"] == {
        "id": researcher.id,
        "name": researcher.name,
        "email": researcher.email,
    }
    assert item["state"] == "draft"
    assert item["reference"] is None


@pytest.mark.parametrize("role", ["reviewer", "member"])
def test_users_without_proposals_get_an_empty_list(api, role):
    ProposalFactory()
    response = api(_other(role)).get("/proposals/")
    assert response.status_code == 200
    assert response.get_json()["items"] == []
    assert response.get_json()["total"] == 0


def test_admins_list_every_proposal_with_filters_sort_and_pages(api, admin):
    call = CallFactory()
    applicant = UserFactory(researcher=True)
    for title in ("Gamma sensing", "Alpha sensing", "Beta sensing"):
        ProposalFactory(call=call, applicant=applicant, title=title)
    ProposalFactory(call=call, title="Alpha other applicant")
    ProposalFactory(title="Alpha other call", applicant=applicant)
    withdrawn = ProposalFactory(
        call=call,
        applicant=applicant,
        title="Delta sensing",
        state=ProposalState.WITHDRAWN,
        withdrawn_at=clock.now(),
    )
    client = api(admin)

    query = f"/proposals/?call_id={call.id}&applicant_id={applicant.id}&q=SENSING"
    page = client.get(query + "&state=draft&sort=title&per_page=2").get_json()
    assert page["total"] == 3
    assert page["pages"] == 2
    assert [item["title"] for item in page["items"]] == ["Alpha sensing", "Beta sensing"]
    last = client.get(query + "&state=draft&sort=title&per_page=2&page=2").get_json()
    assert [item["title"] for item in last["items"]] == ["Gamma sensing"]

    both = client.get(query + "&state=draft&state=withdrawn&sort=-title").get_json()
    assert [item["title"] for item in both["items"]] == [
        "Gamma sensing",
        withdrawn.title,
        "Beta sensing",
        "Alpha sensing",
    ]
    assert both["total"] == 4


def test_list_refuses_unknown_filters_and_sorts(api, admin):
    client = api(admin)
    for query in ("sort=applicant", "state=lost", "per_page=101", "call_id=x", "applicant_id=0"):
        response = client.get(f"/proposals/?{query}")
        assert response.status_code == 422, query
        assert response.get_json()["code"] == "invalid"


def test_list_query_count_does_not_grow_with_the_page(api, admin, count_queries):
    client = api(admin)

    def queries_for_page() -> int:
        with count_queries() as counter:
            response = client.get("/proposals/?per_page=100")
        assert response.status_code == 200
        return counter.count

    for _ in range(3):
        ProposalFactory()
    queries_for_page()  # the token's first use is stamped once: not part of the comparison
    few = queries_for_page()
    for _ in range(27):
        ProposalFactory()
    assert queries_for_page() == few


# Starting a draft


def test_a_researcher_starts_a_draft_to_an_open_call(api, researcher, audit_log):
    call = CallFactory()
    response = api(researcher).post("/proposals/", json={"call_id": call.id})
    assert response.status_code == 201
    body = response.get_json()
    assert body["state"] == "draft"
    assert body["call_id"] == call.id
    assert body["applicant"]["id"] == researcher.id
    assert body["accepting"] is True
    assert set(body["problems"]) >= {"title", "budget_lines", "attachment"}
    proposal = db.session.get(Proposal, body["id"])
    assert proposal.applicant_id == researcher.id
    assert [event.subject_id for event in audit_log("proposal.started")] == [str(proposal.id)]


def test_a_draft_call_is_not_found_and_a_closed_one_is_a_conflict(api, researcher):
    draft, closed = CallFactory(draft=True), CallFactory(closed=True)
    client = api(researcher)
    before = unchanged_state()
    hidden = client.post("/proposals/", json={"call_id": draft.id})
    assert hidden.status_code == 404
    assert client.post("/proposals/", json={"call_id": 2_000_000_000}).status_code == 404
    late = client.post("/proposals/", json={"call_id": closed.id})
    assert late.status_code == 409
    assert late.get_json()["code"] == "deadline_passed"
    assert unchanged_state() == before


@pytest.mark.parametrize("role", ["reviewer", "member", "admin"])
def test_only_researchers_start_drafts(api, role):
    call = CallFactory()
    client = api(_other(role))
    before = unchanged_state()
    assert client.post("/proposals/", json={"call_id": call.id}).status_code == 403
    assert unchanged_state() == before


def test_starting_a_draft_needs_a_call_id(api, researcher):
    client = api(researcher)
    before = unchanged_state()
    for body in ({}, {"call_id": "seven"}, {"call_id": 0}, {"call_id": 1, "title": "x"}):
        response = client.post("/proposals/", json=body)
        assert response.status_code == 422, body
    assert "call_id" in client.post("/proposals/", json={}).get_json()["errors"]
    assert unchanged_state() == before


# Reading one


def test_the_applicant_reads_everything_but_the_stored_file_name(api):
    organization = _member_organization()
    proposal = _ready()
    client = api(proposal.applicant)
    saved = client.patch(
        f"/proposals/{proposal.id}",
        json={
            "version": proposal.version,
            "co_investigators": [{"name": "Ada Lovelace", "email": "Ada@Example.edu"}],
            "sponsor_ids": [organization.id],
            "excluded_people": [{"name": "Rival Person", "reason": "Competes with us"}],
            "relationships": [{"organization_id": organization.id, "reason": "Funds a student"}],
        },
    )
    assert saved.status_code == 200, saved.get_json()
    _attach(api, proposal)

    body = client.get(f"/proposals/{proposal.id}").get_json()
    assert body["title"] == proposal.title
    assert body["keywords"] == ["machine learning", "process control"]
    assert body["requested_amount"] == "75000.50"
    assert body["co_investigators"] == [
        {"name": "Ada Lovelace", "email": "ada@example.edu", "affiliation": "", "role": ""}
    ]
    assert [line["amount"] for line in body["budget_lines"]] == ["50000.00", "25000.50"]
    assert body["sponsor_ids"] == [organization.id]
    assert body["excluded_people"] == [
        {"name": "Rival Person", "email": None, "reason": "Competes with us"}
    ]
    assert body["relationships"] == [
        {
            "organization_id": organization.id,
            "organization_name": "Acme Robotics",
            "reason": "Funds a student",
        }
    ]
    attachment = body["attachment"]
    assert attachment["filename"] == "proposal.pdf"
    assert attachment["size"] == len(MINIMAL_PDF)
    assert set(attachment) == {"id", "filename", "size", "sha256", "uploaded_at"}
    stored_name = proposal.current_attachment.stored_name
    assert stored_name not in str(body)
    assert body["problems"] == {}
    assert body["versions"] == []


def test_co_investigators_read_the_proposal_but_not_its_declared_conflicts(api):
    proposal = ProposalFactory(complete=True)
    colleague = UserFactory(researcher=True)
    proposal.co_investigators.append(
        CoInvestigator(position=1, name=colleague.name, email=colleague.email)
    )
    db.session.commit()
    body = api(colleague).get(f"/proposals/{proposal.id}").get_json()
    assert body["title"] == proposal.title
    assert body["excluded_people"] is None
    assert body["relationships"] is None
    assert body["problems"] == {}


def test_admins_read_any_proposal_with_its_declared_conflicts(api, admin):
    proposal = ProposalFactory(complete=True)
    body = api(admin).get(f"/proposals/{proposal.id}").get_json()
    assert body["id"] == proposal.id
    assert body["excluded_people"] == []


@pytest.mark.parametrize("role", ["researcher", "reviewer", "member"])
def test_others_do_not_find_a_proposal(api, role):
    proposal = ProposalFactory(complete=True)
    response = api(_other(role)).get(f"/proposals/{proposal.id}")
    assert response.status_code == 404
    assert response.get_json()["code"] == "not_found"


# Changing the draft


def test_the_applicant_saves_only_what_changes(api, audit_log):
    proposal = ProposalFactory(complete=True, budget=["1000"])
    client = api(proposal.applicant)
    version = proposal.version
    response = client.patch(
        f"/proposals/{proposal.id}", json={"version": version, "title": "  Renamed  "}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["title"] == "Renamed"
    assert body["version"] > version
    db.session.refresh(proposal)
    assert body["version"] == proposal.version
    assert body["abstract"] == "We learn process windows from sensor data."
    assert body["budget_lines"] == [
        {"category": "personnel", "description": "Postdoc", "amount": "1000.00"}
    ]
    db.session.refresh(proposal)
    assert proposal.title == "Renamed"
    assert len(proposal.budget_lines) == 1
    assert [event.subject_id for event in audit_log("proposal.saved")] == [str(proposal.id)]


def test_lists_sent_replace_the_saved_ones_and_keep_the_amount_in_step(api):
    proposal = ProposalFactory(budget=["1000"])
    response = api(proposal.applicant).patch(
        f"/proposals/{proposal.id}", json=FULL_DRAFT | {"version": proposal.version}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["requested_amount"] == "64999.50"
    assert [line["category"] for line in body["budget_lines"]] == ["personnel", "equipment"]
    assert body["keywords"] == ["machine learning", "process control"]
    cleared = api(proposal.applicant).patch(
        f"/proposals/{proposal.id}",
        json={"version": body["version"], "budget_lines": [], "duration_months": None},
    )
    assert cleared.get_json()["requested_amount"] == "0.00"
    assert cleared.get_json()["duration_months"] is None
    assert cleared.get_json()["title"] == FULL_DRAFT["title"]


def test_a_stale_version_is_a_conflict_and_changes_nothing(api):
    proposal = ProposalFactory(complete=True)
    client = api(proposal.applicant)
    version = proposal.version
    first = client.patch(f"/proposals/{proposal.id}", json={"version": version, "title": "First"})
    assert first.status_code == 200
    before = unchanged_state()
    stale = client.patch(f"/proposals/{proposal.id}", json={"version": version, "title": "Lost"})
    assert stale.status_code == 409
    assert stale.get_json()["code"] == "conflict"
    assert stale.get_json()["current_version"] == first.get_json()["version"]
    assert unchanged_state() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"duration_months": 61}, "duration_months"),
        ({"title": "x" * 301}, "title"),
        ({"budget_lines": [{"category": "personnel", "amount": "0"}]}, "budget_lines"),
        ({"budget_lines": [{"category": "yachts", "amount": "10"}]}, "budget_lines"),
        (
            {
                "budget_lines": [
                    {"category": "personnel", "amount": "9999999999.99"},
                    {"category": "travel", "amount": "0.01"},
                ]
            },
            "budget_lines",
        ),
        ({"budget_lines": [{"category": "travel", "amount": "10000000000.00"}]}, "budget_lines"),
        ({"co_investigators": [{"name": "No Address"}]}, "co_investigators"),
        (
            {
                "co_investigators": [
                    {"name": "Ada", "email": "ada@example.edu"},
                    {"name": "Ada again", "email": "ADA@example.edu"},
                ]
            },
            "co_investigators",
        ),
        ({"sponsor_ids": [2_000_000_000]}, "sponsor_ids"),
        ({"relationships": [{"organization_id": 2_000_000_000, "reason": "x"}]}, "relationships"),
        ({"excluded_people": [{"name": "Someone", "reason": " "}]}, "excluded_people"),
        ({"keywords": "a," * 250}, "keywords"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_draft_values_are_refused_by_field(api, changes, field):
    proposal = ProposalFactory(complete=True)
    client = api(proposal.applicant)
    before = unchanged_state()
    response = client.patch(
        f"/proposals/{proposal.id}", json={"version": proposal.version} | changes
    )
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert unchanged_state() == before


def test_patch_needs_the_version(api):
    proposal = ProposalFactory()
    response = api(proposal.applicant).patch(f"/proposals/{proposal.id}", json={"title": "X"})
    assert response.status_code == 422
    assert "version" in response.get_json()["errors"]


@pytest.mark.parametrize("role", ROLES)
def test_only_the_applicant_changes_the_draft(api, role):
    proposal = ProposalFactory(complete=True)
    client = api(_other(role))
    before = unchanged_state()
    response = client.patch(
        f"/proposals/{proposal.id}", json={"version": proposal.version, "title": "Taken over"}
    )
    # Administrators see every proposal (403); anyone else may not even know it exists (404).
    assert response.status_code == (403 if role == "admin" else 404)
    assert unchanged_state() == before


def test_a_co_investigator_reads_but_may_not_change(api):
    proposal = ProposalFactory(complete=True)
    colleague = UserFactory(researcher=True)
    proposal.co_investigators.append(
        CoInvestigator(position=1, name=colleague.name, email=colleague.email)
    )
    db.session.commit()
    client = api(colleague)
    before = unchanged_state()
    assert (
        client.patch(
            f"/proposals/{proposal.id}", json={"version": proposal.version, "title": "X"}
        ).status_code
        == 403
    )
    assert client.put(f"/proposals/{proposal.id}/pdf", data=_pdf()).status_code == 403
    assert (
        client.post(
            f"/proposals/{proposal.id}/actions/submit", json={"version": proposal.version}
        ).status_code
        == 403
    )
    assert unchanged_state() == before


def test_a_submitted_proposal_cannot_change_until_reopened(api):
    proposal = _ready()
    _attach(api, proposal)
    client = api(proposal.applicant)
    submitted = client.post(
        f"/proposals/{proposal.id}/actions/submit", json={"version": proposal.version}
    ).get_json()
    before = unchanged_state()
    refused = client.patch(
        f"/proposals/{proposal.id}", json={"version": submitted["version"], "title": "Late"}
    )
    assert refused.status_code == 409
    assert refused.get_json()["code"] == "state_conflict"
    assert refused.get_json()["current_version"] == submitted["version"]
    assert client.put(f"/proposals/{proposal.id}/pdf", data=_pdf()).status_code == 409
    assert unchanged_state() == before


# The PDF


def test_the_applicant_uploads_and_downloads_the_pdf(api, admin, audit_log):
    proposal = ProposalFactory()
    client = api(proposal.applicant)
    response = client.put(f"/proposals/{proposal.id}/pdf", data=_pdf(filename="../plan.pdf"))
    assert response.status_code == 200
    body = response.get_json()
    assert body["filename"] == "plan.pdf"
    assert body["size"] == len(MINIMAL_PDF)
    assert [event.subject_id for event in audit_log("proposal.attachment_uploaded")] == [
        str(proposal.id)
    ]

    for reader in (client, api(admin)):
        download = reader.get(f"/proposals/{proposal.id}/pdf")
        assert download.status_code == 200
        assert download.mimetype == "application/pdf"
        assert download.data == MINIMAL_PDF
        assert "plan.pdf" in download.headers["Content-Disposition"]

    odd_name = client.put(f"/proposals/{proposal.id}/pdf", data=_pdf(filename="a\x00b.pdf"))
    assert odd_name.get_json()["filename"] == "ab.pdf"
    replaced = client.put(f"/proposals/{proposal.id}/pdf", data=_pdf(MINIMAL_PDF + b"\n"))
    assert replaced.get_json()["id"] != body["id"]
    assert client.get(f"/proposals/{proposal.id}/pdf").data == MINIMAL_PDF + b"\n"


def test_a_file_that_is_not_a_pdf_is_refused_on_its_field(api):
    proposal = ProposalFactory()
    client = api(proposal.applicant)
    before = unchanged_state()
    for data in (b"GIF89a not a pdf", b""):
        response = client.put(f"/proposals/{proposal.id}/pdf", data=_pdf(data, "fake.pdf"))
        assert response.status_code == 422
        assert "attachment" in response.get_json()["errors"]
    missing = client.put(f"/proposals/{proposal.id}/pdf", data={})
    assert missing.status_code == 422
    assert "attachment" in missing.get_json()["errors"]
    assert client.put(f"/proposals/{proposal.id}/pdf", json={"a": 1}).status_code == 422
    assert unchanged_state() == before


def test_files_over_the_limits_are_refused(api, app, monkeypatch):
    proposal = ProposalFactory()
    client = api(proposal.applicant)
    before = unchanged_state()
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 20)
    over_attachment_limit = client.put(f"/proposals/{proposal.id}/pdf", data=_pdf())
    assert over_attachment_limit.status_code == 422
    assert "attachment" in over_attachment_limit.get_json()["errors"]
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 100)
    over_request_limit = client.put(f"/proposals/{proposal.id}/pdf", data=_pdf(b"%PDF-" * 100))
    assert over_request_limit.status_code == 413
    assert over_request_limit.get_json()["code"] == "too_large"
    assert unchanged_state() == before


@pytest.mark.parametrize("role", ROLES)
def test_only_the_applicant_uploads_and_only_readers_download(api, role):
    proposal = ProposalFactory()
    _attach(api, proposal)
    client = api(_other(role))
    before = unchanged_state()
    upload = client.put(f"/proposals/{proposal.id}/pdf", data=_pdf())
    assert upload.status_code == (403 if role == "admin" else 404)
    download = client.get(f"/proposals/{proposal.id}/pdf")
    assert download.status_code == (200 if role == "admin" else 404)
    assert unchanged_state() == before


def test_no_pdf_yet_is_not_found(api):
    proposal = ProposalFactory()
    response = api(proposal.applicant).get(f"/proposals/{proposal.id}/pdf")
    assert response.status_code == 404
    assert response.get_json()["code"] == "not_found"


# Submitting


def test_the_whole_cycle_through_the_api(api, audit_log):
    researcher = UserFactory(researcher=True)
    call = CallFactory(reference_prefix="ROB")
    client = api(researcher)

    created = client.post("/proposals/", json={"call_id": call.id}).get_json()
    proposal_id = created["id"]
    saved = client.patch(
        f"/proposals/{proposal_id}", json=FULL_DRAFT | {"version": created["version"]}
    ).get_json()
    assert set(saved["problems"]) == {"attachment"}
    uploaded = client.put(
        f"/proposals/{proposal_id}/pdf",
        data=_pdf(),
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 200
    version = client.get(f"/proposals/{proposal_id}").get_json()["version"]
    response = client.post(f"/proposals/{proposal_id}/actions/submit", json={"version": version})

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["state"] == "submitted"
    assert body["reference"].startswith("ROB-")
    assert body["submitted_at"]
    assert [item["number"] for item in body["versions"]] == [1]
    stored = db.session.scalars(
        sa.select(ProposalVersion).where(ProposalVersion.proposal_id == proposal_id)
    ).one()
    assert stored.snapshot["title"] == FULL_DRAFT["title"]
    assert stored.snapshot["attachment"]["size"] == len(MINIMAL_PDF)
    actions = [
        event.action
        for event in audit_log()
        if event.subject_type == "proposal" and event.subject_id == str(proposal_id)
    ]
    assert actions[:1] == ["proposal.started"]
    assert "proposal.attachment_uploaded" in actions
    assert actions[-1] == "proposal.submitted"


def test_an_incomplete_draft_is_refused_with_its_problems_by_field(api):
    proposal = ProposalFactory(title="Only a title")
    client = api(proposal.applicant)
    before = unchanged_state()
    response = client.post(
        f"/proposals/{proposal.id}/actions/submit", json={"version": proposal.version}
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert {"abstract", "budget_lines", "attachment", "duration_months"} <= set(errors)
    assert "title" not in errors
    assert errors["attachment"] == ["Attach the proposal as a PDF."]
    assert unchanged_state() == before


def test_after_the_deadline_submitting_is_refused(api, monkeypatch):
    proposal = _ready()
    _attach(api, proposal)
    client = api(proposal.applicant)
    late = proposal.call.closes_at + timedelta(days=1)
    monkeypatch.setattr(clock, "now", lambda: late)
    before = unchanged_state()
    response = client.post(
        f"/proposals/{proposal.id}/actions/submit", json={"version": proposal.version}
    )
    assert response.status_code == 409
    assert response.get_json()["code"] == "deadline_passed"
    assert unchanged_state() == before


def test_submitting_with_a_stale_version_is_a_conflict(api):
    proposal = _ready()
    _attach(api, proposal)
    client = api(proposal.applicant)
    version = proposal.version
    before = unchanged_state()
    response = client.post(
        f"/proposals/{proposal.id}/actions/submit", json={"version": version + 5}
    )
    assert response.status_code == 409
    assert response.get_json()["current_version"] == version
    assert unchanged_state() == before


@pytest.mark.parametrize("role", ROLES)
def test_only_the_applicant_submits_reopens_and_withdraws(api, role):
    proposal = _ready()
    _attach(api, proposal)
    client = api(_other(role))
    before = unchanged_state()
    for action in ("submit", "reopen", "withdraw"):
        response = client.post(
            f"/proposals/{proposal.id}/actions/{action}", json={"version": proposal.version}
        )
        assert response.status_code == (403 if role == "admin" else 404), action
    assert unchanged_state() == before


def test_requests_without_a_token_are_refused(api):
    proposal = _ready()
    anonymous = api()
    before = unchanged_state()
    assert anonymous.get("/proposals/").status_code == 401
    assert anonymous.get(f"/proposals/{proposal.id}").status_code == 401
    assert anonymous.post("/proposals/", json={"call_id": proposal.call_id}).status_code == 401
    assert (
        anonymous.patch(f"/proposals/{proposal.id}", json={"version": 1, "title": "X"}).status_code
        == 401
    )
    assert anonymous.put(f"/proposals/{proposal.id}/pdf", data=_pdf()).status_code == 401
    assert anonymous.get(f"/proposals/{proposal.id}/pdf").status_code == 401
    assert (
        anonymous.post(f"/proposals/{proposal.id}/actions/submit", json={"version": 1}).status_code
        == 401
    )
    assert unchanged_state() == before


# Reopening and withdrawing


def test_the_applicant_reopens_a_submitted_proposal(api, audit_log):
    proposal = _ready()
    _attach(api, proposal)
    client = api(proposal.applicant)
    submitted = client.post(
        f"/proposals/{proposal.id}/actions/submit", json={"version": proposal.version}
    ).get_json()
    reopened = client.post(
        f"/proposals/{proposal.id}/actions/reopen", json={"version": submitted["version"]}
    )
    assert reopened.status_code == 200
    assert reopened.get_json()["state"] == "draft"
    assert reopened.get_json()["reference"] == submitted["reference"]
    assert [event.subject_id for event in audit_log("proposal.reopened")] == [str(proposal.id)]
    before = unchanged_state()
    again = client.post(
        f"/proposals/{proposal.id}/actions/reopen", json={"version": reopened.get_json()["version"]}
    )
    assert again.status_code == 409
    assert again.get_json()["code"] == "state_conflict"
    assert unchanged_state() == before


def test_the_applicant_withdraws_saying_why(api, audit_log):
    proposal = _ready()
    client = api(proposal.applicant)
    response = client.post(
        f"/proposals/{proposal.id}/actions/withdraw",
        json={"version": proposal.version, "reason": "  Funded elsewhere "},
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["state"] == "withdrawn"
    assert body["withdrawal_reason"] == "Funded elsewhere"
    assert body["withdrawn_at"]
    assert [event.subject_id for event in audit_log("proposal.withdrawn")] == [str(proposal.id)]
    before = unchanged_state()
    again = client.post(
        f"/proposals/{proposal.id}/actions/withdraw", json={"version": body["version"]}
    )
    assert again.status_code == 409
    assert again.get_json()["code"] == "state_conflict"
    too_long = client.post(
        f"/proposals/{proposal.id}/actions/withdraw",
        json={"version": body["version"], "reason": "x" * 2001},
    )
    assert too_long.status_code == 422
    assert "reason" in too_long.get_json()["errors"]
    assert unchanged_state() == before


# Extensions


def test_admins_grant_an_extension_after_the_call_closes(api, admin, audit_log):
    proposal = _ready()
    until = proposal.call.closes_at + timedelta(days=3)
    response = api(admin).post(
        f"/proposals/{proposal.id}/actions/grant-extension",
        json={"version": proposal.version, "until": until.isoformat()},
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["deadline_extension"] == until.isoformat()
    assert body["deadline"] == until.isoformat()
    assert [event.subject_id for event in audit_log("proposal.extension_granted")] == [
        str(proposal.id)
    ]


def test_an_extension_must_end_after_the_close(api, admin):
    proposal = _ready()
    client = api(admin)
    before = unchanged_state()
    response = client.post(
        f"/proposals/{proposal.id}/actions/grant-extension",
        json={"version": proposal.version, "until": proposal.call.closes_at.isoformat()},
    )
    assert response.status_code == 422
    assert "until" in response.get_json()["errors"]
    naive = client.post(
        f"/proposals/{proposal.id}/actions/grant-extension",
        json={"version": proposal.version, "until": "2030-01-01T00:00:00"},
    )
    assert naive.status_code == 422
    assert "until" in naive.get_json()["errors"]
    assert unchanged_state() == before


@pytest.mark.parametrize("role", ["researcher", "reviewer", "member"])
def test_only_admins_grant_extensions(api, role):
    proposal = _ready()
    until = (proposal.call.closes_at + timedelta(days=3)).isoformat()
    body = {"version": proposal.version, "until": until}
    clients = [api(_other(role))] + ([api(proposal.applicant)] if role == "researcher" else [])
    before = unchanged_state()
    for client, status in zip(clients, (404, 403), strict=False):
        response = client.post(f"/proposals/{proposal.id}/actions/grant-extension", json=body)
        assert response.status_code == status
    assert unchanged_state() == before
