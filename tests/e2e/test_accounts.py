"""A visitor registers, confirms their address from the email, signs out and back in."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.no_isolation]

EMAIL = "rosalind.visitor@example.edu"
NAME = "Rosalind Visitor"
PASSWORD = "a long enough passphrase"


def test_visitor_registers_confirms_and_signs_in_again(page, live_server, browser_log):
    page.goto("/")
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Register"
    ).click()
    expect(page.get_by_role("heading", name="Register as a researcher")).to_be_visible()

    page.get_by_label("Full name").fill(NAME)
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_test_id("check-email")).to_contain_text(EMAIL)

    # Not signed in until the address is confirmed.
    expect(page.get_by_test_id("role-nav")).not_to_contain_text("Home")

    link = live_server.link_in_email(kind="verify_email", to=EMAIL)
    assert re.fullmatch(re.escape(live_server.url) + r"/verify/[\w-]+", link), link
    page.goto(link)

    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_role("alert")).to_contain_text("Your address is confirmed")
    nav = page.get_by_test_id("role-nav")
    expect(nav.get_by_role("link", name="Home")).to_be_visible()
    expect(nav).not_to_contain_text("Administration")
    expect(page.get_by_role("heading", name=f"Welcome, {NAME}")).to_be_visible()
    expect(page.get_by_test_id("role-badge")).to_have_text(["Researcher"])

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("You are signed out.")
    expect(page.get_by_test_id("role-nav")).not_to_contain_text("Home")

    # The link is used up: following it again does not sign anyone in.
    response = page.goto(link)
    assert response is not None and response.status == 400
    expect(page.get_by_test_id("role-nav")).not_to_contain_text("Home")

    page.goto("/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_role("alert")).to_contain_text(f"Welcome, {NAME}.")
    expect(page.get_by_test_id("role-badge")).to_have_text(["Researcher"])
    expect(page.get_by_test_id("role-nav")).not_to_contain_text("Administration")

    browser_log.assert_clean()
