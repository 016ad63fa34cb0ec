"""A researcher opens a call, drafts a proposal over two sittings, submits it and gets the
receipt; after the deadline the page is read only and a forged submission is refused."""

import hashlib
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from app import clock
from app.calls import services as call_services
from app.calls.models import Call
from app.extensions import db
from app.proposals.models import Proposal, ProposalState
from tests.e2e.conftest import ARTIFACTS_DIR

pytestmark = [pytest.mark.e2e, pytest.mark.no_isolation]

EMAIL = "rosalind.researcher@example.edu"
NAME = "Rosalind Researcher"
CALL_TITLE = "E2E Seed grants: AI for the factory floor"
TITLE = "Learning process windows from sensor data"
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture
def uploads(live_server, tmp_path):
    """Keep the live server's uploaded files in the test's own folder."""
    before = live_server.app.config["UPLOAD_DIR"]
    live_server.app.config["UPLOAD_DIR"] = tmp_path / "uploads"
    yield tmp_path / "uploads"
    live_server.app.config["UPLOAD_DIR"] = before


def arrange_open_call(live_server, title: str = CALL_TITLE, prefix: str = "EFF") -> int:
    with live_server.app.app_context():
        now = clock.now()
        call = call_services.create_call(
            actor=None,
            title=title,
            theme="AI for manufacturing",
            description="Seed projects on **AI** in manufacturing.",
            eligibility="",
            reference_prefix=prefix,
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=3),
            review_deadline=None,
            total_budget=Decimal("500000"),
            max_award=Decimal("100000"),
            reviews_per_proposal=2,
            is_blind=False,
        )
        call_services.add_criterion(
            call,
            actor=None,
            name="Merit",
            guidance="",
            weight=Decimal("1"),
            scale_min=1,
            scale_max=5,
        )
        call_services.open_call(call, actor=None)
        db.session.commit()
        return call.id


def move_deadline_into_the_past(live_server, call_id: int) -> None:
    with live_server.app.app_context():
        call = db.session.get(Call, call_id)
        call.closes_at = clock.now() - timedelta(minutes=1)
        db.session.commit()


def proposal_state(live_server, proposal_id: int) -> tuple:
    with live_server.app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        return proposal.state, proposal.version_count, proposal.title


def flashed(page: Page, pattern: str) -> None:
    expect(page.get_by_role("alert").filter(has_text=re.compile(pattern))).to_be_visible()


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS_DIR / name, full_page=True)


