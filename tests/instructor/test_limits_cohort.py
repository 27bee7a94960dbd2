"""Limits per submission, not per machine: a fork bomb, a /tmp filler, a disk filler and a
memory hog spread over processes, graded in one cohort beside honest trainees. The honest
ones are graded normally; each bad one gets an outcome naming the limit it reached.

Needs root (a user, a control group and scratch space per submission); runs alone in the
test suite's order, as every cohort does.
"""

from __future__ import annotations

import csv
import os

import pytest

from rail.instructor.outcomes import GRADED
from tests.cohort import Cohort

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0, reason="per-submission limits need root")]

MODULE = "00-orientation"
FULL = 7.0

FORK_BOMB = """\
import os, signal
children = 0
try:
    while True:
        if os.fork() == 0:
            try:
                signal.pause()
            finally:
                os._exit(0)
        children += 1
except OSError as error:
    print("forks refused after", children, type(error).__name__)
"""
TMP_FILLER = """\
try:
    for n in range(48):
        with open(f"/tmp/fill{n}", "wb") as handle:
            handle.write(b"x" * 64 * 2**20)
except OSError as error:
    print("/tmp full:", error.strerror)
"""
DISK_FILLER = """\
try:
    with open("sparse", "wb") as handle:
        handle.truncate(2**30)
except OSError as error:
    print("sparse file refused:", error.strerror)
try:
    for n in range(5000):
        open(f"small{n}", "w").write("x")
except OSError as error:
    print("files refused at", n, error.strerror)
"""
MEMORY_HOG = """\
import mmap, os, signal, time
# Six processes of 512 MiB each, 3 GiB in all: each far below the per-process address-space
# limit, so only the submission's own limit can stop them. MAP_POPULATE touches every page at
# once (a page at a time takes seconds here), and the cell waits until each process holds its
# memory or was stopped, so the cell ends only after the limit was reached or not.
ready_read, ready_write = os.pipe()
children = []
for _ in range(6):
    pid = os.fork()
    if pid == 0:
        try:
            block = mmap.mmap(-1, 512 * 2**20, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS
                              | mmap.MAP_POPULATE)
            os.write(ready_write, b"x")
            time.sleep(60)
        finally:
            os._exit(0)
    children.append(pid)
os.set_blocking(ready_read, False)
ready = stopped = 0
deadline = time.monotonic() + 45
while ready + stopped < len(children) and time.monotonic() < deadline:
    try:
        ready += len(os.read(ready_read, 64))
    except BlockingIOError:
        pass
    while stopped < len(children) and os.waitpid(-1, os.WNOHANG)[0]:
        stopped += 1
    time.sleep(0.1)
print("holding their memory:", ready, "stopped:", stopped)
for pid in children:
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
"""


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> dict[str, dict[str, str]]:
    course = Cohort(tmp_path_factory.mktemp("limits"), MODULE)
    for honest in ("honest-a", "honest-b"):
        course.submit_notebook(honest, course.solution())
    for trainee, code in (("fork-bomb", FORK_BOMB), ("tmp-filler", TMP_FILLER),
                          ("disk-filler", DISK_FILLER), ("memory-hog", MEMORY_HOG)):
        course.submit_notebook(trainee, course.solution_with(
            {"false_alert_share": code + "\n" + course.answer("false_alert_share")}))
    course.output = course.autograde(MODULE, "--jobs", "2", "--cell-timeout", "60")
    with (course.root / "outcomes" / f"{MODULE}.csv").open() as handle:
        found = {row["student"]: row for row in csv.DictReader(handle)}
    found["_output"] = {"notes": course.output}
    graded = course.root / "autograded" / "disk-filler" / MODULE
    found["_disk"] = {"notes": " ".join(sorted(p.name for p in graded.iterdir()))}
    return found


def test_honest_trainees_are_graded_normally(cohort):
    for honest in ("honest-a", "honest-b"):
        row = cohort[honest]
        assert (row["status"], float(row["score"]), row["notes"]) == (GRADED, FULL, ""), \
            cohort["_output"]


def test_a_fork_bomb_reaches_its_own_process_limit(cohort):
    assert "cell 'false_alert_share' reached the limit of 256 processes and threads" in \
        cohort["fork-bomb"]["notes"]


def test_filling_tmp_reaches_the_scratch_limit(cohort):
    row = cohort["tmp-filler"]
    assert (row["status"], float(row["score"])) == (GRADED, FULL)
    assert "cell 'false_alert_share' filled the scratch space (working copy and /tmp " \
        "together: 512 MiB)" in row["notes"]


def test_filling_the_working_copy_reaches_the_file_limit_and_nothing_comes_back(cohort):
    row = cohort["disk-filler"]
    assert (row["status"], float(row["score"])) == (GRADED, FULL)
    assert "reached the limit of 2,000 files in the working copy and /tmp" in row["notes"]
    assert cohort["_disk"]["notes"] == "assignment.ipynb timestamp.txt"


def test_memory_spread_over_processes_reaches_the_submissions_limit(cohort):
    assert "reached the submission's memory limit (2.5 GiB, /tmp and working copy " \
        "included)" in cohort["memory-hog"]["notes"]
