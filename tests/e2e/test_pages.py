"""The signed-in home page: a screenshot for people, and only local, CSP-clean resources."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS_DIR

pytestmark = [pytest.mark.e2e, pytest.mark.no_isolation]

EMAIL = "hugo.home@example.edu"
NAME = "Hugo Home"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_home_page_screenshot_loads_only_local_resources(page, live_server, browser_log, sign_in):
    live_server.create_researcher(email=EMAIL, name=NAME)
    sign_in(EMAIL)
    expect(page.get_by_role("heading", name=f"Welcome, {NAME}")).to_be_visible()
    page.wait_for_load_state("networkidle")

    ARTIFACTS_DIR.mkdir(exist_ok=True)
    screenshot = ARTIFACTS_DIR / "home.png"
    screenshot.unlink(missing_ok=True)
    page.screenshot(path=screenshot, full_page=True)
    assert screenshot.exists()
    assert screenshot.read_bytes().startswith(PNG_SIGNATURE)
    assert screenshot.stat().st_size > 10_000, "the screenshot looks blank"

    # The page really has its style and script: Bootstrap's CSS and JS, and the app's own.
    loaded = [url.removeprefix(live_server.url) for url in browser_log.requests]
    assert any(url.endswith(".css") and "bootstrap" in url for url in loaded), loaded
    assert any(url.endswith(".js") and "bootstrap" in url for url in loaded), loaded
    assert any(url.endswith("/js/app.js") for url in loaded), loaded
    assert page.evaluate("typeof window.bootstrap") == "object"

    browser_log.assert_clean()


def test_csp_violations_are_caught(page, live_server, browser_log):
    """The check above can fail: an inline script is refused and reported on the console."""
    page.goto("/login")
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.__inlineRan = true";
            document.body.append(script);
        }"""
    )
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.wait_for_timeout(200)
    assert page.evaluate("window.__inlineRan === undefined")
    assert browser_log.csp_violations(), browser_log.console_errors
