"""The course gradebook: copies for private grading, merging grades back, reading a module."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rail.instructor.course import CourseFolders, GradingError
from rail.instructor.outcomes import GRADED_EARLIER, NEEDS_REVIEW, Outcome


def copy_gradebook(source_url: str, target_url: str) -> None:
    """Copy every row of the gradebook at ``source_url`` into a new, empty database at
    ``target_url``, with its schema version (so nbgrader takes it as up to date).

    nbgrader's own way to create a gradebook asks the ``alembic`` command for the version,
    a new Python process that takes seconds; the source already knows it.
    """
    import sqlalchemy as sa
    from nbgrader.api import Base

    version_table = sa.Table("alembic_version", sa.MetaData(),
                             sa.Column("version_num", sa.String(32), nullable=False))
    source, target = sa.create_engine(source_url), sa.create_engine(target_url)
    try:
        with source.connect() as read, target.begin() as write:
            for table in [*Base.metadata.sorted_tables, version_table]:
                table.create(write)
                rows = [dict(row._mapping) for row in read.execute(table.select())]
                if rows:
                    write.execute(table.insert(), rows)
    finally:
        source.dispose()
        target.dispose()


def merge_submission(source_url: str, target: Any, *, assignment: str, student: str) -> float:
    """Copy one trainee's graded submission from the gradebook at ``source_url`` into the
    open gradebook ``target`` (an ``nbgrader.api.Gradebook``, kept open for a whole run).

    Every score and comment nbgrader records is copied, so the target ends up as if
    nbgrader had graded the submission there. Returns the submission's score. On an error
    the target's transaction is rolled back, so nothing half-copied stays.
    """
    try:
        return _merge(source_url, target, assignment, student)
    except Exception:
        target.db.rollback()
        raise


def _merge(source_url: str, target: Any, assignment: str, student: str) -> float:
    import warnings

    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SAWarning

    with Gradebook(source_url, target.course_id) as source, warnings.catch_warnings():
        # nbgrader's update_or_create_submission autoflushes half-built rows; harmless, and
        # nbgrader's own autograde prints the same warnings.
        warnings.filterwarnings("ignore", "Object of type", SAWarning)
        graded = source.find_submission(assignment, student)
        target.update_or_create_student(student)
        target.update_or_create_submission(assignment, student, timestamp=graded.timestamp)
        for notebook in graded.notebooks:
            into = target.find_submission_notebook(notebook.name, assignment, student)
            into.flagged = notebook.flagged
            into.late_submission_penalty = notebook.late_submission_penalty
            for grade in notebook.grades:
                copy = target.find_grade(grade.name, notebook.name, assignment, student)
                for name in ("auto_score", "manual_score", "extra_credit",
                             "needs_manual_grade"):
                    setattr(copy, name, getattr(grade, name))
            for comment in notebook.comments:
                copy = target.find_comment(comment.name, notebook.name, assignment, student)
                copy.auto_comment = comment.auto_comment
                copy.manual_comment = comment.manual_comment
        target.db.commit()
        return float(target.find_submission(assignment, student).score)


@dataclass(frozen=True)
class ReleasedNotebook:
    """One notebook of a module as trainees received it."""

    cells: int
    """How many cells it has."""
    marks: dict[str, tuple[str, dict]]
    """grade_id -> (cell type, nbgrader metadata) of every cell nbgrader tracks."""
    tests: dict[str, str]
    """grade_id -> checksum of each autograded test cell (the visible part)."""


@dataclass(frozen=True)
class ModuleRecord:
    """A module as released: its notebooks and total points."""

    name: str
    max_score: float
    released: dict[str, ReleasedNotebook]

    @property
    def notebooks(self) -> tuple[str, ...]:
        return tuple(sorted(self.released))


def read_module(course: CourseFolders, assignment: str) -> ModuleRecord:
    """The module's record: notebooks and points from the gradebook, cells from the
    released notebooks.

    The released version is the reference for "did the trainee change this test": the
    gradebook holds each test with its hidden part, so its checksum differs from the
    released cell's even when nothing was touched.
    """
    import nbformat
    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.utils import compute_checksum, is_grade, is_locked, is_solution

    with Gradebook(course.db_url, course.course_id) as gradebook:
        try:
            found = gradebook.find_assignment(assignment)
        except MissingEntry:
            raise GradingError(
                f"the gradebook has no module {assignment!r}: run "
                f"'nbgrader generate_assignment {assignment}' first") from None
        names = sorted(nb.name for nb in found.notebooks)
        max_score = float(found.max_score)
    released = {}
    for name in names:
        path = course.path("release", ".", assignment) / f"{name}.ipynb"
        if not path.is_file():
            raise GradingError(f"no released notebook {path}: run "
                               f"'nbgrader generate_assignment {assignment}' first")
        cells = nbformat.read(path, as_version=4).cells
        marks = {cell.metadata.nbgrader["grade_id"]: (cell.cell_type,
                                                     dict(cell.metadata.nbgrader))
                 for cell in cells if "grade_id" in cell.metadata.get("nbgrader", {})}
        tests = {cell.metadata.nbgrader["grade_id"]: compute_checksum(cell)
                 for cell in cells
                 if cell.cell_type == "code" and is_grade(cell) and is_locked(cell)
                 and not is_solution(cell)}
        released[name] = ReleasedNotebook(len(cells), marks, tests)
    return ModuleRecord(assignment, max_score, released)


def roster(course: CourseFolders) -> list[str]:
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url, course.course_id) as gradebook:
        return sorted(student.id for student in gradebook.students)


def earlier_outcomes(course: CourseFolders, module: ModuleRecord,
                     students: Sequence[str]) -> list[Outcome]:
    """Outcomes of trainees graded before and not submitted again, from one gradebook read.

    A submission flagged for review whose withheld tests still await the instructor stays
    "needs review".
    """
    if not students:
        return []
    from nbgrader.api import Gradebook

    outcomes = []
    with Gradebook(course.db_url, course.course_id) as gradebook:
        for student in students:
            submission = gradebook.find_submission(module.name, student)
            waiting = [grade.name for notebook in submission.notebooks if notebook.flagged
                       for grade in notebook.grades
                       if grade.needs_manual_grade and grade.cell_type == "code"]
            outcome = Outcome(student, GRADED_EARLIER, float(submission.score),
                              module.max_score,
                              ["not submitted again since; --force grades it again"])
            if waiting:
                outcome.status = NEEDS_REVIEW
                outcome.notes.append("points of " + ", ".join(map(repr, sorted(waiting)))
                                     + " are still withheld for your review")
            outcomes.append(outcome)
    return outcomes


def withhold_for_review(db_url: str, assignment: str, student: str,
                        withheld: dict[str, Sequence[str]]) -> None:
    """Mark the tests whose points were withheld (per notebook: grade ids) as needing a
    manual grade, and their notebooks as flagged, so formgrader lists the submission for
    the instructor to decide."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gradebook:
        for notebook, grade_ids in withheld.items():
            found = gradebook.find_submission_notebook(notebook, assignment, student)
            found.flagged = True
            for grade_id in grade_ids:
                grade = gradebook.find_grade(grade_id, notebook, assignment, student)
                grade.needs_manual_grade = True
        gradebook.db.commit()
