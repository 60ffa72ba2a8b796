"""Playwright in Debian's Chromium, for the few things only a browser proves."""

import os

import pytest

CHROMIUM = "/usr/bin/chromium"
# The closed network refuses Chromium's background connections; these flags keep it quiet and quick.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser_page(live_server):
    # Playwright's sync API runs an event loop in the test thread; the ORM calls the live server
    # makes from its own thread are safe, but Django cannot tell.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page()
        page.set_default_timeout(10_000)
        try:
            yield page
        finally:
            browser.close()
