"""The demo class of ``make hub`` in a real browser: what a trainee and the instructor do.

Starts ``python -m rail.hub`` (real Unix users, PAM login, configurable-http-proxy from npm) on
free ports with its own state folder, and drives Debian's Chromium with playwright. Every step
leaves a screenshot in ``test-artifacts/browser/``.
"""

from __future__ import annotations

import csv
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
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
WIDGET_LESSON = "modules/01-data-and-bias/lesson.ipynb"
# The lesson whose kernel peaks highest in benchmarks/notebooks.py (2026-12-04, one core: 05 at
# 469 MiB, 07 at 426, 03 at 414, 04 at 409, every other lesson lower). Re-measure when a lesson
# changes.
HEAVIEST_LESSON = "modules/05-biometric-evaluation/lesson.ipynb"


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
        # Another trainee, whose server runs nothing but what a test opens.
        self.second_trainee = settings["trainees"][1]
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
    shutil.rmtree(ARTIFACTS, ignore_errors=True)  # no screenshot of an earlier run survives
    ARTIFACTS.mkdir(parents=True)
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
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), timeout=60_000, animations="disabled")


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


# The execution prompts of the code cells of the notebook in view.
PROMPTS = ("[...document.querySelectorAll('.jp-Notebook')].filter(n => n.checkVisibility())"
           ".flatMap(n => [...n.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')])")


def run_all(page) -> None:
    """Clear every output, run every cell of the open notebook, and wait for the last one.

    Clearing first means a saved notebook with every cell executed proves this run: the
    course's lessons come with their outputs.
    """
    idle(page)
    page.keyboard.press("Escape")
    page.locator(".lm-MenuBar-itemLabel", has_text="Edit").click()
    page.locator(".lm-Menu").get_by_text("Clear Outputs of All Cells", exact=True).click()
    page.wait_for_function(
        f"() => (ps => ps.length && ps.every(p => !/[0-9]/.test(p.textContent)))({PROMPTS})")
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").click()
    page.locator(".lm-Menu").get_by_text("Run All Cells", exact=True).click()
    page.wait_for_function(
        f"() => (ps => ps.length && ps.every(p => /\\[[0-9]+\\]/.test(p.textContent)))({PROMPTS})",
        timeout=300_000)
    idle(page)


def save_and_read(page, user: str, notebook: str) -> dict:
    """Save the open notebook; return the saved file (Lab draws only the cells in view)."""
    page.keyboard.press("Control+s")
    page.locator(".lm-TabBar-tab.lm-mod-current.jp-mod-dirty").wait_for(state="detached")
    return json.loads((home_of(user) / notebook).read_text())


def home_of(user: str) -> Path:
    return Path(os.path.expanduser(f"~{user}"))


def assert_ran_cleanly(saved: dict) -> None:
    code = [cell for cell in saved["cells"] if cell["cell_type"] == "code"]
    assert code and all(cell["execution_count"] for cell in code)
    errors = [o for cell in code for o in cell["outputs"] if o["output_type"] == "error"]
    assert not errors, errors


def assert_opens_unmodified(page) -> None:
    """Once its kernel is ready, the notebook in view is still unmodified (no unsaved mark)."""
    idle(page)
    page.wait_for_timeout(3000)  # JupyterLab writes the kernel's metadata just after it starts
    dirty = page.locator(".lm-TabBar-tab.lm-mod-current.jp-mod-dirty")
    assert dirty.count() == 0, "the notebook opened as modified before any edit"


def open_notebook(page, hub: Hub, user: str, notebook: str) -> None:
    page.goto(f"{hub.url}/user/{user}/lab/tree/{notebook}")
    page.locator(".lm-TabBar-tab.lm-mod-current", has_text=Path(notebook).name).wait_for()
    idle(page)


def test_trainee_opens_the_course_and_runs_a_lesson(browser, hub):
    page = log_in(browser, hub, hub.trainee)
    assert_opens_unmodified(page)
    shot(page, "01-trainee-course-index")
    page.get_by_role("link", name="Orientation").click()  # the index's link to the lesson
    page.locator(".lm-TabBar-tab.lm-mod-current", has_text="lesson.ipynb").wait_for()
    assert_opens_unmodified(page)
    run_all(page)
    shot(page, "02-trainee-lesson-run")
    assert_ran_cleanly(save_and_read(page, hub.trainee, LESSON))
    page.close()


def test_a_lessons_widget_renders_and_responds(browser, hub):
    """Module 01's patrol simulator: a form of ipywidgets whose button draws a new figure."""
    page = log_in(browser, hub, hub.trainee)
    open_notebook(page, hub, hub.trainee, WIDGET_LESSON)
    run_all(page)
    form = page.locator(".widget-interact").first
    form.scroll_into_view_if_needed()
    form.get_by_role("button", name="Run the simulation").click()
    figure = form.locator(".jp-OutputArea-output img")
    figure.wait_for(timeout=120_000)
    first = figure.get_attribute("src")
    form.locator("select").first.select_option(label="A twice B (0.4 and 0.2)")
    form.get_by_role("button", name="Run the simulation").click()
    page.wait_for_function(
        "old => { const img = document.querySelector('.widget-interact .jp-OutputArea-output img');"
        " return img && img.src !== old; }", arg=first, timeout=120_000)
    form.scroll_into_view_if_needed()
    shot(page, "03-trainee-widget-responds")
    page.close()


