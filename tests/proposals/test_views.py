"""The researcher's proposal pages: drafts, messages beside fields, submission to the second,
receipts, versions, files, and who may see what."""

import html
import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import clock
from app.extensions import db
from app.proposals import services
from app.proposals.models import (
    Attachment,
    CoInvestigator,
    Proposal,
    ProposalState,
    ProposalVersion,
)
from tests.factories import (
    MINIMAL_PDF,
    CallFactory,
    ProposalFactory,
    TermFactory,
    UserFactory,
)

CLOSES = datetime(2026, 3, 1, 22, 0, 0, tzinfo=UTC)  # 17:00 in New York
OTHER_PDF = b"%PDF-1.7\n% a second, different PDF\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def at(monkeypatch):
    """Return a function that fixes the server's clock at an instant (five days before close)."""

    def _at(instant: datetime) -> None:
        monkeypatch.setattr(clock, "now", lambda: instant)

    _at(CLOSES - timedelta(days=5))
    return _at


def open_call(**values):
    return CallFactory(opens_at=CLOSES - timedelta(days=60), closes_at=CLOSES, **values)


def draft(**values) -> Proposal:
    return ProposalFactory(call=open_call(), **values)


def ready(**values) -> Proposal:
    """Return a draft with everything a submission needs, PDF included."""
    proposal = ProposalFactory(call=open_call(), complete=True, budget=["50000", "25000.50"])
    for name, value in values.items():
        setattr(proposal, name, value)
    services.attach_pdf(
        proposal, actor=proposal.applicant, filename="proposal.pdf", data=MINIMAL_PDF
    )
    db.session.commit()
    return proposal


def submitted(**values) -> Proposal:
    proposal = ready(**values)
    services.submit_proposal(proposal, actor=proposal.applicant)
    db.session.commit()
    return proposal


def page_data(proposal: Proposal, **changes) -> dict:
    """Return what the edit page posts for the proposal as saved, with some fields changed.

    `team` and `lines` are lists of dicts (one per row), like the rows on the page.
    """
    team = changes.pop(
        "team",
        [
            {"name": m.name, "email": m.email, "affiliation": m.affiliation, "role": m.role}
            for m in proposal.co_investigators
        ],
    )
    lines = changes.pop(
        "lines",
        [
            {
                "category": line.category.value,
                "description": line.description,
                "amount": line.amount,
            }
            for line in proposal.budget_lines
        ],
    )
    data = {
        "title": proposal.title,
        "abstract": proposal.abstract,
        "keywords": proposal.keywords,
        "department": proposal.department,
        "duration_months": proposal.duration_months or "",
        "industry_relevance": proposal.industry_relevance,
        "version": proposal.version,
        "save": "y",
    }
    for index, row in enumerate(team):
        data |= {f"co_investigators-{index}-{key}": value for key, value in row.items()}
    for index, row in enumerate(lines):
        data |= {f"budget_lines-{index}-{key}": str(value) for key, value in row.items()}
    return data | changes


def edit_url(proposal) -> str:
    return f"/proposals/{proposal.id}/edit"


def submit_url(proposal) -> str:
    return f"/proposals/{proposal.id}/submit"


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def uploads(app) -> set[str]:
    folder = Path(app.config["UPLOAD_DIR"])
    return {path.name for path in folder.iterdir()} if folder.exists() else set()


def error_beside(page: str, field_id: str) -> str:
    """Return the message shown beside a field (empty when there is none)."""
    match = re.search(rf'id="{re.escape(field_id)}-error">([^<]*)<', page)
    return html.unescape(match.group(1)).strip() if match else ""


# Editing a draft


def test_edit_page_shows_the_saved_draft(at, login):
    proposal = draft(complete=True, budget=["1200"])
    proposal.co_investigators.append(
        CoInvestigator(position=1, name="Ada Lovelace", email="ada@uni.edu", affiliation="Uni")
    )
    db.session.commit()

    html = login(proposal.applicant).get(edit_url(proposal)).get_data(as_text=True)

    assert f'value="{proposal.title}"' in html
    assert 'value="ada@uni.edu"' in html
    assert 'value="1200.00"' in html
    assert 'data-testid="budget-total">$1,200<' in html
    assert "Add a co-investigator" in html and "Add a budget line" in html


