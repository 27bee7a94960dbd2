"""Inspecting a submission before it runs: fast, in-process, on small notebooks."""

from __future__ import annotations

import copy

import nbformat
import pytest
from nbgrader.utils import compute_checksum, is_grade, is_locked, is_solution

from rail.instructor.gradebook import ModuleRecord, ReleasedNotebook
from rail.instructor.submission import clean_marks, inspect_submission, max_cells
from tests.course import NOTEBOOK, nb_cells
from tests.paths import ROOT

MODULE = "00-orientation"


@pytest.fixture(scope="module")
def released() -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "exercises" / MODULE / NOTEBOOK, as_version=4)


@pytest.fixture(scope="module")
def module(released) -> ModuleRecord:
    marks = {c.metadata.nbgrader["grade_id"]: (c.cell_type, dict(c.metadata.nbgrader))
             for c in released.cells if "grade_id" in c.metadata.get("nbgrader", {})}
    tests = {c.metadata.nbgrader["grade_id"]: compute_checksum(c) for c in released.cells
             if c.cell_type == "code" and is_grade(c) and is_locked(c) and not is_solution(c)}
    return ModuleRecord(MODULE, 10.0, {"assignment": ReleasedNotebook(len(released.cells),
                                                                      marks, tests)})


def submit(tmp_path, nb) -> None:
    tmp_path.mkdir(exist_ok=True)
    nbformat.write(nb, tmp_path / NOTEBOOK)


def test_an_untouched_release_needs_no_note(tmp_path, released, module):
    submit(tmp_path, released)
    found = inspect_submission(tmp_path, module)
    assert (found.notes, found.reason_not_graded, list(found.cleaned)) == ([], None,
                                                                           ["assignment"])


def test_cells_with_grade_ids_the_release_lacks_become_ordinary(released, module):
    nb = copy.deepcopy(released)
    nb.cells.append(nbformat.v4.new_code_cell("pass", metadata={"nbgrader": {
        "grade": True, "grade_id": "bonus", "points": 1000, "locked": True,
        "solution": False, "schema_version": 3}}))
    notes = clean_marks(nb, module.released["assignment"])
    assert "nbgrader" not in nb.cells[-1].metadata
    assert notes == [f"cell #{len(nb.cells)} carried grade id 'bonus', which the release does "
                     "not have: it ran as an ordinary cell"]


def test_duplicates_keep_the_last_copy_with_the_released_marks(released, module):
    nb = copy.deepcopy(released)
    test = nb_cells(nb)["test_false_alert_share"]
    forged = copy.deepcopy(test)
    forged.metadata.nbgrader["points"] = 1000
    forged.source = "pass"
    nb.cells.append(forged)
    notes = clean_marks(nb, module.released["assignment"])
    kept = [c for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade_id") == "test_false_alert_share"]
    assert kept == [nb.cells[-1]]
    assert kept[0].metadata.nbgrader == module.released["assignment"].marks[
        "test_false_alert_share"][1]
    assert "nbgrader" not in test.metadata
    assert any("appeared 2 times" in note for note in notes)
    assert any("had its nbgrader marks changed" in note for note in notes)


def test_a_notebook_with_far_more_cells_than_the_release_is_refused(tmp_path, released,
                                                                   module):
    nb = copy.deepcopy(released)
    limit = max_cells(module.released["assignment"])
    nb.cells += [nbformat.v4.new_code_cell("pass") for _ in range(limit)]
    submit(tmp_path, nb)
    found = inspect_submission(tmp_path, module)
    assert found.reason_not_graded is not None
    assert f"the release has {len(released.cells)} and at most {limit} are graded" \
        in found.reason_not_graded


def test_a_few_extra_cells_are_fine(tmp_path, released, module):
    nb = copy.deepcopy(released)
    nb.cells += [nbformat.v4.new_code_cell("x = 1") for _ in range(20)]
    submit(tmp_path, nb)
    assert inspect_submission(tmp_path, module).reason_not_graded is None


@pytest.mark.parametrize(("content", "reason"), [
    (b'{"cells": [', "not valid JSON (line 1"),
    (b"\xff\xfe\x00", "it is not text (UTF-8)"),
    (b'{"cells": 3}', "not a valid notebook"),
])
def test_a_damaged_notebook_is_refused_with_the_reason(tmp_path, module, content, reason):
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / NOTEBOOK).write_bytes(content)
    found = inspect_submission(tmp_path, module)
    assert reason in (found.reason_not_graded or ""), found


def test_an_empty_folder_and_a_missing_one(tmp_path, module):
    assert inspect_submission(tmp_path / "none", module).reason_not_graded == \
        "nothing submitted"
    tmp_path.mkdir(exist_ok=True)
    assert "assignment.ipynb is missing" in inspect_submission(tmp_path, module) \
        .reason_not_graded
