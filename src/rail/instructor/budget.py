"""How long a submission of a module may run: ten times the solution's own run time.

When a module is released (``make release``, or ``python -m rail.instructor budget
MODULE``), the grader grades the module's solution exactly as it will grade a submission, in
the sandbox, and records in ``budgets/MODULE.json`` how long it ran. A submission then gets
:func:`time_budget` seconds for its whole notebook: enough for honest code several times
slower than the solution, while a notebook that sleeps in every cell, or has thousands of
cells, holds a worker for a bounded time. The same run checks that the solution earns every
autograded point and raises no integrity finding: a module that fails that check would
grade honest trainees wrongly.

If no budget was recorded, the grader measures it before grading a cohort.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rail.instructor.course import CourseFolders

FOLDER = "budgets"
FACTOR = 10
MINIMUM = 60.0
SOLUTION_ID = "rail-solution-check"
"""The trainee id under which the solution is graded (never merged into the gradebook)."""


@dataclass(frozen=True)
class Budget:
    """The solution of a module as graded: its run time and what it earned."""

    module: str
    solution_seconds: float
    points: float
    autograded_points: float
    findings: list[str] = field(default_factory=list)
    measured_at: str = ""

    @property
    def seconds(self) -> float:
        """The time budget of a submission of this module."""
        return max(MINIMUM, math.ceil(FACTOR * self.solution_seconds))

    @property
    def healthy(self) -> bool:
        """The solution earns every autograded point and raises no finding."""
        return not self.findings and self.points >= self.autograded_points

    def describe(self) -> str:
        text = (f"{self.module}: the solution ran in {self.solution_seconds:.1f} s and earned "
                f"{self.points:g} of {self.autograded_points:g} autograded points; a "
                f"submission may run {self.seconds:g} s")
        if not self.healthy:
            text += (". WARNING: the solution itself does not pass the grader"
                     + (f" ({'; '.join(self.findings)})" if self.findings else "")
                     + ": fix the module before grading")
        return text


def budget_path(course: CourseFolders, module: str) -> Path:
    return course.root / FOLDER / f"{module}.json"


def read_budget(course: CourseFolders, module: str) -> Budget | None:
    """The recorded budget of ``module``, or None."""
    path = budget_path(course, module)
    try:
        return Budget(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None


def write_budget(course: CourseFolders, budget: Budget) -> Path:
    path = budget_path(course, budget.module)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(budget), indent=1) + "\n")
    return path


def new_budget(module: str, seconds: float, points: float, autograded: float,
               findings: list[str]) -> Budget:
    return Budget(module, round(seconds, 2), points, autograded, findings,
                  time.strftime("%Y-%m-%d %H:%M:%S %z"))