def test_researcher_drafts_submits_and_is_refused_after_the_deadline(
    page, live_server, browser_log, sign_in, uploads, tmp_path
):
    live_server.create_researcher(email=EMAIL, name=NAME)
    call_id = arrange_open_call(live_server)
    pdf_file = tmp_path / "Our proposal.pdf"
    pdf_file.write_bytes(PDF)

    # The researcher finds the call and starts a draft.
    sign_in(EMAIL)
    page.get_by_test_id("role-nav").get_by_role("link", name="Calls").click()
    page.get_by_role("link", name=CALL_TITLE).click()
    page.get_by_role("button", name="Start a proposal").click()
    flashed(page, "Your draft is started")
    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_role("button", name="Save draft").click()
    flashed(page, "Your draft is saved")
    proposal_id = int(re.search(r"/proposals/(\d+)/edit", page.url).group(1))

    # Later, back through "My proposals".
    page.goto("/")
    page.get_by_test_id("role-nav").get_by_role("link", name="My proposals").click()
    row = page.get_by_test_id("my-proposal").filter(has_text=TITLE)
    expect(row.get_by_test_id("next-step")).to_contain_text("Finish and submit by")
    row.get_by_role("link", name=TITLE).click()
    page.get_by_role("link", name="Edit draft").first.click()
    expect(page.get_by_label("Title", exact=True)).to_have_value(TITLE)

    page.get_by_label("Abstract").fill("We learn process windows from sensor data.")
    page.get_by_label("Keywords").fill("machine learning, process control")
    page.get_by_label("Department").fill("Mechanical Engineering")
    page.get_by_label("Duration in months").fill("12")
    page.get_by_label("Relevance to industry").fill("Cuts scrap in injection moulding.")

    page.get_by_role("button", name="Add a co-investigator").click()
    expect(page.get_by_label("Abstract")).to_have_value(
        "We learn process windows from sensor data."
    )
    colleague = page.get_by_role("group", name="Co-investigator 1")
    colleague.get_by_label("Name").fill("Ada Lovelace")
    colleague.get_by_label("Email").fill("ada@example.edu")
    colleague.get_by_label("Affiliation").fill("Analytical Engines Lab")

    page.get_by_label("Category of line 1").select_option(label="Personnel")
    page.get_by_label("Description of line 1").fill("Postdoc, half time")
    page.get_by_label("Amount of line 1").fill("40000")
    page.get_by_role("button", name="Add a budget line").click()
    expect(page.get_by_test_id("budget-total")).to_have_text("$40,000")
    page.get_by_label("Category of line 2").select_option(label="Equipment")
    page.get_by_label("Description of line 2").fill("Sensors")
    page.get_by_label("Amount of line 2").fill("12500.50")
    page.get_by_label("Proposal PDF").set_input_files(pdf_file)
    screenshot(page, "proposal-edit.png")

    # Submitting saves what is on the page and shows the receipt.
    page.get_by_role("button", name="Submit proposal").click()
    flashed(page, r"EFF-\d{4}-001 is received as version 1")
    receipt = page.get_by_test_id("receipt")
    reference = page.get_by_test_id("receipt-reference").inner_text()
    assert re.fullmatch(r"EFF-\d{4}-001", reference)
    expect(page.get_by_test_id("receipt-version")).to_have_text("1")
    expect(receipt.get_by_test_id("receipt-pdf")).to_have_text("Our proposal.pdf")
    expect(page.get_by_test_id("receipt-sha256")).to_have_text(hashlib.sha256(PDF).hexdigest())
    expect(page.get_by_test_id("receipt-time")).to_contain_text(re.compile(r"\d\d:\d\d:\d\d UTC"))
    screenshot(page, "proposal-receipt.png")
    [email] = live_server.outbox(kind="proposal_submitted", to=EMAIL)
    assert reference in email and "Our proposal.pdf" in email

    page.get_by_role("link", name="Back to the proposal").click()
    expect(page.get_by_test_id("requested-amount")).to_have_text("$52,500.50")
    expect(page.get_by_test_id("team-member")).to_contain_text("Ada Lovelace")
    screenshot(page, "proposal-detail.png")

    # Reopened, the draft could be submitted again…
    page.get_by_role("button", name="Reopen to make changes").click()
    expect(page.get_by_role("button", name="Submit proposal")).to_be_visible()

    # …but once the deadline passes, the page is read only and the server refuses.
    move_deadline_into_the_past(live_server, call_id)
    page.goto(f"/proposals/{proposal_id}/edit")
    flashed(page, "The deadline passed at")
    expect(page.get_by_role("button", name="Submit proposal")).to_have_count(0)
    expect(page.get_by_role("link", name="Edit draft")).to_have_count(0)
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    forged = page.request.post(f"/proposals/{proposal_id}/submit", form={"csrf_token": token})
    assert "The deadline has passed" in forged.text()
    forged_with_fields = page.request.post(
        f"/proposals/{proposal_id}/submit",
        form={"csrf_token": token, "title": "Sneaked in late", "submit": "y"},
    )
    assert forged_with_fields.status == 403
    assert "The deadline passed at" in forged_with_fields.text()
    assert proposal_state(live_server, proposal_id) == (ProposalState.DRAFT, 1, TITLE)

    browser_log.assert_clean()


def test_a_file_that_is_not_a_pdf_is_refused_beside_the_field(
    page, live_server, browser_log, sign_in, uploads, tmp_path
):
    email = "felix.files@example.edu"
    live_server.create_researcher(email=email, name="Felix Files")
    call_id = arrange_open_call(live_server, "E2E Seed grants: files", "EFILE")
    fake = tmp_path / "notes.pdf"
    fake.write_text("Dear committee, these are plain notes.")

    sign_in(email)
    page.goto(f"/calls/{call_id}")
    page.get_by_role("button", name="Start a proposal").click()
    page.get_by_label("Title", exact=True).fill("Kept title")
    page.get_by_label("Proposal PDF").set_input_files(fake)
    page.get_by_role("button", name="Save draft").click()

    expect(page.locator("#attachment-error")).to_contain_text("This file is not a PDF")
    expect(page.get_by_label("Title", exact=True)).to_have_value("Kept title")
    expect(page.get_by_label("Proposal PDF")).to_be_focused()
    browser_log.assert_clean()
