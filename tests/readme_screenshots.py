"""Regenerate the README's screenshots (desktop and phone) from the demo data: ``make screenshots``.

Builds a throwaway SQLite database with the seed corpus and the demo review (with carol's sample annotations),
serves it with ``runserver`` on a free local port, and photographs the pages a reviewer and an owner meet first
with Debian's Chromium into static/readme/. Nothing of the developer's own database is touched.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.request import urlopen

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "static" / "readme"
SEED = ROOT / "fixtures" / "000_17fd64235e3a3294.txt"
PASSWORD = "marginalia-demo"  # noqa: S105 - the demo accounts' published password
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
REVIEW = "/reviews/llm-efficiency/"
FIRST_PAPER = "the review's first paper"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urlopen(url, timeout=2):  # noqa: S310 - our own local server
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/")


def photograph(browser, base: str, username: str, viewport: dict, shots: list[tuple[str, str]]) -> None:
    context = browser.new_context(viewport=viewport, device_scale_factor=1)
    page = context.new_page()
    log_in(page, base, username)
    for name, path in shots:
        if path == FIRST_PAPER:
            # The newest paper: the one carol and alice disagree on, with a comment.
            page.goto(f"{base}{REVIEW}")
            path = page.locator(".paper-list a[href*='/papers/']").first.get_attribute("href")
        page.goto(f"{base}{path}")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=OUT / f"{name}.png")
        print(f"  static/readme/{name}.png  ({username}, {viewport['width']}×{viewport['height']}, {path})")
    context.close()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{scratch}/screenshots.sqlite3", "DJANGO_DEBUG": "true"}
        manage(env, "migrate", "--no-input")
        manage(env, "import_papers", str(SEED))
        manage(env, "load_demo", "--sample-annotations")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(f"{base}/accounts/login/")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                photograph(browser, base, "bob", DESKTOP, [("home", "/"), ("review-list", REVIEW)])
                photograph(browser, base, "carol", DESKTOP, [("paper", FIRST_PAPER)])
                photograph(browser, base, "alice", DESKTOP, [("settings", f"{REVIEW}settings/")])
                photograph(browser, base, "bob", PHONE, [("phone-review-list", REVIEW)])
                photograph(browser, base, "carol", PHONE, [("phone-paper", FIRST_PAPER)])
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
