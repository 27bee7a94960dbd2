"""The whole nbgrader cycle, with the real command line, in a temporary course copy.

The instructor releases a module; three trainees fetch it and submit: one the solution, one
the untouched exercise, one an answer hard-coded to the visible data. Autograding must give
full marks, zero, and catch the hard-coded answer; the exported CSV must say the same.
"""

import nbformat
import pandas as pd
import pytest

from rail.instructor import report as cohort
from rail.instructor.__main__ import main as instructor_main
from tests.course import NOTEBOOK, Course, autograded_points, run_checked, solved, with_answers
from tests.hardcoded import HARD_CODED
from tests.paths import BIN, MODULE_IDS, ROOT

pytestmark = pytest.mark.slow


def test_every_module_has_a_hard_coded_case():
    assert sorted(HARD_CODED) == MODULE_IDS


@pytest.mark.parametrize("module", MODULE_IDS)
def test_round_trip_full_marks_zero_and_hard_coded_caught(module, tmp_path):
    course = Course(tmp_path)
    course.release(module)
    source = nbformat.read(ROOT / "solutions" / module / NOTEBOOK, as_version=4)
    points = autograded_points(source)
    hard_coded = HARD_CODED[module]()
    assert hard_coded.caught <= set(points)

    paths = {name: course.fetch(module, name) for name in ("full", "blank", "hardcoded")}
    released = nbformat.read(paths["blank"], as_version=4)
    nbformat.write(solved(released, source), paths["full"])
    # The third trainee answers everything, but the data tasks with the visible data's values.
    nbformat.write(with_answers(solved(released, source), hard_coded.answers), paths["hardcoded"])

    # The hard-coded answer passes every visible test: only the hidden tests can catch it.
    visible = run_checked([str(BIN / "nbgrader"), "validate", str(paths["hardcoded"])],
                          cwd=tmp_path)
    assert "Success! Your notebook passes all the tests." in visible, visible

    for name in paths:
        course.submit(module, name)
    grades = course.grade(module).set_index("student_id")
    # Honest work, right, untouched or hard-coded, never trips the integrity checks.
    outcomes = pd.read_csv(tmp_path / "outcomes" / f"{module}.csv").set_index("student")
    assert outcomes["status"].to_dict() == dict.fromkeys(paths, "graded")
    assert outcomes["notes"].isna().all(), outcomes["notes"].dropna().to_dict()

    full, blank, hard = (
        {cell: score for cell, score in course.cell_scores(module, name).items() if cell in points}
        for name in ("full", "blank", "hardcoded")
    )
    assert full == points, "the solution must earn every autograded point"
    assert blank == dict.fromkeys(points, 0.0), "the untouched exercise must earn nothing"
    assert {k: hard[k] for k in hard_coded.caught} == dict.fromkeys(hard_coded.caught, 0.0)

    total = sum(points.values())
    assert grades.loc["full", "score"] == pytest.approx(total)
    assert grades.loc["blank", "score"] == 0
    assert grades.loc["hardcoded", "score"] == pytest.approx(sum(hard.values()))
    assert grades.loc["hardcoded", "score"] < total
    assert (grades["assignment"] == module).all()

    # The instructor's report reads the same gradebook and agrees with the export.
    db = f"sqlite:///{tmp_path / 'gradebook.db'}"
    table = cohort.grades_table(db, module)
    totals = cohort.score_distribution(table)
    assert totals.to_dict() == pytest.approx(grades["score"].to_dict())
    difficulty = cohort.task_difficulty(table).droplevel("notebook")
    expected_share = {cell: 2 / 3 for cell in points} | {cell: 1 / 3 for cell in hard_coded.caught}
    assert difficulty["share_full_points"][list(points)].to_dict() == pytest.approx(expected_share)
    written = difficulty.index.difference(list(points))  # hand-graded answers
    assert (difficulty.loc[written, "to_grade_by_hand"] == 2).all()  # blank is scored 0 already
    out = tmp_path / "report"
    assert instructor_main(["report", module, "--db", db, "--out", f"{out}.png",
                            "--csv", f"{out}.csv"]) == 0
    assert (tmp_path / "report.png").stat().st_size > 0
    assert instructor_main(["report", "no-such-module", "--db", db]) == 2
