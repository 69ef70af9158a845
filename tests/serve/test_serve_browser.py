"""The desk in a real headless Chromium through ``regdesk serve``: a whole walk-in, two browsers
at once, a killed browser.

Debian's Chromium (``apt install chromium``; .ci/run installs it) driven by Playwright with
``executable_path``: no browser is downloaded. The screen is read from xterm.js's buffer. These
tests are slow (a desk process per tab); they are marked ``browser`` and skip with the reason
when Chromium or Playwright is missing. Screenshots of the sign-in and the form are kept in
``test-artefacts/serve/`` (ignored by git).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from serve_support import Desk, Served, chromium, skip_reason, wait_until

from regdesk import demo
from regdesk.core.ids import KAZAKH_DIGIT_ROW
from regdesk.i18n import t

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(skip_reason() is not None, reason=skip_reason() or ""),
]

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts" / "serve"
VIEWPORT = {"width": 1024, "height": 640}
TO_KAZAKH = dict(zip("1234567890", '"әіңғ,.үұқ', strict=True))
"""The keys 1-0 on the Windows Kazakh layout, without Shift."""


def en(key: str, **params: object) -> str:
    return t(key, "en", **params)


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Any) -> Iterator[Any]:
    launched = playwright.chromium.launch(executable_path=chromium())
    try:
        yield launched
    finally:
        launched.close()


def sign_in(desk: Desk, iin: str, password: str) -> str:
    desk.wait_for(en("signin.title"))
    desk.type(iin)
    desk.press("Enter")
    desk.type(password)
    desk.press("Enter")
    return desk.wait_for(en("menu.title"))


def staff(ws: demo.DemoWorkspace, role: str) -> tuple[str, str, str]:
    """(IIN, password, full name) of the demo employee with ``role``."""
    return next((iin, pw, name) for r, iin, pw, name in ws.staff if r == role)


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """A browser profile of its own (closed at the end, failed test or not: its desk ends)."""
    opened = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    try:
        yield opened
    finally:
        opened.close()


def test_a_walk_in_at_a_browser_desk(
    served: Served, workspace: demo.DemoWorkspace, context: Any
) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    downloads: list[Any] = []
    # textual.js opens each download in a new tab; the PDF arrives there as a download.
    context.on("page", lambda tab: tab.on("download", lambda d: downloads.append(d)))
    desk = Desk(context.new_page())
    desk.open(served.url)

    desk.wait_for(en("signin.title"))
    desk.page.screenshot(path=ARTEFACTS / "sign-in.png")
    iin, password, name = staff(workspace, "receptionist")
    assert name in sign_in(desk, iin, password)

    desk.press("1")
    desk.wait_for(en("applicant.title"))
    person, later = workspace.samples["unattached"][:2]
    # Typed on the Kazakh layout, whose digit row gives letters: the field takes them as digits.
    assert all(KAZAKH_DIGIT_ROW[key] == digit for digit, key in TO_KAZAKH.items())
    desk.type("".join(TO_KAZAKH[d] for d in person))
    desk.wait_for(f"{en('applicant.iin')} {person}")
    desk.press("Enter")
    desk.wait_for("The registry answered.")
    desk.press("F10")
    desk.wait_for(en("form.title"))

    # Kazakh letters arrive as typed: the address is matched to the district that serves
    # "Қазыбек би көшесі" (district 2 of the demo clinic, Dr Иванов).
    desk.type("+7 701 234 56 78")  # the phone field has the focus when the form opens
    desk.wait_for("+7 701 234 56 78")
    focused = desk.look("Phone")  # how the focused field looks
    assert focused is not None and focused != desk.look("Actual address")
    desk.press("Tab")
    desk.wait_focus("Actual address", focused)
    desk.type("Қазыбек би көшесі 12")
    desk.wait_for("Қазыбек би көшесі 12")
    # Alt+Backspace deletes the word before the cursor: the browser's Ctrl+W is never needed.
    desk.press("Alt+Backspace")
    desk.wait_gone("көшесі 12")
    screen = desk.wait_for("Иванов Сергей Петрович")
    assert "Қазыбек би көшесі" in screen
    desk.press("F3")  # the originals seen
    desk.page.screenshot(path=ARTEFACTS / "form.png")

    desk.press("F10")
    # The dialog's summary shows once it has loaded and given the key store field the focus.
    desk.wait_for("originals seen: Identity document")
    # The password field had the focus until then; the two fields now look apart once the key
    # store's has it.
    key_store, password_field = en("sign.key_path"), en("sign.password")
    wait_until(
        lambda: desk.look(key_store, below=1) != desk.look(password_field, below=1),
        "the focus on the key store",
    )
    focused = desk.look(key_store, below=1)
    desk.type(workspace.key_paths[iin])
    desk.press("Enter")
    desk.wait_focus(password_field, focused, below=1)
    desk.type(demo.KEY_PASSWORD)
    desk.press("Enter")
    screen = desk.wait_for(en("result.registered"))
    found = re.search(r"Application number: (DEMO-\d{4}-\d{6})", screen)
    assert found, screen
    number = found.group(1)

    # The talon, on this workstation's printer: the browser's, as a PDF.
    desk.press("F6")
    desk.wait_for(en("serve.delivered", file=f"{number}-talon.pdf")[:40])
    # Playwright's sync API hands events over only while it is called: the poll asks the page
    # something each time, or a download that arrives after the text above is never seen.
    wait_until(lambda: desk.page.evaluate("true") and downloads, "the talon's download")
    download = downloads[0]
    assert download.suggested_filename == f"{number}-talon.pdf"
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF-")
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)
    assert number in text
    assert list(workspace.prints_dir.iterdir()) == []  # nothing printed at the server

    # The next applicant: a scanner's burst of twelve digits and Enter (one call, so the keys
    # follow each other as fast as the browser takes them), looked up at once.
    desk.press("Enter")
    desk.wait_for(en("applicant.title"))
    desk.page.keyboard.type(later + "\n")
    screen = desk.wait_for("The registry answered.")
    assert later in screen

    desk.press("Control+q")
    wait_until(lambda: desk.page.locator(".closed").is_visible(), "the closed page")
    assert en("serve.ended") in desk.page.locator(".closed").inner_text()
    wait_until(lambda: served.desks() == [], "the desk process gone")


class KillableChromium:
    """A Chromium this test starts itself (in its own process group) to kill it outright."""

    def __init__(self, playwright: Any, profile: str) -> None:
        self.process = subprocess.Popen(
            [
                str(chromium()),
                "--headless=new",
                "--no-sandbox",
                "--remote-debugging-port=0",
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        assert self.process.stderr is not None
        endpoint = ""
        for line in self.process.stderr:
            if line.startswith("DevTools listening on "):
                endpoint = line.split(" on ", 1)[1].strip()
                break
        assert endpoint, "Chromium did not open its debugging port"
        self.browser = playwright.chromium.connect_over_cdp(endpoint)

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


def test_two_browsers_have_their_own_desks_and_a_killed_one_leaves_none(
    served: Served, workspace: demo.DemoWorkspace, context: Any, playwright: Any
) -> None:
    wait_until(lambda: served.desks() == [], "no desk open before")
    first = context
    desk = Desk(first.new_page())
    desk.open(served.url)
    iin, password, receptionist = staff(workspace, "receptionist")
    sign_in(desk, iin, password)

    with tempfile.TemporaryDirectory() as profile:
        other = KillableChromium(playwright, profile)
        try:
            second = Desk(other.browser.contexts[0].new_page())
            second.page.set_viewport_size(VIEWPORT)
            second.open(served.url)
            # Its own desk: at the sign-in while the first desk is signed in.
            second.wait_for(en("signin.title"))
            admin_iin, admin_password, admin = staff(workspace, "admin")
            assert admin in sign_in(second, admin_iin, admin_password)
            assert receptionist in desk.screen() and admin not in desk.screen()
            desks = wait_until(lambda: len(served.desks()) == 2 and served.desks(), "two desks")

            # The limit (two here) holds: a third tab gets the page that says so.
            third = first.new_page()
            answer = third.goto(served.url)
            assert answer is not None and answer.status == 503
            assert en("serve.busy_title") in third.locator("#busy").inner_text()
            third.close()
        finally:
            other.kill()
        # Killed, not closed: its desk still ends, and the first desk carries on.
        wait_until(lambda: len(served.desks()) == 1, "the killed browser's desk gone")
        assert served.desks()[0] in desks
    desk.press("2")
    desk.wait_for(en("journal.title"))
    first.close()
    wait_until(lambda: served.desks() == [], "every desk gone")