class MemoryOfUser:
    """Samples the resident memory of every process of one Unix user (their server and kernels)."""

    def __init__(self, uid: int) -> None:
        self.uid, self.peak_mib, self._stop = uid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _resident_mib(self) -> float:
        total_kib = 0
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                fields = dict(line.split(":", 1) for line in status.read_text().splitlines()
                              if ":" in line)
            except OSError:
                continue  # the process ended while we read it
            if int(fields["Uid"].split()[0]) == self.uid and "VmRSS" in fields:
                total_kib += int(fields["VmRSS"].split()[0])
        return total_kib / 1024

    def _sample(self) -> None:
        while not self._stop.wait(0.25):
            self.peak_mib = max(self.peak_mib, self._resident_mib())

    def __enter__(self) -> MemoryOfUser:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def test_trainee_runs_the_heaviest_lesson_and_its_memory_is_recorded(browser, hub):
    """The figure the Kubernetes memory limit rests on (deploy/z2jh/config.yaml)."""
    trainee = hub.second_trainee  # a fresh server: the lesson's kernel is its only one
    page = log_in(browser, hub, trainee)
    open_notebook(page, hub, trainee, HEAVIEST_LESSON)
    started = time.monotonic()
    with MemoryOfUser(pwd.getpwnam(trainee).pw_uid) as memory:
        run_all(page)
    seconds = time.monotonic() - started
    shot(page, "04-trainee-heaviest-lesson-run")
    assert_ran_cleanly(save_and_read(page, trainee, HEAVIEST_LESSON))
    record = {"lesson": HEAVIEST_LESSON, "run_all_seconds": round(seconds, 1),
              "peak_resident_mib_of_the_trainees_processes": round(memory.peak_mib)}
    (ARTIFACTS / "trainee-memory.json").write_text(json.dumps(record, indent=1))
    print(record)
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
    shot(instructor, "05-instructor-formgrader-own-tab")
    instructor.close()


def open_assignments(page) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    page.locator(".lm-Menu-itemLabel").filter(has_text="Assignment").first.click()


# What a trainee writes for the hand-graded reflection (graded 2.5 of 3 in the formgrader).
REFLECTION = ("Stopping every flagged car treats an alert as proof. Accuracy: most alerts of the "
              "mobile cameras were false this week. Fairness: drivers from districts with many "
              "mobile cameras bear the false stops. An officer should compare the plate and the "
              "car with the watch list before any stop.")
MANUAL_SCORE = 2.5


def trainees_answers() -> list[tuple[str, str]]:
    """Each answer cell of the module's assignment, in order: (cell type, what to write).

    Code answers are the solution's code; the written answer is a trainee's own words.
    """
    source = json.loads((ROOT / "solutions" / MODULE / "assignment.ipynb").read_text())
    answers = []
    for cell in source["cells"]:
        if not cell["metadata"].get("nbgrader", {}).get("solution"):
            continue
        if cell["cell_type"] == "markdown":
            answers.append(("markdown", REFLECTION))
        else:
            text = re.sub(r"[ \t]*### (BEGIN|END) SOLUTION\n?", "", "".join(cell["source"]))
            answers.append(("code", text.strip("\n")))
    return answers


def write_answers(page) -> None:
    """Type each answer into its cell of the open assignment, as a trainee would."""
    for kind, text in trainees_answers():
        notebook = page.locator(".jp-Notebook:visible")
        if kind == "code":
            cell = notebook.locator(".jp-CodeCell").filter(has_text="YOUR CODE HERE").first
        else:
            blank = page.locator(".jp-RenderedMarkdown",
                                 has_text=re.compile(r"^\s*YOUR ANSWER HERE\s*$"))
            cell = notebook.locator(".jp-MarkdownCell").filter(has=blank).first
        cell.scroll_into_view_if_needed()
        handle = cell.element_handle()  # a markdown cell's text changes once it is edited
        if kind == "markdown":
            handle.dblclick()
        handle.wait_for_selector(".cm-content").click()
        page.keyboard.press("Control+a")
        page.keyboard.insert_text(text)
        page.keyboard.press("Escape")
        if kind == "markdown":
            page.keyboard.press("Shift+Enter")


def forget_earlier_runs(hub: Hub) -> None:
    """Homes outlive a run: start the module's journey as a new class would."""
    shutil.rmtree(home_of(hub.trainee) / MODULE, ignore_errors=True)
    shutil.rmtree(home_of(hub.trainee) / ".local/share/jupyter/nbgrader_cache",
                  ignore_errors=True)
    for folder in ("submitted", "autograded", "feedback", "outcomes"):
        shutil.rmtree(home_of(hub.instructor) / "course" / folder, ignore_errors=True)


