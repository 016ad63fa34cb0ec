"""An administrator grants a role from a user's page and finds it in the audit log."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.no_isolation]

ADMIN_EMAIL = "ada.admin@example.edu"
ADMIN_NAME = "Ada Admin"
TARGET_EMAIL = "rhea.researcher@example.edu"
TARGET_NAME = "Rhea Researcher"


def test_admin_grants_the_reviewer_role(page, live_server, browser_log, sign_in):
    live_server.create_admin(email=ADMIN_EMAIL, name=ADMIN_NAME)
    target_id = live_server.create_researcher(email=TARGET_EMAIL, name=TARGET_NAME)

    sign_in(ADMIN_EMAIL)
    nav = page.get_by_test_id("role-nav")
    menu = nav.get_by_role("button", name="Administration")
    expect(menu).to_be_visible()

    # The dropdown needs Bootstrap's JavaScript: a blocked script would leave it shut.
    menu.click()
    nav.get_by_role("link", name="Users", exact=True).click()
    expect(page.get_by_role("heading", name="Users")).to_be_visible()
    page.get_by_role("link", name=TARGET_NAME).click()
    expect(page).to_have_url(f"{live_server.url}/admin/users/{target_id}")
    expect(page.get_by_role("heading", name=TARGET_NAME)).to_be_visible()

    roles = page.get_by_test_id("user-roles")
    expect(roles).to_contain_text("Researcher")
    expect(roles).not_to_contain_text("Reviewer")
    page.get_by_label("Role", exact=True).select_option(label="Reviewer")
    page.get_by_role("button", name="Grant role").click()

    expect(page.get_by_role("alert")).to_contain_text(f"{TARGET_NAME} is now also a reviewer.")
    expect(roles).to_contain_text("Reviewer")
    expect(roles).to_contain_text("Researcher")

    nav.get_by_role("button", name="Administration").click()
    nav.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    granted = page.get_by_role("row").filter(has_text="user.role_granted")
    expect(granted).to_have_count(1)
    expect(granted).to_contain_text(ADMIN_NAME)
    expect(granted).to_contain_text(f"user {target_id}")
    expect(granted).to_contain_text("reviewer")

    browser_log.assert_clean()