def test_an_incomplete_draft_saves(at, login, audit_log):
    proposal = draft()

    response = login(proposal.applicant).post(
        edit_url(proposal), data=page_data(proposal, title="Only a title so far", lines=[])
    )

    assert response.status_code == 302
    assert response.headers["Location"] == edit_url(proposal)
    assert proposal.title == "Only a title so far"
    assert proposal.state == ProposalState.DRAFT
    assert len(audit_log("proposal.saved")) == 1


def test_team_budget_and_sponsors_are_saved_and_empty_rows_ignored(at, login):
    proposal = draft()
    sponsor = TermFactory(
        starts_on=(CLOSES - timedelta(days=100)).date(),
        ends_on=(CLOSES + timedelta(days=200)).date(),
    ).organization
    team = [
        {"name": "Ada Lovelace", "email": "Ada@Uni.edu", "affiliation": "Uni", "role": "Co-PI"},
        {"name": "", "email": "", "affiliation": "", "role": ""},
        {"name": "Alan Turing", "email": "alan@uni.edu", "affiliation": "", "role": ""},
    ]
    lines = [
        {"category": "personnel", "description": "Postdoc", "amount": "60000"},
        {"category": "", "description": "", "amount": ""},
        {"category": "equipment", "description": "Sensors", "amount": "12345.67"},
    ]

    response = login(proposal.applicant).post(
        edit_url(proposal),
        data=page_data(proposal, team=team, lines=lines, sponsor_ids=[str(sponsor.id)]),
    )

    assert response.status_code == 302
    assert [(m.name, m.email) for m in proposal.co_investigators] == [
        ("Ada Lovelace", "ada@uni.edu"),
        ("Alan Turing", "alan@uni.edu"),
    ]
    assert [(line.category.value, line.amount) for line in proposal.budget_lines] == [
        ("personnel", Decimal("60000.00")),
        ("equipment", Decimal("12345.67")),
    ]
    assert proposal.requested_amount == Decimal("72345.67")
    assert [organization.id for organization in proposal.sponsors] == [sponsor.id]


