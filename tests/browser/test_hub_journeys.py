"""The demo class of ``make hub`` in a real browser: what a trainee and the instructor do.

Starts ``python -m rail.hub`` (real Unix users, PAM login, configurable-http-proxy from npm) on
free ports with its own state folder, and drives Debian's Chromium with playwright. Every step
leaves a screenshot in ``test-artifacts/browser/``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.paths import ROOT

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "browser"
MODULE = "00-orientation"
LESSON = f"modules/{MODULE}/lesson.ipynb"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, log: Path, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the hub exited {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise AssertionError(f"the hub did not answer at {url}:\n{log.read_text()[-5000:]}")


class Hub:
    """A running demo hub: its address, accounts and state folder."""

    def __init__(self, url: str, state: Path) -> None:
        self.url = url
        self.state = state
        accounts = json.loads((state / "accounts.json").read_text())
        self.passwords = {a["name"]: a["password"] for a in accounts}
        settings = json.loads((state / "settings.json").read_text())
        self.instructor = settings["instructor"]
        self.trainee = settings["trainees"][0]
        self.bin = Path(settings["bin"])
        self.instructor_config = settings["config_dirs"]["instructor"]

    def as_instructor(self, *args: str, timeout: float = 600) -> str:
        """Run a command in the instructor's course folder, as the instructor would."""
        home = Path(os.path.expanduser(f"~{self.instructor}"))
        env = {"PATH": f"{self.bin}:/usr/bin:/bin", "HOME": str(home),
               "JUPYTER_CONFIG_PATH": self.instructor_config, "LANG": "C.UTF-8"}
        runuser = shutil.which("runuser") or "/usr/sbin/runuser"
        result = subprocess.run([runuser, "-u", self.instructor, "--", *args],
                                cwd=home / "course", env=env, capture_output=True, text=True,
                                timeout=timeout, check=False)
        output = result.stdout + result.stderr
        assert result.returncode == 0, f"{' '.join(args)} exited {result.returncode}:\n{output}"
        return output


@pytest.fixture(scope="module")
def hub(tmp_path_factory) -> Iterator[Hub]:
    if os.geteuid() != 0:
        pytest.skip("make hub creates Unix users: run the browser tests as root")
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: scripts/system-packages.sh installs it")
    # The users' servers read the state folder: not under pytest's private tmp or the clone,
    # which may lie in a private home.
    state = Path(tempfile.mkdtemp(prefix="rail-hub-", dir="/tmp"))
    os.chmod(state, 0o755)
    port = free_port()
    log = ARTIFACTS / "hub.log"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "rail.hub", "--dir", str(state), "--port", str(port),
               "--hub-port", str(free_port()), "--proxy-api-port", str(free_port())]
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        wait_for(f"http://127.0.0.1:{port}/hub/login", process, log)
        yield Hub(f"http://127.0.0.1:{port}", state)
    finally:
        process.send_signal(signal.SIGINT)  # what Ctrl-C does
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture(scope="module")
def browser(hub):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield chromium
        chromium.close()


def log_in(browser, hub: Hub, user: str):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.set_default_timeout(120_000)
    page.goto(f"{hub.url}/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", hub.passwords[user])
    page.click("#login_submit")
    page.wait_for_url(f"**/user/{user}/lab/tree/index.ipynb")
    # Homes outlive a run: start from Lab's default layout, not the last run's open tabs.
    page.goto(f"{hub.url}/user/{user}/lab/tree/index.ipynb?reset")
    page.locator(".jp-Notebook:visible").first.wait_for()
    return page


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def idle(page) -> None:
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']:visible").first.wait_for()


def test_a_wrong_password_is_refused(browser, hub):
    page = browser.new_page()
    page.goto(f"{hub.url}/hub/login")
    page.fill("#username_input", hub.trainee)
    page.fill("#password_input", "not-the-password")
    page.click("#login_submit")
    page.wait_for_selector("text=Invalid username or password", timeout=30_000)
    shot(page, "00-wrong-password")
    page.close()


def test_trainee_opens_the_course_and_runs_a_lesson(browser, hub):
    page = log_in(browser, hub, hub.trainee)
    shot(page, "01-trainee-course-index")
    page.get_by_role("link", name="Orientation").click()  # the index's link to the lesson
    page.locator(".lm-TabBar-tab.lm-mod-current", has_text="lesson.ipynb").wait_for()
    idle(page)
    page.keyboard.press("Escape")
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").click()
    page.locator(".lm-Menu").get_by_text("Run All Cells", exact=True).click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.jp-InputArea-prompt')]"
        ".every(p => !p.textContent.includes('*'))", timeout=180_000)
    idle(page)
    shot(page, "02-trainee-lesson-run")
    # Lab draws only the cells in view: check the run in the notebook the trainee saves.
    page.keyboard.press("Control+s")
    page.locator(".lm-TabBar-tab.lm-mod-current.jp-mod-dirty").wait_for(state="detached")
    saved = json.loads((Path(os.path.expanduser(f"~{hub.trainee}")) / LESSON).read_text())
    code = [cell for cell in saved["cells"] if cell["cell_type"] == "code"]
    assert code and all(cell["execution_count"] for cell in code)
    errors = [o for cell in code for o in cell["outputs"] if o["output_type"] == "error"]
    assert not errors, errors
    page.close()


def test_the_formgrader_is_the_instructors_only(browser, hub):
    trainee = log_in(browser, hub, hub.trainee)
    response = trainee.goto(f"{hub.url}/user/{hub.trainee}/formgrader")
    assert response.status == 404
    trainee.close()
    instructor = log_in(browser, hub, hub.instructor)
    response = instructor.goto(f"{hub.url}/user/{hub.instructor}/formgrader")
    assert response.status == 200
    instructor.wait_for_selector("text=Manage Assignments")
    shot(instructor, "03-instructor-formgrader-own-tab")
    instructor.close()


def open_assignments(page) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    page.locator(".lm-Menu-itemLabel").filter(has_text="Assignment").first.click()


def test_trainee_fetches_submits_and_the_instructor_grades(browser, hub):
    hub.as_instructor("nbgrader", "generate_assignment", MODULE, "--force")
    hub.as_instructor("nbgrader", "release_assignment", MODULE, "--force")

    page = log_in(browser, hub, hub.trainee)
    open_assignments(page)
    page.get_by_role("button", name="Fetch").first.click()
    page.wait_for_selector(f"text={MODULE}")
    page.get_by_role("button", name="Submit").first.wait_for()
    shot(page, "04-trainee-fetched")
    page.get_by_role("button", name="Submit").first.click()
    page.wait_for_selector("text=Submitted assignments")
    shot(page, "05-trainee-submitted")

    hub.as_instructor("nbgrader", "collect", MODULE)
    out = hub.as_instructor("nbgrader", "autograde", MODULE)
    assert hub.trainee in out
    hub.as_instructor("nbgrader", "generate_feedback", MODULE)
    hub.as_instructor("nbgrader", "release_feedback", MODULE)

    page.reload()
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").wait_for()
    open_assignments(page)
    page.get_by_role("button", name="Fetch Feedback").first.click()
    home = Path(os.path.expanduser(f"~{hub.trainee}"))
    deadline = time.monotonic() + 60
    while not list(home.glob(f"{MODULE}/feedback/*/assignment.html")):
        assert time.monotonic() < deadline, "the feedback never reached the trainee's folder"
        time.sleep(1)
    shot(page, "06-trainee-feedback-fetched")
    page.close()
