"""The released exercises: regenerated exactly by `make exercises`, and failing as released."""

import pytest

from tests.course import run_checked
from tests.paths import BIN, MODULE_IDS, ROOT, copy_repository

pytestmark = pytest.mark.slow


def _tree(folder) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_make_exercises_and_datasets_leave_the_tree_unchanged(tmp_path):
    copy = copy_repository(tmp_path / "course")
    # An instructor who ran module 07's solution in place left its report (the model answers)
    # beside it; regenerating must not release it to trainees.
    (copy / "solutions" / "07-audit-capstone" / "audit_report.html").write_text("model answers")
    venv = BIN.parent
    # -o: the environment running these tests is taken as installed; do not rebuild it.
    run_checked(
        ["make", "--no-print-directory", f"VENV={venv}", "-o", f"{venv}/bin/.rail-installed",
         "exercises", "datasets"],
        cwd=copy,
    )
    for folder in ("exercises", "datasets"):
        before, after = _tree(ROOT / folder), _tree(copy / folder)
        assert sorted(after) == sorted(before), f"{folder}/: files differ"
        changed = [name for name in before if before[name] != after[name]]
        assert not changed, f"regenerating {folder}/ changed {changed}: run `make {folder}`"


@pytest.mark.parametrize("module", MODULE_IDS)
def test_every_graded_cell_fails_on_the_released_stub(module):
    output = run_checked(
        [str(BIN / "nbgrader"), "validate", "--invert",
         str(ROOT / "exercises" / module / "assignment.ipynb")],
        cwd=ROOT,
    )
    assert "Success! The notebook does not pass any tests." in output, output