def test_add_a_co_investigator_shows_one_more_row_and_saves_nothing(at, login, audit_log):
    proposal = draft(title="Saved title")
    team = [{"name": "Ada Lovelace", "email": "ada@uni.edu", "affiliation": "", "role": ""}]
    data = page_data(proposal, title="Typed, not saved", team=team)
    del data["save"]

    response = login(proposal.applicant).post(
        edit_url(proposal), data=data | {"add_co_investigator": "y"}
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="Typed, not saved"' in html
    assert 'value="Ada Lovelace"' in html
    assert 'name="co_investigators-1-name"' in html
    assert 'name="co_investigators-2-name"' not in html
    assert proposal.title == "Saved title"
    assert audit_log("proposal.saved") == []


def test_remove_takes_out_that_row_only_and_saves_nothing(at, login):
    proposal = draft()
    team = [
        {"name": name, "email": f"{name.lower()}@uni.edu", "affiliation": "", "role": ""}
        for name in ("Ada", "Alan", "Grace")
    ]
    data = page_data(proposal, team=team)
    del data["save"]

    response = login(proposal.applicant).post(
        edit_url(proposal), data=data | {"co_investigators-1-remove": "y"}
    )

    html = response.get_data(as_text=True)
    assert re.findall(r'name="co_investigators-(\d)-name"[^>]*value="(\w+)"', html) == [
        ("0", "Ada"),
        ("1", "Grace"),
    ]
    assert proposal.co_investigators == []


def test_budget_rows_grow_and_shrink_and_the_total_follows(at, login):
    proposal = draft()
    lines = [
        {"category": "personnel", "description": "Postdoc", "amount": "1000"},
        {"category": "travel", "description": "Conference", "amount": "250.50"},
    ]
    client = login(proposal.applicant)
    data = page_data(proposal, lines=lines)
    del data["save"]

    added = client.post(edit_url(proposal), data=data | {"add_budget_line": "y"})
    removed = client.post(edit_url(proposal), data=data | {"budget_lines-0-remove": "y"})

    added_html, removed_html = added.get_data(as_text=True), removed.get_data(as_text=True)
    assert 'name="budget_lines-2-amount"' in added_html
    assert 'data-testid="budget-total">$1,250.50<' in added_html
    assert 'name="budget_lines-1-amount"' not in removed_html
    assert 'data-testid="budget-total">$250.50<' in removed_html
    assert proposal.budget_lines == []


def twenty_people() -> list[dict]:
    return [
        {"name": f"Person {n}", "email": f"person{n}@uni.edu", "affiliation": "", "role": ""}
        for n in range(20)
    ]


@pytest.mark.parametrize(
    ("changes", "field_id", "message"),
    [
        (
            {"lines": [{"category": "travel", "description": "Trip", "amount": "-500"}]},
            "budget_lines-0-amount",
            "Each budget line needs an amount above zero.",
        ),
        (
            {"lines": [{"category": "travel", "description": "Trip", "amount": "lots"}]},
            "budget_lines-0-amount",
            "Not a valid decimal value.",
        ),
        (
            {"lines": [{"category": "", "description": "Trip", "amount": "500"}]},
            "budget_lines-0-category",
            "Choose a category.",
        ),
        (
            {"team": [{"name": "Ada", "email": "ada-at-uni", "affiliation": "", "role": ""}]},
            "co_investigators-0-email",
            "Enter an email address like name@university.edu.",
        ),
        (
            {"team": [{"name": "", "email": "ada@uni.edu", "affiliation": "", "role": ""}]},
            "co_investigators-0-name",
            "Give the co-investigator's name.",
        ),
        (
            {"team": twenty_people()},
            "co_investigators",
            "A proposal lists at most 10 co-investigators.",
        ),
        (
            {
                "team": [
                    {"name": "Ada", "email": "ada@uni.edu", "affiliation": "", "role": ""},
                    {"name": "Ada L.", "email": "ADA@uni.edu", "affiliation": "", "role": ""},
                ]
            },
            "co_investigators",
            "Each co-investigator is listed once.",
        ),
        ({"duration_months": "99"}, "duration_months", "The duration is between 1 and 60 months."),
        ({"title": "x" * 301}, "title", "Field cannot be longer than 300 characters."),
    ],
    ids=[
        "negative-amount",
        "amount-not-a-number",
        "line-without-category",
        "malformed-email",
        "co-investigator-without-name",
        "twenty-co-investigators",
        "same-person-twice",
        "duration-too-long",
        "title-too-long",
    ],
)
def test_bad_input_is_shown_beside_its_field_kept_and_nothing_written(
    at, login, audit_log, changes, field_id, message
):
    proposal = draft(title="Saved title")
    data = page_data(proposal, abstract="Typed abstract, kept on the page", **changes)

    response = login(proposal.applicant).post(edit_url(proposal), data=data)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert error_beside(html, field_id) == message
    assert "Typed abstract, kept on the page" in html
    assert proposal.title == "Saved title"
    assert proposal.abstract == ""
    assert (count(CoInvestigator), proposal.budget_lines) == (0, [])
    assert audit_log("proposal.saved") == []


def test_an_unknown_sponsor_is_refused_beside_the_field(at, login):
    proposal = draft()

    response = login(proposal.applicant).post(
        edit_url(proposal), data=page_data(proposal, title="Typed", sponsor_ids=["987654"])
    )

    html = response.get_data(as_text=True)
    assert error_beside(html, "sponsor_ids")
    assert proposal.title == ""


def test_a_pdf_is_uploaded_with_the_draft(at, login, audit_log):
    proposal = draft()

    response = login(proposal.applicant).post(
        edit_url(proposal),
        data=page_data(proposal, title="With a file")
        | {"attachment": (io.BytesIO(MINIMAL_PDF), "Our proposal.pdf")},
    )

    assert response.status_code == 302
    attachment = proposal.current_attachment
    assert (attachment.original_name, attachment.size) == ("Our proposal.pdf", len(MINIMAL_PDF))
    assert proposal.title == "With a file"
    assert audit_log("proposal.attachment_uploaded")[0].detail["name"] == "Our proposal.pdf"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"Dear committee, this is plain text.", "This file is not a PDF"),
        (b"%PDF-1.4\n" + b"x" * 2_000_000, "The file is 1.9 MB; the limit is 1 MB."),
    ],
    ids=["text-file-named-pdf", "over-the-limit"],
)
def test_a_bad_file_is_refused_beside_the_field_and_nothing_is_written(
    app, at, login, data, message
):
    proposal = draft(title="Saved title")
    files_before = uploads(app)
    app.config["ATTACHMENT_MAX_BYTES"] = 1_048_576
    try:
        response = login(proposal.applicant).post(
            edit_url(proposal),
            data=page_data(proposal, title="Typed title")
            | {"attachment": (io.BytesIO(data), "proposal.pdf")},
        )
    finally:
        app.config["ATTACHMENT_MAX_BYTES"] = 10 * 1_048_576

    html = response.get_data(as_text=True)
    assert error_beside(html, "attachment").startswith(message)
    assert 'value="Typed title"' in html
    assert proposal.title == "Saved title"
    assert count(Attachment) == 0
    assert uploads(app) == files_before


