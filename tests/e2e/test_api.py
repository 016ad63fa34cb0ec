"""A researcher creates an API token on their profile, uses it, reads the API reference, and
revokes it."""

import pytest
from playwright.sync_api import expect

from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.no_isolation]

EMAIL = "tomas.tokens@example.edu"


def test_researcher_creates_uses_and_revokes_a_token(page, live_server, browser_log, sign_in):
    with live_server.app.app_context():
        UserFactory(researcher=True, email=EMAIL, name="Tomas Tokens")
    sign_in(EMAIL)
    page.goto("/account")
    tokens = page.locator("#api-tokens")
    tokens.get_by_label("Token name").fill("Lab script")
    tokens.get_by_role("button", name="Create token").click()

    new_token = page.get_by_test_id("new-token")
    expect(new_token).to_contain_text("shown only this once")
    raw = page.get_by_label("New token").input_value()
    assert raw.startswith("sbd_")
    expect(page.get_by_test_id("token-list")).to_contain_text("Lab script")

    with_token = {"Authorization": f"Bearer {raw}"}
    answer = page.request.get(f"{live_server.url}/api/v1/calls/", headers=with_token)
    assert answer.status == 200
    assert "items" in answer.json()

    page.reload()  # a second look never shows the token again
    expect(page.get_by_test_id("new-token")).to_have_count(0)
    page.get_by_test_id("token-list").get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("alert")).to_contain_text("is revoked")
    answer = page.request.get(f"{live_server.url}/api/v1/calls/", headers=with_token)
    assert answer.status == 401
    browser_log.assert_clean()


def test_the_api_reference_renders_from_local_files(page, live_server, browser_log):
    page.goto("/api/v1/docs")
    expect(page.get_by_role("heading", name="Seedbed API")).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/calls/").first).to_be_visible()
    browser_log.assert_clean()
