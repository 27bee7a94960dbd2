"""rail.instructor on a cohort: nothing lost under bad input, a sandbox that holds, and parallel
grading that gives the grades of nbgrader's own sequential run.

Module 00 is used throughout (7 autograded points in four test cells, the fastest to run).
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import pytest

from rail.instructor import report as reports
from rail.instructor.outcomes import GRADED, GRADED_EARLIER, NOT_GRADED, NOT_SUBMITTED
from tests.cohort import Cohort, tree_digest
from tests.course import NOTEBOOK, nb_cells, nbgrader_env
from tests.hardcoded import HARD_CODED
from tests.paths import BIN, ROOT

pytestmark = pytest.mark.slow

MODULE = "00-orientation"
FULL = 7.0  # autograded points of module 00; the reflection is graded by hand
CELL_TIMEOUT = "10"


def outcomes(course: Cohort) -> dict[str, dict[str, str]]:
    with (course.root / "outcomes" / f"{MODULE}.csv").open() as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


def cell_outputs(course: Cohort, trainee: str) -> str:
    """All text the graded notebook of ``trainee`` printed."""
    nb = nbformat.read(course.root / "autograded" / trainee / MODULE / NOTEBOOK, as_version=4)
    return "".join(o.get("text", "") for cell in nb.cells if cell.cell_type == "code"
                   for o in cell.outputs)


# --------------------------------------------------------------------------- bad input


@pytest.fixture(scope="module")
def bad_cohort(tmp_path_factory) -> Cohort:
    """One autograde run over a cohort holding every kind of bad submission."""
    course = Cohort(tmp_path_factory.mktemp("bad-cohort"), MODULE)
    solution = course.solution()
    course.submit_notebook("full", solution)
    course.submit_text("corrupt", NOTEBOOK, '{"cells": [{"cell_type": "code", ')
    course.submit_notebook("looping", course.solution_with(
        {"riskiest_group": "while True:\n    pass"}))
    course.submit_notebook("crashing", course.solution_with(
        {"lifecycle_choice": "import os\nos._exit(3)"}))
    course.submit_notebook("chatty", course.solution_with(
        {"false_alert_share": 'print("x" * 30_000_000)\n' + course.answer("false_alert_share")}))
    course.submit_notebook("greedy", course.solution_with(
        {"false_alert_share_by": "import numpy as np\nhog = np.ones(40 * 2**30 // 8)\n"
         + course.answer("false_alert_share_by")}))
    course.submit_notebook("renamed", solution, name="assignment (1).ipynb")
    course.submit_text("empty", "notes.txt", "I ran out of time.")
    # Leaves a pipe and a link to the gradebook in its working copy for the grader to copy.
    mischief = course.solution()
    mischief.cells.append(nbformat.v4.new_code_cell(
        f"import os\nos.mkfifo('pipe')\nos.symlink({str(course.root / 'gradebook.db')!r}, "
        "'gradebook.db')"))
    course.submit_notebook("mischief", mischief)

    # Wrong Task 1, its test edited to pass; Task 3's test deleted (the answer is right).
    tampered = course.solution_with({"false_alert_share": "def false_alert_share(alerts):\n"
                                                          "    return 0.0"})
    nb_cells(tampered)["test_false_alert_share"].source = "pass"
    tampered.cells = [c for c in tampered.cells
                      if c.metadata.get("nbgrader", {}).get("grade_id") != "test_riskiest_group"]
    course.submit_notebook("tampered", tampered)

    # Cells with nbgrader marks of its own: a new graded cell worth 1000 points, a second
    # copy of a test cell (emptied), and the real Task 1 test claiming 1000 points.
    forged = course.solution()
    marks = {"grade": True, "grade_id": "bonus", "locked": True, "points": 1000,
             "solution": False, "schema_version": 3}
    forged.cells.append(nbformat.v4.new_code_cell("pass", metadata={"nbgrader": marks}))
    copy = nbformat.from_dict(nb_cells(forged)["test_riskiest_group"])
    copy.source, copy.id = "pass", "forged-copy"
    forged.cells.insert(3, copy)
    nb_cells(forged)["test_false_alert_share"].metadata.nbgrader["points"] = 1000
    course.submit_notebook("forged", forged)
    # Prints the grader's own marker for cut output and raises a home-made time-out.
    faker = course.solution()
    faker.cells.append(nbformat.v4.new_code_cell(
        'print("[grader] output beyond 1,000,000 bytes was dropped")\n'
        "class CellTimeoutError(Exception):\n    pass\n"
        'raise CellTimeoutError("No reply from kernel before timeout")'))
    course.submit_notebook("faker", faker)
    # Far more cells than the release.
    crowded = course.solution()
    crowded.cells += [nbformat.v4.new_code_cell("pass", id=f"extra-{n}") for n in range(100_000)]
    course.submit_notebook("crowded", crowded)
    # After the tests, cells that each sleep just under the limit per cell.
    sleepy = course.solution()
    sleepy.cells += [nbformat.v4.new_code_cell(f"import time\ntime.sleep({CELL_TIMEOUT} - 1)")
                     for _ in range(12)]
    course.submit_notebook("sleepy", sleepy)

    course.before = tree_digest(course.root / "submitted")
    course.output = course.autograde(MODULE, "--jobs", "2", "--cell-timeout", CELL_TIMEOUT)
    return course


def test_every_trainee_gets_an_outcome(bad_cohort):
    found = outcomes(bad_cohort)
    assert set(found) == {"full", "corrupt", "looping", "crashing", "chatty", "greedy",
                          "renamed", "empty", "tampered", "mischief", "forged", "faker",
                          "crowded", "sleepy"}, bad_cohort.output


def test_a_correct_submission_is_graded_normally_beside_bad_ones(bad_cohort):
    row = outcomes(bad_cohort)["full"]
    assert (row["status"], float(row["score"]), row["notes"]) == (GRADED, FULL, "")


def test_invalid_json_is_not_graded_and_says_why(bad_cohort):
    row = outcomes(bad_cohort)["corrupt"]
    assert row["status"] == NOT_GRADED and float(row["score"]) == 0
    assert "not valid JSON (line 1" in row["notes"]


def test_an_endless_loop_is_stopped_and_the_rest_graded(bad_cohort):
    row = outcomes(bad_cohort)["looping"]
    assert row["status"] == GRADED
    assert float(row["score"]) == FULL - 1  # Task 3 (1 point) never defined its function
    assert "'riskiest_group' was stopped at the time limit" in row["notes"]


def test_a_dead_kernel_is_reported(bad_cohort):
    row = outcomes(bad_cohort)["crashing"]
    assert row["status"] == NOT_GRADED and float(row["score"]) == 0
    assert "kernel died" in row["notes"]


def test_tens_of_megabytes_of_output_are_cut(bad_cohort):
    row = outcomes(bad_cohort)["chatty"]
    assert (row["status"], float(row["score"])) == (GRADED, FULL)
    assert "'false_alert_share' printed more than 1,000,000 bytes" in row["notes"]
    graded = bad_cohort.root / "autograded" / "chatty" / MODULE / NOTEBOOK
    assert graded.stat().st_size < 2_000_000


def test_memory_beyond_the_limit_fails_only_that_cell(bad_cohort):
    row = outcomes(bad_cohort)["greedy"]
    assert row["status"] == GRADED
    # Task 2 (3 points) never defined its function, and Task 3 (1 point) calls it.
    assert float(row["score"]) == FULL - 4
    assert "cell 'false_alert_share_by' raised MemoryError" in row["notes"]


def test_a_renamed_notebook_is_graded_and_reported(bad_cohort):
    row = outcomes(bad_cohort)["renamed"]
    assert (row["status"], float(row["score"])) == (GRADED, FULL)
    assert "'assignment (1).ipynb' was graded as assignment.ipynb" in row["notes"]


def test_a_missing_notebook_is_reported(bad_cohort):
    row = outcomes(bad_cohort)["empty"]
    assert row["status"] == NOT_GRADED and float(row["score"]) == 0
    assert "assignment.ipynb is missing" in row["notes"]


def test_edited_and_deleted_tests_run_in_their_original_form(bad_cohort):
    row = outcomes(bad_cohort)["tampered"]
    assert row["status"] == GRADED
    assert float(row["score"]) == FULL - 2  # the original Task 1 test caught the wrong answer
    assert "test cell 'test_false_alert_share' was edited" in row["notes"]
    assert "test cell 'test_riskiest_group' was deleted" in row["notes"]


def test_only_the_graded_notebook_comes_back(bad_cohort):
    row = outcomes(bad_cohort)["mischief"]
    assert (row["status"], float(row["score"])) == (GRADED, FULL), bad_cohort.output
    graded = bad_cohort.root / "autograded" / "mischief" / MODULE
    assert sorted(p.name for p in graded.iterdir()) == [NOTEBOOK, "timestamp.txt"]


def test_unreleased_nbgrader_marks_are_removed_before_grading(bad_cohort):
    row = outcomes(bad_cohort)["forged"]
    assert (row["status"], float(row["score"])) == (GRADED, FULL), bad_cohort.output
    assert "carried grade id 'bonus', which the release does not have" in row["notes"]
    assert "cell 'test_riskiest_group' appeared 2 times" in row["notes"]
    assert "cell 'test_false_alert_share' had its nbgrader marks changed" in row["notes"]


def test_notes_state_what_the_grader_saw_not_what_the_trainee_printed(bad_cohort):
    row = outcomes(bad_cohort)["faker"]
    assert (row["status"], float(row["score"])) == (GRADED, FULL), bad_cohort.output
    assert row["notes"] == ""


def test_a_notebook_of_far_more_cells_than_the_release_is_refused(bad_cohort):
    row = outcomes(bad_cohort)["crowded"]
    assert row["status"] == NOT_GRADED
    assert "it has 100,0" in row["notes"] and "are graded (remove the extra cells" in row["notes"]


def test_the_time_budget_bounds_a_submission_and_keeps_what_ran(bad_cohort):
    row = outcomes(bad_cohort)["sleepy"]
    assert (row["status"], float(row["score"])) == (GRADED, FULL), bad_cohort.output
    assert re.search(r"the time budget of \d+ s ran out", row["notes"]), row["notes"]
    nb = nbformat.read(bad_cohort.root / "autograded" / "sleepy" / MODULE / NOTEBOOK,
                       as_version=4)
    not_run = [cell for cell in nb.cells if cell.cell_type == "code"
               and any(o.get("ename") == "NotRun" for o in cell.outputs)]
    assert 0 < len(not_run) < 12


def test_submissions_are_never_modified(bad_cohort):
    assert tree_digest(bad_cohort.root / "submitted") == bad_cohort.before


def test_graded_submissions_reach_the_course_gradebook(bad_cohort):
    table = reports.grades_table(f"sqlite:///{bad_cohort.root / 'gradebook.db'}", MODULE)
    totals = reports.score_distribution(table).to_dict()
    expected = {name: float(row["score"]) for name, row in outcomes(bad_cohort).items()
                if row["status"] == GRADED}
    assert totals == pytest.approx(expected)


def test_not_submitted_is_an_outcome_of_its_own(tmp_path):
    course = Cohort(tmp_path, MODULE)
    course.nbgrader("db", "student", "add", "absent")
    course.submit_notebook("present", course.solution())
    course.autograde(MODULE, "--jobs", "1")
    found = outcomes(course)
    assert found["absent"]["status"] == NOT_SUBMITTED
    assert float(found["present"]["score"]) == FULL


def processes_mentioning(text: str) -> list[int]:
    """Processes whose command line or working folder mentions ``text``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().decode(errors="replace")
            cwd = os.readlink(f"/proc/{entry}/cwd")
        except OSError:
            continue
        if text in cmdline or text in cwd:
            found.append(int(entry))
    return found


