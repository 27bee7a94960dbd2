"""Every notebook is valid, runnable in the course kernel, and carries only the outputs it should.

Executing the notebooks is done by the nbval collector (see ``conftest.py``); these tests check
their files.
"""

import re
from pathlib import Path

import nbformat
import pytest

from tests.paths import MODULE_IDS, ROOT

NOTEBOOKS = [
    Path("index.ipynb"),
    *sorted(
        p.relative_to(ROOT) for folder in ("modules", "solutions", "exercises")
        for p in (ROOT / folder).rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
    ),
]
LESSONS = [p for p in NOTEBOOKS if p.parts[0] == "modules"]
NO_OUTPUTS = [p for p in NOTEBOOKS if p.parts[0] != "modules"]


def _read(relative):
    return nbformat.read(ROOT / relative, as_version=4)


def _code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def test_every_module_has_a_lesson_a_solution_and_an_exercise():
    assert MODULE_IDS, "no modules found"
    for module in MODULE_IDS:
        for folder, name in (("modules", "lesson"), ("solutions", "assignment"),
                             ("exercises", "assignment")):
            assert (ROOT / folder / module / f"{name}.ipynb").is_file(), f"{folder}/{module}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=str)
def test_valid_nbformat_with_the_course_kernel(path):
    nb = _read(path)
    nbformat.validate(nb)
    kernelspec = nb.metadata.get("kernelspec", {})
    assert kernelspec.get("name") == "python3", f"{path}: kernelspec {kernelspec}"
    assert kernelspec.get("language") == "python"


@pytest.mark.parametrize("path", NO_OUTPUTS, ids=str)
def test_no_stray_outputs(path):
    for cell in _code_cells(_read(path)):
        assert cell.outputs == [], f"{path}: outputs in cell {cell.source[:60]!r}"
        assert cell.execution_count is None, f"{path}: execution count in {cell.source[:60]!r}"


@pytest.mark.parametrize("path", LESSONS, ids=str)
def test_lessons_were_run_top_to_bottom_in_one_session(path):
    counts = [cell.execution_count for cell in _code_cells(_read(path))]
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path}: execution counts {counts}; restart the kernel and run all before committing"
    )


@pytest.mark.parametrize("path", LESSONS, ids=str)
def test_lessons_carry_no_widget_state(path):
    # nbconvert stores the state of every widget it ran; it changes on each run (diff noise)
    # and is only a frozen copy. Live widgets come back when the reader runs the cell.
    assert "widgets" not in _read(path).metadata, f"{path}: strip metadata.widgets"


@pytest.mark.parametrize("path", LESSONS, ids=str)
def test_lessons_carry_no_error_outputs(path):
    for cell in _code_cells(_read(path)):
        for output in cell.outputs:
            assert output.output_type != "error", f"{path}: error in {cell.source[:60]!r}"


@pytest.mark.parametrize("module", MODULE_IDS)
def test_released_exercise_hides_solutions_hidden_tests_and_rubrics(module):
    text = (ROOT / "exercises" / module / "assignment.ipynb").read_text(encoding="utf-8")
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "MARK SCHEME",
                   "Rubric"):
        assert marker not in text, f"exercises/{module} leaks {marker!r}"


@pytest.mark.parametrize("module", MODULE_IDS)
def test_assignment_states_its_total_points(module):
    nb = _read(ROOT / "solutions" / module / "assignment.ipynb")
    points = sum(
        cell.metadata["nbgrader"].get("points", 0)
        for cell in nb.cells if cell.metadata.get("nbgrader", {}).get("grade")
    )
    intro = nb.cells[0].source
    assert re.search(rf"\b{points:g} points\b", intro), (
        f"solutions/{module}: the first cell must state the total ({points:g} points)"
    )


def test_index_lists_every_module_in_order_with_working_links():
    index = _read("index.ipynb")
    text = "\n".join(cell.source for cell in index.cells)
    links = re.findall(r"\]\((modules/[^)]+)\)", text)
    linked_modules = [link.split("/")[1] for link in links]
    assert linked_modules == MODULE_IDS, "the index must link every module's lesson, in order"
    for link in links:
        assert (ROOT / link).is_file(), f"index.ipynb links to missing {link}"