def test_a_second_window_is_told_and_nothing_is_overwritten(at, login):
    proposal = draft()
    client = login(proposal.applicant)
    opened = page_data(proposal)
    client.post(edit_url(proposal), data=opened | {"title": "Saved in the first window"})

    response = client.post(edit_url(proposal), data=opened | {"title": "From the second window"})

    html = response.get_data(as_text=True)
    assert "saved in another window" in html
    assert 'value="From the second window"' in html
    assert proposal.title == "Saved in the first window"


# Submitting, at the deadline


@pytest.mark.parametrize(("offset", "accepted"), [(-1, True), (0, True), (1, False)])
def test_submit_through_the_page_around_the_deadline(at, login, outbox, offset, accepted):
    proposal = ready()
    saved_title = proposal.title
    client = login(proposal.applicant)
    data = page_data(proposal, title="Typed at the last second")
    at(CLOSES + timedelta(seconds=offset))

    response = client.post(submit_url(proposal), data=data)

    if accepted:
        assert response.status_code == 302
        assert response.headers["Location"] == f"/proposals/{proposal.id}/receipt/1"
        assert (proposal.state, proposal.title) == (
            ProposalState.SUBMITTED,
            "Typed at the last second",
        )
        assert len(outbox("proposal_submitted")) == 1
    else:
        html = response.get_data(as_text=True)
        assert response.status_code == 403
        assert "The deadline passed at 01 Mar 2026 17:00:00 EST" in html
        assert 'value="Typed at the last second"' in html
        assert "Submit proposal</button>" not in html
        assert (proposal.state, proposal.title, proposal.version_count) == (
            ProposalState.DRAFT,
            saved_title,
            0,
        )
        assert outbox("proposal_submitted") == []


def test_forged_submit_after_the_deadline_is_refused_and_nothing_changes(
    at, login, outbox, audit_log
):
    proposal = ready()
    at(CLOSES + timedelta(seconds=1))

    response = login(proposal.applicant).post(submit_url(proposal), follow_redirects=True)

    assert "The deadline has passed" in response.get_data(as_text=True)
    assert (proposal.state, proposal.reference, proposal.version_count) == (
        ProposalState.DRAFT,
        None,
        0,
    )
    assert count(ProposalVersion) == 0
    assert (outbox("proposal_submitted"), audit_log("proposal.submitted")) == ([], [])


def test_after_the_deadline_the_page_is_read_only_and_an_edit_is_refused(at, login):
    proposal = draft(title="As it was")
    client = login(proposal.applicant)
    data = page_data(proposal, title="Too late")
    at(CLOSES + timedelta(seconds=1))

    page = client.get(edit_url(proposal), follow_redirects=True).get_data(as_text=True)
    response = client.post(edit_url(proposal), data=data)

    assert "the proposal can no longer be changed or submitted" in page
    assert "Edit draft" not in page and "Submit proposal" not in page
    assert response.status_code == 403
    assert 'value="Too late"' in response.get_data(as_text=True)
    assert proposal.title == "As it was"