def test_ctrl_c_stops_grading_at_once_and_keeps_what_was_graded(tmp_path):
    course = Cohort(tmp_path, MODULE)
    course.submit_notebook("a-full", course.solution())
    course.submit_notebook("b-looping", course.solution_with(
        {"riskiest_group": "while True:\n    pass"}))
    grader = subprocess.Popen(
        [str(BIN / "python"), "-m", "rail.instructor", "autograde", MODULE, "--jobs", "1",
         "--cell-timeout", "600"], cwd=course.root, env=nbgrader_env(), text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        first = grader.stdout.readline()
        while first.startswith("python -m rail.instructor:"):  # the run's own messages
            first = grader.stdout.readline()
        assert first.split()[:2] == ["a-full", GRADED], first
        deadline = time.monotonic() + 60  # until b-looping's kernel is in its loop
        while not processes_mentioning("ipykernel") and time.monotonic() < deadline:
            time.sleep(0.5)
        time.sleep(3)
        grader.send_signal(signal.SIGINT)
        output = grader.communicate(timeout=30)[0]
    finally:
        grader.kill()
        grader.communicate()  # reap it and close its pipe, even when the test failed
    assert grader.returncode == 130, output
    assert "run the same command again to grade the rest" in output

    deadline = time.monotonic() + 10
    while processes_mentioning("b-looping") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not processes_mentioning("b-looping"), "grading went on after Ctrl-C"

    course.autograde(MODULE, "--jobs", "1", "--cell-timeout", CELL_TIMEOUT)
    found = outcomes(course)
    assert (found["a-full"]["status"], float(found["a-full"]["score"])) == (GRADED_EARLIER, FULL)
    assert (found["b-looping"]["status"], float(found["b-looping"]["score"])) == (GRADED, FULL - 1)


# --------------------------------------------------------------------------- isolation


SNOOP = '''\
import glob, json, os, socket
attempts = {{}}
def attempt(name, action):
    try:
        action()
        attempts[name] = "ALLOWED"
    except Exception as error:
        attempts[name] = "blocked: " + type(error).__name__
attempt("read solutions", lambda: open({solutions!r}).read())
attempt("read the repository's solutions", lambda: open({repo_solutions!r}).read())
attempt("read another submission", lambda: open({other!r}).read())
attempt("list the submissions", lambda: os.listdir({submitted!r}))
attempt("read the gradebook", lambda: open({gradebook!r}, "rb").read())
attempt("overwrite another submission", lambda: open({other!r}, "w").write("{{}}"))
attempt("write in the course", lambda: open({course_file!r}, "w").write("pwned"))
attempt("write in its own submission", lambda: open({own!r}, "w").write("pwned"))
attempt("connect to the network", lambda: socket.create_connection(("127.0.0.1", {port}), 3))
def secret_in(text, secret):
    if secret not in text:
        raise LookupError("not there")
attempt("read the hub's nbgrader configuration",
        lambda: secret_in(open({hub_config!r}).read(), "s3cret"))
attempt("list the exchange", lambda: secret_in(os.listdir({exchange!r}), "rail"))
attempt("read the notebook being graded", lambda: open(glob.glob(
    "/tmp/rail-grade-*/*/autograded/snoop/*/*.ipynb")[0]).read())
attempt("write in its working copy", lambda: open("scratch.txt", "w").write("fine"))
print("ATTEMPTS " + json.dumps(attempts))
'''


@pytest.fixture
def listener():
    """A TCP server on the loopback interface that records whoever connects."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.5)
    connections = []
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                connections.append(server.accept())
            except TimeoutError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], connections
    stop.set()
    thread.join()
    for connection, _ in connections:
        connection.close()
    server.close()


@pytest.fixture
def hub_config():
    """A hub-wide nbgrader configuration, with its exchange, where nbgrader's defaults put
    them: inside /usr, which the sandbox binds whole (found through JUPYTER_CONFIG_PATH)."""
    base = Path(tempfile.mkdtemp(prefix="rail-test-", dir="/usr/local/share"))
    exchange = base / "exchange"
    (exchange / "rail" / "outbound").mkdir(parents=True)
    (base / "config").mkdir()
    config = base / "config" / "nbgrader_config.py"
    config.write_text(f"c = get_config()  # noqa: F821\nc.Exchange.root = {str(exchange)!r}\n"
                      "# the hub's database: postgresql://grader:s3cret@db/hub\n")
    yield {"JUPYTER_CONFIG_PATH": str(base / "config")}, config, exchange
    shutil.rmtree(base)


def snoop_cohort(root, port: int, hub: tuple, *grader_args: str) \
        -> tuple[Cohort, dict[str, str], str]:
    """Grade an honest trainee and one whose notebook runs :data:`SNOOP`; return the
    course, what each attempt gave, and the grader's output."""
    env, config, exchange = hub
    course = Cohort(root, MODULE)
    other = course.submit_notebook("honest", course.solution())
    own = course.folder("snoop") / NOTEBOOK
    snoop = course.solution()
    snoop.cells.append(nbformat.v4.new_code_cell(SNOOP.format(
        solutions=str(course.root / "solutions" / MODULE / NOTEBOOK),
        repo_solutions=str(ROOT / "solutions" / MODULE / NOTEBOOK),
        other=str(other), submitted=str(course.root / "submitted"),
        gradebook=str(course.root / "gradebook.db"),
        course_file=str(course.root / "pwned.txt"), own=str(own), port=port,
        hub_config=str(config), exchange=str(exchange),
    )))
    course.submit_notebook("snoop", snoop)
    course.before = tree_digest(course.root / "submitted")
    output = course.autograde(MODULE, "--jobs", "2", *grader_args, env=env)
    line = next(text for text in cell_outputs(course, "snoop").splitlines()
                if text.startswith("ATTEMPTS "))
    return course, json.loads(line.removeprefix("ATTEMPTS ")), output


def test_trainee_code_cannot_reach_answers_others_gradebook_or_network(tmp_path, listener,
                                                                      hub_config):
    port, connections = listener
    course, attempts, output = snoop_cohort(tmp_path, port, hub_config)

    allowed = {name for name, result in attempts.items() if result == "ALLOWED"}
    assert allowed == {"write in its working copy"}, attempts
    assert not connections, "the sandboxed kernel reached a server on the host"
    assert not (course.root / "pwned.txt").exists()
    assert tree_digest(course.root / "submitted") == course.before
    found = outcomes(course)
    assert float(found["snoop"]["score"]) == FULL, output
    assert float(found["honest"]["score"]) == FULL, output


def test_without_the_sandbox_the_same_attempts_succeed(tmp_path, listener, hub_config):
    """The control for the test above: every attempt is real and works from an unconfined
    kernel, so it is the sandbox that stops them."""
    port, connections = listener
    course, attempts, _ = snoop_cohort(tmp_path, port, hub_config, "--no-sandbox")

    assert set(attempts.values()) == {"ALLOWED"}, attempts
    assert connections
    assert (course.root / "pwned.txt").read_text() == "pwned"


# --------------------------------------------------------------------------- parallel


def test_parallel_grades_equal_nbgraders_sequential_grades(tmp_path):
    courses = {}
    for kind in ("sequential", "parallel"):
        course = Cohort(tmp_path / kind, MODULE)
        course.submit_notebook("full", course.solution())
        course.submit_notebook("blank", course.released)
        course.submit_notebook("hardcoded", course.solution_with(HARD_CODED[MODULE]().answers))
        course.submit_notebook("half", course.solution_with(
            {"false_alert_share_by": "def false_alert_share_by(alerts, column):\n"
                                     "    return alerts.groupby(column)['true_match'].mean()"}))
        courses[kind] = course
    courses["sequential"].nbgrader("autograde", MODULE, "--force")
    courses["parallel"].autograde(MODULE, "--jobs", "2")

    tables = {
        kind: reports.grades_table(f"sqlite:///{course.root / 'gradebook.db'}", MODULE)
        .sort_values(["student", "cell"]).reset_index(drop=True)
        for kind, course in courses.items()
    }
    assert set(tables["parallel"]["student"]) == {"full", "blank", "hardcoded", "half"}
    assert tables["parallel"].equals(tables["sequential"])
    totals = reports.score_distribution(tables["parallel"])
    assert totals["full"] == FULL and totals["blank"] == 0 and 0 < totals["half"] < FULL


def test_the_cli_refuses_an_unknown_module(tmp_path):
    course = Cohort(tmp_path, MODULE)
    result = subprocess.run([str(BIN / "python"), "-m", "rail.instructor", "autograde",
                             "no-such-module"], cwd=course.root, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 2
    assert "no module 'no-such-module'" in result.stderr
