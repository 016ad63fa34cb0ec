"""An administrator signs up a member and bills it; its representative uses the portal; the
dashboard shows the dues."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from app import clock
from app.extensions import db
from app.members import services
from app.members.dashboard import year_figures
from app.members.queries import fiscal_year
from app.templating import money
from tests.e2e.conftest import ARTIFACTS_DIR

pytestmark = [pytest.mark.e2e, pytest.mark.no_isolation]

ADMIN_EMAIL = "mona.membership@example.edu"
ADMIN_NAME = "Mona Membership"
MEMBER = "Helios Robotics"
REP_EMAIL = "rhea.rep@helios.example"
REP_NAME = "Rhea Representative"
REP_PASSWORD = "a representative's passphrase"


def arrange_tier(live_server) -> None:
    with live_server.app.app_context():
        services.create_tier(
            actor=None,
            name="E2E Sustaining",
            annual_fee=Decimal("100000"),
            representatives_allowed=2,
            votes=2,
            benefits="",
        )
        db.session.commit()


def office_today(live_server):
    with live_server.app.app_context():
        return clock.today()


def flashed(page: Page, pattern: str) -> re.Match:
    alert = page.get_by_role("alert").filter(has_text=re.compile(pattern))
    expect(alert).to_be_visible()
    return re.search(pattern, alert.inner_text())


def issue_invoice(page: Page, amount: str, issued_on, due_on) -> str:
    page.get_by_role("link", name="Issue invoice").first.click()
    page.get_by_label("Amount").fill(amount)
    page.get_by_label("Issued on").fill(issued_on.isoformat())
    page.get_by_label("Due on").fill(due_on.isoformat())
    page.get_by_role("button", name="Issue invoice").click()
    return flashed(page, r"Invoice (\d{4}-\d{4,}) is issued\.").group(1)


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS_DIR / name, full_page=True)


def test_member_signed_up_billed_and_served(page, live_server, browser_log, sign_in):
    live_server.create_admin(email=ADMIN_EMAIL, name=ADMIN_NAME)
    arrange_tier(live_server)
    today = office_today(live_server)

    # The administrator adds the member, its term and its invoices.
    sign_in(ADMIN_EMAIL)
    page.goto("/admin/members/")
    page.get_by_role("link", name="Add a member").click()
    page.get_by_label("Name").fill(MEMBER)
    page.get_by_label("Tier").select_option(label="E2E Sustaining")
    page.get_by_label("Sector").fill("Robotics")
    page.get_by_label("Country").fill("Canada")
    page.get_by_role("button", name="Save member").click()
    expect(page.get_by_role("heading", name=MEMBER)).to_be_visible()

    page.get_by_role("link", name="Add a term").click()
    page.get_by_label("Starts on").fill((today - timedelta(days=90)).isoformat())
    page.get_by_label("Ends on").fill((today + timedelta(days=274)).isoformat())
    page.get_by_label("Seed-fund commitment").fill("75000")
    page.get_by_role("button", name="Save term").click()
    flashed(page, r"Term .* is added\.")

    overdue = issue_invoice(page, "40000", today - timedelta(days=60), today - timedelta(days=33))
    paid = issue_invoice(page, "25000", today - timedelta(days=10), today + timedelta(days=20))
    row = page.get_by_role("row").filter(has_text=paid)
    row.get_by_text("Record…").click()
    row.get_by_role("button", name="Mark paid").click()
    flashed(page, rf"Invoice {paid} is marked paid\.")

    # … and a contact, invited as the member's representative.
    page.get_by_role("link", name="Add a contact").click()
    page.get_by_label("Name").fill(REP_NAME)
    page.get_by_label("Email").fill(REP_EMAIL)
    page.get_by_label("Role").select_option(label="Primary")
    page.get_by_role("button", name="Save contact").click()
    page.get_by_role("row").filter(has_text=REP_NAME).get_by_role(
        "button", name="Invite as representative"
    ).click()
    flashed(page, "is invited as a representative of")
    sign_out(page)

    # The representative sets up the account from the email and opens the portal.
    page.goto(live_server.link_in_email(kind="invitation", to=REP_EMAIL))
    page.get_by_label("Password", exact=True).fill(REP_PASSWORD)
    page.get_by_label("Repeat password").fill(REP_PASSWORD)
    page.get_by_role("button", name="Set up my account").click()
    flashed(page, "Your account is ready")
    page.get_by_test_id("role-nav").get_by_role("link", name="Our membership").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(MEMBER)
    expect(page.get_by_test_id("membership-status")).to_have_text("Active")
    invoices = page.get_by_test_id("invoices")
    expect(invoices.get_by_role("row").filter(has_text=overdue)).to_contain_text(
        "Overdue by 33 days"
    )
    expect(invoices.get_by_role("row").filter(has_text=paid)).to_contain_text("Paid")
    expect(page.get_by_test_id("commitments")).to_contain_text("$75,000")
    expect(page.get_by_test_id("contacts")).to_contain_text(REP_EMAIL)
    screenshot(page, "portal.png")

    page.get_by_role("link", name="Edit my contact details").click()
    page.get_by_label("Phone").fill("+1 416 555 0199")
    page.get_by_role("button", name="Save my details").click()
    flashed(page, "Your contact details are saved")
    expect(page.get_by_test_id("my-details")).to_contain_text("+1 416 555 0199")

    page.get_by_role("link", name="Member directory").first.click()
    expect(page.get_by_test_id("directory")).to_contain_text(MEMBER)
    expect(page.get_by_test_id("directory")).not_to_contain_text("$")
    sign_out(page)

    # The administrator finds the dues on the dashboard.
    sign_in(ADMIN_EMAIL)
    page.goto("/admin/members/dashboard")
    expect(page.get_by_role("heading", name="Membership dashboard")).to_be_visible()
    late = page.get_by_test_id("overdue-invoices").get_by_role("row").filter(has_text=overdue)
    expect(late).to_contain_text(MEMBER)
    expect(late).to_contain_text("$40,000")
    expect(late.get_by_role("cell").last).to_have_text("33")
    with live_server.app.app_context():
        figures = year_figures(
            fiscal_year(today, live_server.app.config["FISCAL_YEAR_START_MONTH"])
        )
        billed, collected = money(figures.billed), money(figures.collected)
    expect(page.get_by_test_id("figure-billed")).to_contain_text(billed)
    expect(page.get_by_test_id("figure-collected")).to_contain_text(collected)
    assert figures.billed >= Decimal("65000") and figures.collected >= Decimal("25000")
    expect(page.locator("svg.bar-chart").first).to_be_visible()
    screenshot(page, "dashboard.png")

    page.get_by_role("link", name=re.compile(r"^Seed fund FY\d{4}$")).click()
    expect(
        page.get_by_test_id("commitments").get_by_role("row").filter(has_text=MEMBER)
    ).to_contain_text("$75,000")
    screenshot(page, "seed_fund.png")

    browser_log.assert_clean()