def test_submitting_an_incomplete_draft_saves_it_and_shows_each_problem_beside_its_field(
    at, login, outbox
):
    proposal = draft()

    response = login(proposal.applicant).post(
        submit_url(proposal), data=page_data(proposal, title="A title at least")
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert error_beside(html, "abstract") == "Write an abstract."
    assert error_beside(html, "budget_lines") == "Add at least one budget line."
    assert error_beside(html, "attachment").startswith("Attach the proposal as a PDF.")
    assert error_beside(html, "title") == ""
    assert '<a href="#abstract">Write an abstract.</a>' in html
    assert f'name="version" type="hidden" value="{proposal.version}"' in html
    assert (proposal.title, proposal.state) == ("A title at least", ProposalState.DRAFT)
    assert outbox("proposal_submitted") == []


def test_the_detail_page_submit_button_lists_problems_on_the_edit_page(at, login):
    proposal = draft(complete=True)

    response = login(proposal.applicant).post(submit_url(proposal))

    html = response.get_data(as_text=True)
    assert error_beside(html, "budget_lines") == "Add at least one budget line."
    assert f'value="{proposal.title}"' in html
    assert proposal.state == ProposalState.DRAFT


def test_submission_shows_a_receipt_and_writes_the_receipt_email(at, login, outbox):
    proposal = ready()
    client = login(proposal.applicant)
    at(CLOSES - timedelta(days=5, seconds=-7))

    response = client.post(submit_url(proposal), follow_redirects=True)

    html = response.get_data(as_text=True)
    sha256 = proposal.current_attachment.sha256
    assert 'data-testid="receipt-reference">AIM-2025-001<' in html
    assert 'data-testid="receipt-version">1<' in html
    assert "24 Feb 2026 17:00:07 EST (America/New_York)" in html
    assert 'data-testid="receipt-pdf">proposal.pdf<' in html
    assert f'data-testid="receipt-sha256">{sha256}<' in html
    [email] = outbox("proposal_submitted", to=proposal.applicant.email)
    assert "AIM-2025-001" in email.subject
    assert "24 Feb 2026 17:00:07 EST" in email.body_text


def test_reopened_and_resubmitted_proposal_keeps_version_one_unchanged(app, at, login):
    proposal = ready(title="The first title")
    client = login(proposal.applicant)
    client.post(submit_url(proposal))

    reopened = client.post(f"/proposals/{proposal.id}/reopen")
    client.post(
        submit_url(proposal),
        data=page_data(proposal, title="The second title")
        | {"attachment": (io.BytesIO(OTHER_PDF), "revised.pdf")},
    )

    assert reopened.headers["Location"] == edit_url(proposal)
    assert (proposal.state, proposal.version_count) == (ProposalState.SUBMITTED, 2)
    first = client.get(f"/proposals/{proposal.id}/versions/1").get_data(as_text=True)
    second = client.get(f"/proposals/{proposal.id}/versions/2").get_data(as_text=True)
    assert "The first title" in first and "The second title" not in first
    assert "The second title" in second
    assert client.get(f"/proposals/{proposal.id}/versions/1/attachment").data == MINIMAL_PDF
    assert client.get(f"/proposals/{proposal.id}/versions/2/attachment").data == OTHER_PDF
    assert client.get(f"/proposals/{proposal.id}/attachment").data == OTHER_PDF
    assert client.get(f"/proposals/{proposal.id}/versions/3").status_code == 404


def test_reopen_after_the_deadline_is_refused_with_a_message(at, login):
    proposal = submitted()
    at(CLOSES + timedelta(seconds=1))

    response = login(proposal.applicant).post(
        f"/proposals/{proposal.id}/reopen", follow_redirects=True
    )

    assert "the submitted version is final" in response.get_data(as_text=True)
    assert proposal.state == ProposalState.SUBMITTED


def test_withdrawal_with_a_reason(at, login, outbox, audit_log):
    proposal = submitted()

    response = login(proposal.applicant).post(
        f"/proposals/{proposal.id}/withdraw", data={"reason": "Funded elsewhere"}
    )

    assert response.headers["Location"] == f"/proposals/{proposal.id}"
    assert (proposal.state, proposal.withdrawal_reason) == (
        ProposalState.WITHDRAWN,
        "Funded elsewhere",
    )
    assert len(outbox("proposal_withdrawn")) == 1
    assert audit_log("proposal.withdrawn")[0].detail["reason"] == "Funded elsewhere"


def test_withdraw_asks_for_confirmation_first(at, login):
    proposal = draft()

    html = login(proposal.applicant).get(f"/proposals/{proposal.id}").get_data(as_text=True)

    assert 'data-confirm="Withdraw this proposal?' in html


# Reading: the detail page, versions, files


def test_detail_page_shows_everything_and_what_to_do_next(at, login):
    proposal = ready(keywords="robotics, vision")
    proposal.co_investigators.append(
        CoInvestigator(position=1, name="Grace Hopper", email="grace@navy.mil", role="Advisor")
    )
    db.session.commit()

    html = login(proposal.applicant).get(f"/proposals/{proposal.id}").get_data(as_text=True)

    assert proposal.title in html and proposal.abstract in html
    assert "Grace Hopper" in html and "robotics" in html
    assert 'data-testid="requested-amount">$75,000.50<' in html
    assert "Finish and submit by 01 Mar 2026 17:00 EST" in html
    assert 'data-testid="time-left">5 days<' in html
    assert f"/proposals/{proposal.id}/attachment" in html
    assert proposal.current_attachment.sha256 in html
    assert "Not submitted yet." in html
    assert f'href="/calls/{proposal.call_id}"' in html
    assert f'action="/proposals/{proposal.id}/submit"' in html


def test_detail_page_after_submission_shows_the_receipt_panel_and_versions(at, login):
    proposal = submitted()

    html = login(proposal.applicant).get(f"/proposals/{proposal.id}").get_data(as_text=True)

    assert 'data-testid="reference">AIM-2025-001<' in html
    assert "Submitted — you may reopen it to make changes until 01 Mar 2026 17:00 EST" in html
    assert 'data-testid="receipt-panel"' in html
    assert f'href="/proposals/{proposal.id}/versions/1"' in html
    assert "Reopen to make changes" in html
    assert "Edit draft" not in html


def test_download_streams_the_exact_bytes_as_an_attachment(at, login):
    proposal = ready()

    response = login(proposal.applicant).get(f"/proposals/{proposal.id}/attachment")

    assert response.status_code == 200
    assert response.data == MINIMAL_PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == "attachment; filename=proposal.pdf"
    assert "no-store" in response.headers["Cache-Control"]


def test_download_without_a_pdf_is_not_found(at, login):
    proposal = draft()

    assert login(proposal.applicant).get(f"/proposals/{proposal.id}/attachment").status_code == 404


def test_another_researcher_gets_not_found_everywhere(at, login):
    proposal = submitted()
    stranger = login(UserFactory(researcher=True))
    base = f"/proposals/{proposal.id}"

    answers = {
        path: stranger.get(path).status_code
        for path in (
            base,
            f"{base}/edit",
            f"{base}/versions/1",
            f"{base}/versions/1/attachment",
            f"{base}/receipt/1",
            f"{base}/attachment",
        )
    }
    answers[f"POST {base}/withdraw"] = stranger.post(f"{base}/withdraw").status_code

    assert set(answers.values()) == {404}
    assert proposal.state == ProposalState.SUBMITTED


def test_a_co_investigator_with_an_account_reads_but_cannot_change(at, login):
    colleague = UserFactory(researcher=True, email="colleague@uni.edu")
    proposal = ready()
    saved_title = proposal.title
    proposal.co_investigators.append(
        CoInvestigator(position=1, name=colleague.name, email="colleague@uni.edu")
    )
    db.session.commit()
    client = login(colleague)
    base = f"/proposals/{proposal.id}"

    html = client.get(base).get_data(as_text=True)
    edit_page = client.get(f"{base}/edit")
    edit_post = client.post(f"{base}/edit", data=page_data(proposal, title="Hijacked"))
    submit_post = client.post(f"{base}/submit")
    download = client.get(f"{base}/attachment")

    assert 'data-testid="read-only-note"' in html
    for control in ("Edit draft", "Submit proposal", "Withdraw", "Reopen", "Grant extension"):
        assert control not in html
    assert (edit_page.status_code, edit_post.status_code, submit_post.status_code) == (
        403,
        403,
        403,
    )
    assert download.data == MINIMAL_PDF
    assert (proposal.title, proposal.state) == (saved_title, ProposalState.DRAFT)


def test_administrator_grants_an_extension_in_their_own_zone(at, login, audit_log, outbox):
    admin = UserFactory(admin=True, timezone="Europe/Paris")
    proposal = draft()

    page = login(admin).get(f"/proposals/{proposal.id}").get_data(as_text=True)
    response = login(admin).post(
        f"/proposals/{proposal.id}/extension", data={"until": "2026-03-04T18:30"}
    )

    assert "Grant extension" in page
    assert response.headers["Location"] == f"/proposals/{proposal.id}"
    assert proposal.deadline_extension == datetime(2026, 3, 4, 17, 30, tzinfo=UTC)
    assert audit_log("proposal.extension_granted")[0].detail == {
        "until": "2026-03-04T17:30:00+00:00"
    }
    assert len(outbox("proposal_extension")) == 1


@pytest.mark.parametrize(
    ("until", "message"),
    [
        ("2026-02-01T09:00", "The extension must end in the future."),
        ("2026-02-28T09:00", "The extension must end after the call closes."),
        ("", "Give the date and time the extension ends."),
        ("2026-03-08T02:30", "This time does not exist in America/New_York"),
    ],
)
def test_a_bad_extension_is_refused_beside_the_field(at, login, until, message):
    admin = UserFactory(admin=True)
    proposal = draft()

    response = login(admin).post(f"/proposals/{proposal.id}/extension", data={"until": until})

    assert error_beside(response.get_data(as_text=True), "until").startswith(message)
    assert proposal.deadline_extension is None


def test_the_applicant_cannot_grant_themselves_an_extension(at, login):
    proposal = draft()

    response = login(proposal.applicant).post(
        f"/proposals/{proposal.id}/extension", data={"until": "2026-03-04T18:30"}
    )

    assert response.status_code == 403
    assert proposal.deadline_extension is None


def test_an_extension_reopens_the_page_after_the_deadline(at, login):
    proposal = ready()
    services.grant_extension(
        proposal, actor=UserFactory(admin=True), until=CLOSES + timedelta(days=1)
    )
    db.session.commit()
    at(CLOSES + timedelta(hours=1))

    response = login(proposal.applicant).post(submit_url(proposal))

    assert response.status_code == 302
    assert proposal.state == ProposalState.SUBMITTED


# My proposals


def test_my_proposals_lists_own_and_co_investigated_proposals_with_next_steps(at, login):
    me = UserFactory(researcher=True, email="me@uni.edu")
    mine_draft = ProposalFactory(call=open_call(), applicant=me, title="My draft")
    mine_sent = submitted(applicant=me, title="My submission")
    theirs = ProposalFactory(call=open_call(), title="Their draft")
    theirs.co_investigators.append(CoInvestigator(position=1, name="Me", email="me@uni.edu"))
    ProposalFactory(call=open_call(), title="Not mine at all")
    db.session.commit()

    html = login(me).get("/proposals/mine").get_data(as_text=True)

    assert "Not mine at all" not in html
    rows = re.findall(r'<tr data-testid="my-proposal">(.*?)</tr>', html, re.S)
    assert len(rows) == 3
    by_title = {
        title: row
        for row in rows
        for title in (mine_draft.title, "My submission", "Their draft")
        if title in row
    }
    assert "Finish and submit by 01 Mar 2026 17:00 EST" in by_title["My draft"]
    assert "Submitted — you may reopen it" in by_title["My submission"]
    assert "AIM-2025-001" in by_title["My submission"]
    assert 'data-testid="co-investigator-mark"' in by_title["Their draft"]
    assert theirs.applicant.name in by_title["Their draft"]
    assert 'data-testid="co-investigator-mark"' not in by_title["My draft"]
    assert mine_sent.state == ProposalState.SUBMITTED


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (ProposalState.UNDER_REVIEW, "Under review"),
        (ProposalState.WITHDRAWN, "Withdrawn"),
    ],
)
def test_my_proposals_says_what_comes_next_in_later_states(at, login, state, expected):
    proposal = submitted()
    if state == ProposalState.WITHDRAWN:
        services.withdraw_proposal(proposal, actor=proposal.applicant)
    else:
        services._transition(proposal, state, actor=None)
    db.session.commit()

    html = login(proposal.applicant).get("/proposals/mine").get_data(as_text=True)

    assert f'data-testid="next-step">{expected}' in html


