"""What comes back from a submission's private course, and the time budget of a module."""

from __future__ import annotations

import os
import threading

import nbformat
import pytest

from rail.instructor.__main__ import parse_size
from rail.instructor.autograde import GradingOptions
from rail.instructor.budget import Budget, read_budget, write_budget
from rail.instructor.course import load_course
from rail.instructor.gradebook import ModuleRecord, ReleasedNotebook
from rail.instructor.jobs import Job
from rail.instructor.submission import Inspection
from rail.instructor.workspace import publish_autograded
from tests.paths import ROOT

MODULE = "00-orientation"


@pytest.fixture
def course(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text(
        (ROOT / "nbgrader_config.py").read_text())
    return load_course(tmp_path)


def graded_job(course, tmp_path, nb) -> Job:
    job = Job("ann", tmp_path / "work", Inspection(), threading.Event())
    graded = course.private_path(job.work, "autograded", "ann", MODULE)
    graded.mkdir(parents=True)
    nbformat.write(nb, graded / "assignment.ipynb")
    (graded / "timestamp.txt").write_text("2026-12-01 10:00:00")
    (graded / "submission_secret.txt").write_text("0123abcd")
    (graded / "big.bin").write_bytes(b"\0" * 1000)
    (graded / "many").mkdir()
    os.mkfifo(graded / "pipe")
    os.symlink("/etc/passwd", graded / "link.ipynb")
    return job


MODULE_RECORD = ModuleRecord(MODULE, 10.0, {"assignment": ReleasedNotebook(1, {}, {})})


def test_only_the_graded_notebooks_and_nbgraders_own_files_come_back(course, tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
    job = graded_job(course, tmp_path, nb)
    assert publish_autograded(job, course, MODULE_RECORD, max_bytes=10**6) == []
    target = course.path("autograded", "ann", MODULE)
    assert sorted(p.name for p in target.iterdir()) == ["assignment.ipynb",
                                                        "submission_secret.txt",
                                                        "timestamp.txt"]


def test_a_notebook_over_the_cap_loses_its_largest_outputs(course, tmp_path):
    cells = [nbformat.v4.new_code_cell(f"print({i})", outputs=[nbformat.v4.new_output(
        "stream", name="stdout", text="x" * 400_000)]) for i in range(5)]
    cells.append(nbformat.v4.new_code_cell("assert False", outputs=[nbformat.v4.new_output(
        "error", ename="AssertionError", evalue="wrong", traceback=["AssertionError: wrong"])]))
    job = graded_job(course, tmp_path, nbformat.v4.new_notebook(cells=cells))
    notes = publish_autograded(job, course, MODULE_RECORD, max_bytes=1_000_000)
    published = course.path("autograded", "ann", MODULE) / "assignment.ipynb"
    assert published.stat().st_size <= 1_000_000
    assert notes and "outputs were removed to keep it under" in notes[0]
    kept = nbformat.read(published, as_version=4)
    assert kept.cells[-1].outputs[0].ename == "AssertionError"  # why a test failed stays


def test_the_budget_is_ten_times_the_solution_and_at_least_a_minute(course):
    quick = Budget(MODULE, 2.5, 7, 7)
    assert quick.seconds == 60 and quick.healthy
    slow = Budget(MODULE, 23.41, 13, 13)
    assert slow.seconds == 235
    write_budget(course, slow)
    assert read_budget(course, MODULE) == slow
    broken = Budget(MODULE, 3.0, 6, 7, ["cell 'a' uses exec"])
    assert not broken.healthy and "WARNING: the solution itself does not pass" in \
        broken.describe()


@pytest.mark.parametrize(("options", "message"), [
    ({"jobs": -3}, "jobs must be 0 (one per core) or more, got -3"),
    ({"memory_limit": 0}, "memory_limit must be positive"),
    ({"submission_timeout": -1}, "submission_timeout must be positive seconds"),
])
def test_options_refuse_nonsense(options, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        GradingOptions(**options)


def test_sizes_on_the_command_line():
    assert parse_size("2G") == 2 * 1024**3
    assert parse_size("512MiB") == 512 * 1024**2
    assert parse_size("1000") == 1000
