"""Reports on a graded cohort, read from nbgrader's gradebook.

After ``nbgrader autograde`` (and any manual grading in the formgrader), an instructor wants
to see two things per module: how the scores are spread, and which task trips people. The
second is the *difficulty* of each graded cell: the share of trainees who earned its full
points.

Command line::

    python -m rail.instructor report 01-data-and-bias --out reports/01.png
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from rail.plotting import PALETTE, label

GRADE_COLUMNS = ["student", "notebook", "cell", "score", "max_score", "needs_manual_grade"]


def grades_table(db_url: str, assignment: str) -> pd.DataFrame:
    """One row per trainee and graded cell of ``assignment``, with columns ``GRADE_COLUMNS``.

    Raises
    ------
    ValueError
        If the gradebook has no such assignment, or no submissions of it.
    """
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gradebook:
        try:
            found = gradebook.find_assignment(assignment)
        except MissingEntry:
            raise ValueError(f"the gradebook {db_url} has no assignment {assignment!r}") from None
        rows = [
            {
                "student": submission.student_id,
                "notebook": notebook.name,
                "cell": grade.name,
                "score": float(grade.score),
                "max_score": float(grade.max_score),
                "needs_manual_grade": bool(grade.needs_manual_grade),
            }
            for submission in found.submissions
            for notebook in submission.notebooks
            for grade in notebook.grades
        ]
    if not rows:
        raise ValueError(f"no graded submissions of {assignment!r} in {db_url}")
    return pd.DataFrame(rows, columns=GRADE_COLUMNS)


def task_difficulty(grades: pd.DataFrame) -> pd.DataFrame:
    """Per graded cell: trainees, points, mean score, share earning full points, still to grade.

    Sorted hardest first (lowest share earning full points).
    """
    table = grades.groupby(["notebook", "cell"]).agg(
        trainees=("student", "nunique"),
        points=("max_score", "max"),
        mean_score=("score", "mean"),
        to_grade_by_hand=("needs_manual_grade", "sum"),
    )
    full = (grades["score"] >= grades["max_score"]).groupby(
        [grades["notebook"], grades["cell"]]
    ).mean()
    table["share_full_points"] = full
    return table.sort_values(["share_full_points", "mean_score"])


def score_distribution(grades: pd.DataFrame) -> pd.Series:
    """Total score of each trainee (autograded plus any manual grades so far)."""
    return grades.groupby("student")["score"].sum().rename("total").sort_values()


def plot_report(grades: pd.DataFrame, *, assignment: str) -> Figure:
    """Two panels: the distribution of total scores, and the share earning each cell's points."""
    totals = score_distribution(grades)
    difficulty = task_difficulty(grades)
    maximum = grades.groupby("student")["max_score"].sum().max()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11.0, 4.0))
    left.hist(totals, bins=min(20, max(1, int(maximum))), range=(0, maximum), color=PALETTE[0])
    label(left, title=f"{assignment}: total scores ({len(totals)} trainees)",
          xlabel=f"Total score (points, out of {maximum:g})", ylabel="Trainees")
    names = [cell for _, cell in difficulty.index]
    right.barh(names, difficulty["share_full_points"], color=PALETTE[1])
    right.set_xlim(0, 1)
    label(right, title="Which task trips people",
          xlabel="Share of trainees with full points (0-1)", ylabel="Graded cell")
    fig.tight_layout()
    return fig
