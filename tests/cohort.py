"""A course with a cohort of submissions put straight into ``submitted/``, for grader tests.

``nbgrader collect`` leaves each submission in ``submitted/<trainee>/<module>/`` with a
``timestamp.txt``; the tests build that layout directly (the exchange round trip is tested
in ``test_grading_round_trip``), which makes a cohort of many trainees cheap.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from tests.course import NOTEBOOK, Course, solved, with_answers
from tests.paths import ROOT

TIMESTAMP = "2026-11-22 09:00:00.000000 UTC"


class Cohort(Course):
    """A course copy with module ``module`` generated and submissions written by the tests."""

    def __init__(self, root: Path, module: str, extra_config: str = ""):
        super().__init__(root)
        if extra_config:  # before nbgrader makes any gradebook
            with (root / "nbgrader_config.py").open("a") as handle:
                handle.write("\n" + extra_config)
        self.module = module
        self.nbgrader("generate_assignment", module, "--force")
        self.source = nbformat.read(ROOT / "solutions" / module / NOTEBOOK, as_version=4)
        self.released = nbformat.read(root / "exercises" / module / NOTEBOOK, as_version=4)

    def folder(self, trainee: str) -> Path:
        return self.root / "submitted" / trainee / self.module

    def submit_notebook(self, trainee: str, nb: NotebookNode, name: str = NOTEBOOK) -> Path:
        return self.submit_text(trainee, name, nbformat.writes(nb))

    def submit_text(self, trainee: str, name: str, text: str) -> Path:
        """Write ``name`` into the trainee's submission, stamped as ``nbgrader collect`` does."""
        folder = self.folder(trainee)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "timestamp.txt").write_text(TIMESTAMP)
        (folder / name).write_text(text, encoding="utf-8")
        return folder / name

    def solution(self) -> NotebookNode:
        return solved(self.released, self.source)

    def solution_with(self, answers: dict[str, str]) -> NotebookNode:
        """The solution with some answer cells replaced."""
        return with_answers(self.solution(), answers)

    def answer(self, grade_id: str) -> str:
        """The solution's answer for one cell, without the solution markers."""
        for cell in self.solution().cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
                return cell.source
        raise KeyError(grade_id)


def tree_digest(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder``, by relative path (to prove nothing changed)."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*")) if path.is_file()
    }
