"""The instructor guide, step by step: the make targets of docs/instructors.md on a course copy.

Two trainees fetch module 00 from the exchange, one submits the solution and one the untouched
exercise; the instructor runs release, collect, autograde, feedback, grades and report exactly
as the guide says, and each step leaves what the guide promises.
"""

from __future__ import annotations

import shutil
import subprocess

import nbformat
import pandas as pd
import pytest

from tests.course import NOTEBOOK, Course, run_checked, solved
from tests.paths import BIN, MODULE_IDS, ROOT

pytestmark = pytest.mark.slow

MODULE = "00-orientation"
FULL = 7.0  # autograded points; the reflection is graded by hand


def make(course: Course, *args: str) -> str:
    """``make ARGS`` in the course copy, with the test's own environment as the venv."""
    venv = BIN.parent
    return run_checked(["make", "--no-print-directory", f"VENV={venv}",
                        # the environment is already set up: never rebuild it here
                        "-o", f"{venv}/bin/.rail-installed", *args], cwd=course.root)


@pytest.fixture
def course(tmp_path) -> Course:
    course = Course(tmp_path)
    for name in ("Makefile", "requirements.txt", "requirements-test.txt", "pyproject.toml"):
        shutil.copy2(ROOT / name, tmp_path / name)
    # On a hub the exchange is set in the system-wide nbgrader config.
    with (tmp_path / "nbgrader_config.py").open("a") as handle:
        handle.write(f"\nc.Exchange.root = {str(course.exchange)!r}\n")
    return course


def test_the_guide_takes_a_cohort_from_release_to_grades(course):
    make(course, "release", f"MODULE={MODULE}")
    source = nbformat.read(ROOT / "solutions" / MODULE / NOTEBOOK, as_version=4)
    for trainee in ("ana", "ben"):
        path = course.fetch(MODULE, trainee)
        if trainee == "ana":
            nbformat.write(solved(nbformat.read(path, as_version=4), source), path)
        course.submit(MODULE, trainee)

    make(course, "collect", f"MODULE={MODULE}")
    assert sorted(p.name for p in (course.root / "submitted").iterdir()) == ["ana", "ben"]

    output = make(course, "autograde", f"MODULE={MODULE}", "JOBS=2")
    outcomes = pd.read_csv(course.root / "outcomes" / f"{MODULE}.csv").set_index("student")
    assert outcomes["score"].to_dict() == {"ana": FULL, "ben": 0.0}, output

    make(course, "feedback", f"MODULE={MODULE}")
    feedback = course.root / "feedback" / "ana" / MODULE / "assignment.html"
    assert "false_alert_share" in feedback.read_text()
    assert list(course.exchange.glob("rail/feedback/*.html")), "feedback was not released"

    make(course, "grades")
    grades = pd.read_csv(course.root / "grades.csv").set_index("student_id")
    assert grades["score"].to_dict() == {"ana": FULL, "ben": 0.0}

    report = make(course, "report", f"MODULE={MODULE}")
    assert f"{MODULE}: 2 trainees" in report
    table = pd.read_csv(course.root / "reports" / f"{MODULE}.csv")
    assert "share_full_points" in table.columns
    assert (course.root / "reports" / f"{MODULE}.png").stat().st_size > 0


def test_a_cohort_command_without_a_module_says_which_to_give(course):
    result = subprocess.run(["make", "--no-print-directory", f"VENV={BIN.parent}", "-o",
                             f"{BIN.parent}/bin/.rail-installed", "autograde"],
                            cwd=course.root, capture_output=True, text=True, check=False)
    assert result.returncode != 0
    assert "make autograde MODULE=00-orientation (one of: " in result.stdout
    assert all(module in result.stdout for module in MODULE_IDS)