def test_my_proposals_costs_the_same_for_1_and_50_proposals(at, login, count_queries):
    few, many = UserFactory(researcher=True), UserFactory(researcher=True)
    call = open_call()
    ProposalFactory(call=call, applicant=few)
    for n in range(50):
        if n % 2:
            ProposalFactory(call=open_call() if n % 5 == 0 else call, applicant=many)
        else:
            other = ProposalFactory(call=call)
            other.co_investigators.append(CoInvestigator(position=1, name="Many", email=many.email))
    db.session.commit()
    few_client, many_client = login(few), login(many)
    few_client.get("/proposals/mine")
    many_client.get("/proposals/mine")

    with count_queries() as one:
        few_page = few_client.get("/proposals/mine")
    with count_queries() as fifty:
        many_page = many_client.get("/proposals/mine")

    assert few_page.get_data(as_text=True).count('data-testid="my-proposal"') == 1
    assert many_page.get_data(as_text=True).count('data-testid="my-proposal"') == 50
    assert one.count == fifty.count


def test_the_proposal_page_costs_the_same_for_a_small_and_a_large_team_and_budget(
    at, login, count_queries
):
    small = ready()
    small.co_investigators.append(CoInvestigator(position=1, name="One", email="one@uni.edu"))
    large = ready()
    for n in range(10):
        large.co_investigators.append(
            CoInvestigator(position=n, name=f"Person {n}", email=f"p{n}@uni.edu")
        )
    services.save_draft(
        large,
        services.DraftValues(
            title=large.title,
            co_investigators=[services.TeamMember(m.name, m.email) for m in large.co_investigators],
            budget_lines=[services.Line("travel", f"Trip {n}", Decimal("100")) for n in range(20)],
        ),
        actor=large.applicant,
    )
    db.session.commit()
    clients = {proposal.id: login(proposal.applicant) for proposal in (small, large)}
    for proposal_id, client in clients.items():
        client.get(f"/proposals/{proposal_id}")

    costs = {}
    for proposal_id, client in clients.items():
        with count_queries() as counter:
            assert client.get(f"/proposals/{proposal_id}").status_code == 200
        costs[proposal_id] = counter.count

    assert costs[small.id] == costs[large.id]


# Navigation


def test_researchers_find_my_proposals_in_the_menu_and_on_the_home_page(at, login):
    html = login(UserFactory(researcher=True)).get("/").get_data(as_text=True)

    nav = html.split('data-testid="role-nav"')[1].split("</ul>")[0]
    assert 'href="/proposals/mine">My proposals<' in nav
    assert 'id="proposals-card"' in html


def test_starting_a_proposal_opens_its_edit_page(at, login):
    call = open_call()
    researcher = UserFactory(researcher=True)

    response = login(researcher).post(f"/proposals/new/{call.id}")

    proposal = db.session.scalar(sa.select(Proposal).where(Proposal.call_id == call.id))
    assert response.headers["Location"] == edit_url(proposal)