def test_trainee_answers_and_submits_the_instructor_grades_and_returns_feedback(browser, hub):
    forget_earlier_runs(hub)
    hub.as_instructor("nbgrader", "generate_assignment", MODULE, "--force")
    hub.as_instructor("nbgrader", "release_assignment", MODULE, "--force")

    # The trainee fetches the module, answers it in the notebook, validates and submits.
    page = log_in(browser, hub, hub.trainee)
    open_assignments(page)
    page.get_by_role("button", name="Fetch", exact=True).click()
    fetched = page.locator("#fetched_assignments_list")
    fetched.get_by_role("button", name="Submit").wait_for()
    shot(page, "06-trainee-fetched")
    fetched.get_by_text(MODULE).first.click()  # shows the module's notebook
    fetched.get_by_role("link", name="assignment").first.click()
    page.locator(".lm-TabBar-tab.lm-mod-current", has_text="assignment.ipynb").wait_for()
    idle(page)
    write_answers(page)
    run_all(page)
    shot(page, "07-trainee-answered")
    assert_ran_cleanly(save_and_read(page, hub.trainee, f"{MODULE}/assignment.ipynb"))
    page.locator(".lm-TabBar-tab", has_text="Assignments").click()
    fetched.get_by_role("button", name="Validate").first.click()
    dialog = page.locator(".jp-Dialog")
    dialog.get_by_text("Success! Your notebook passes all the tests.").wait_for(timeout=180_000)
    shot(page, "08-trainee-validated")
    dialog.get_by_role("button", name="Ok").click()
    fetched.get_by_role("button", name="Submit").click()
    page.locator("#submitted_assignments_list").get_by_text(MODULE).wait_for()
    shot(page, "09-trainee-submitted")

    # The instructor collects and grades with the course's grader, as their own (non-root) user.
    hub.as_instructor("nbgrader", "collect", MODULE)
    hub.as_instructor("python", "-m", "rail.instructor", "autograde", MODULE)
    outcomes_file = home_of(hub.instructor) / "course" / "outcomes" / f"{MODULE}.csv"
    with outcomes_file.open() as table:
        outcomes = {row["student"]: row for row in csv.DictReader(table)}
    assert outcomes[hub.trainee]["status"] == "graded", outcomes
    auto_points = sum(float(cell["metadata"]["nbgrader"]["points"]) for cell in json.loads(
        (ROOT / "solutions" / MODULE / "assignment.ipynb").read_text())["cells"]
        if cell["metadata"].get("nbgrader", {}).get("grade") and cell["cell_type"] == "code")
    assert float(outcomes[hub.trainee]["score"]) == auto_points, outcomes

    # The written answer, graded by hand in the formgrader (its own tab).
    grader = log_in(browser, hub, hub.instructor)
    grader.goto(f"{hub.url}/user/{hub.instructor}/formgrader/gradebook/{MODULE}/assignment")
    with grader.expect_response(lambda r: "/formgrader/api/comments?" in r.url):
        grader.get_by_role("link", name="Submission #1").click()  # scores load after the page
    grader.locator("input.score#reflection").wait_for()
    score = grader.locator("input.score#reflection")
    score.fill(str(MANUAL_SCORE))
    with grader.expect_response(lambda r: "/formgrader/api/grade/" in r.url
                                and r.request.method == "PUT" and r.ok):
        score.press("Tab")  # the formgrader saves a score when the field loses focus
    grader.reload()
    assert grader.locator("input.score#reflection").input_value() == str(MANUAL_SCORE)
    shot(grader, "10-instructor-graded-by-hand")
    grader.close()
    hub.as_instructor("nbgrader", "export", "--to", "grades.csv")
    with (home_of(hub.instructor) / "course" / "grades.csv").open() as table:
        grades = {row["student_id"]: row for row in csv.DictReader(table)}
    assert float(grades[hub.trainee]["score"]) == auto_points + MANUAL_SCORE, grades

    hub.as_instructor("nbgrader", "generate_feedback", MODULE)
    hub.as_instructor("nbgrader", "release_feedback", MODULE)

    # The trainee fetches the feedback and opens it.
    page.reload()
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").wait_for()
    open_assignments(page)
    page.get_by_role("button", name="Fetch Feedback").first.click()
    deadline = time.monotonic() + 60
    while not (found := list((home_of(hub.trainee) / MODULE / "feedback").glob(
            "*/assignment.html"))):
        assert time.monotonic() < deadline, "the feedback never reached the trainee's folder"
        time.sleep(1)
    relative = found[0].relative_to(home_of(hub.trainee)).as_posix()
    page.goto(f"{hub.url}/user/{hub.trainee}/files/{relative}")
    page.get_by_text(f"(Score: {auto_points + MANUAL_SCORE} / ").first.wait_for()
    shot(page, "11-trainee-reads-feedback")
    page.close()
