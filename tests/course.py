"""A throw-away copy of the course in which tests drive the real nbgrader command line."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pandas as pd
from nbformat import NotebookNode

from tests.paths import BIN, ROOT

SOLUTION_MARKERS = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")
NOTEBOOK = "assignment.ipynb"


def nbgrader_env() -> dict[str, str]:
    """The environment nbgrader needs: its own bin/ first (it calls `alembic` by name)."""
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.pop("JUPYTERHUB_USER", None)
    return env


def run_checked(args: list[str], cwd: Path, timeout: float = 600,
                env: dict[str, str] | None = None) -> str:
    """Run a command; on failure raise with its whole output, so a red test says why.

    The environment defaults to :func:`nbgrader_env`. Returns stdout followed by stderr.
    """
    result = subprocess.run(
        args, cwd=cwd, env=nbgrader_env() if env is None else env, capture_output=True,
        text=True, timeout=timeout, check=False,
    )
    output = result.stdout + result.stderr
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {result.returncode}:\n{output}")
    return output


def nb_cells(nb: NotebookNode) -> dict[str, NotebookNode]:
    """Cells of an nbgrader notebook by grade_id."""
    return {
        cell.metadata["nbgrader"]["grade_id"]: cell
        for cell in nb.cells
        if "nbgrader" in cell.metadata and "grade_id" in cell.metadata["nbgrader"]
    }


def autograded_points(source: NotebookNode) -> dict[str, float]:
    """Points of every autograded test cell of a source notebook, by grade_id."""
    return {
        grade_id: float(cell.metadata["nbgrader"]["points"])
        for grade_id, cell in nb_cells(source).items()
        if cell.metadata["nbgrader"].get("grade") and cell.cell_type == "code"
        and not cell.metadata["nbgrader"].get("solution")
    }


def solved(released: NotebookNode, source: NotebookNode) -> NotebookNode:
    """The released notebook with every answer cell filled in from the solution source."""
    answers = {
        grade_id: "\n".join(
            line for line in cell.source.splitlines() if not SOLUTION_MARKERS.match(line)
        )
        for grade_id, cell in nb_cells(source).items()
        if cell.metadata["nbgrader"].get("solution")
    }
    return with_answers(released, answers)


def with_answers(released: NotebookNode, answers: dict[str, str]) -> NotebookNode:
    """A copy of the released notebook with the answer cells named in ``answers`` replaced."""
    nb = nbformat.from_dict(released)
    cells = nb_cells(nb)
    unknown = set(answers) - set(cells)
    if unknown:
        raise KeyError(f"no cells with grade_id {sorted(unknown)}")
    for grade_id, source in answers.items():
        cells[grade_id].source = source
    return nb


class Course:
    """A temporary instructor course directory with its own exchange and trainee homes.

    Everything is copied from the repository, so the tests never touch the real tree.
    """

    def __init__(self, root: Path):
        self.root = root
        self.exchange = root / "exchange"
        shutil.copytree(ROOT / "solutions", root / "solutions")
        shutil.copy2(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
        self.exchange.mkdir(mode=0o777)
        self.exchange.chmod(0o777)  # nbgrader refuses an exchange that others cannot write

    def nbgrader(self, *args: str, cwd: Path | None = None) -> str:
        return run_checked(
            [str(BIN / "nbgrader"), *args, f"--Exchange.root={self.exchange}"],
            cwd=cwd or self.root,
        )

    def release(self, module: str) -> None:
        self.nbgrader("generate_assignment", module, "--force")
        self.nbgrader("release_assignment", module, "--force")

    def fetch(self, module: str, trainee: str) -> Path:
        """Fetch ``module`` into the trainee's home; return the notebook's path there."""
        home = self.root / "home" / trainee
        home.mkdir(parents=True, exist_ok=True)
        self.nbgrader("fetch_assignment", module, "--course=rail", cwd=home)
        return home / module / NOTEBOOK

    def submit(self, module: str, trainee: str) -> None:
        home = self.root / "home" / trainee
        self.nbgrader("submit", module, "--course=rail", f"--student={trainee}", cwd=home)

    def grade(self, module: str) -> pd.DataFrame:
        """Collect, autograde as ``make autograde`` does (rail.instructor: sandboxed, in
        parallel) and export; return the exported grades CSV as a table."""
        self.nbgrader("collect", module)
        self.autograde(module, "--force", "--jobs", "2")
        out = self.root / "grades.csv"
        self.nbgrader("export", f"--to={out}")
        return pd.read_csv(out)

    def autograde(self, module: str, *options: str, env: dict[str, str] | None = None) -> str:
        """Run ``python -m rail.instructor autograde module *options``; return its output.

        ``env``: variables added to :func:`nbgrader_env`'s environment.
        """
        return run_checked([str(BIN / "python"), "-m", "rail.instructor", "autograde", module,
                            *options], cwd=self.root, timeout=900,
                           env={**nbgrader_env(), **(env or {})})

    def cell_scores(self, module: str, trainee: str) -> dict[str, float]:
        """Score of every automatically scored cell of one trainee's notebook, by grade_id.

        Besides the test cells, nbgrader scores a written answer left blank as zero.
        """
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{self.root / 'gradebook.db'}") as gradebook:
            notebook = gradebook.find_submission_notebook(
                NOTEBOOK.removesuffix(".ipynb"), module, trainee
            )
            return {
                grade.name: float(grade.score)
                for grade in notebook.grades
                if grade.auto_score is not None
            }
