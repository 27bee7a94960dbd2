"""The course gradebook: copies for private grading, merging grades back, reading a module."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rail.instructor.course import CourseFolders, GradingError
from rail.instructor.outcomes import GRADED_EARLIER, Outcome


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


def merge_submission(source_url: str, target_url: str, course_id: str, assignment: str,
                     student: str) -> float:
    """Copy one trainee's graded submission from ``source_url`` into ``target_url``.

    Every score and comment nbgrader records is copied, so the target ends up as if
    nbgrader had graded the submission there. Returns the submission's score.
    """
    import warnings

    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SAWarning

    with Gradebook(source_url, course_id) as source, Gradebook(target_url, course_id) as target, \
            warnings.catch_warnings():
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
class ModuleRecord:
    """A module as released: its notebooks, total points, and its test cells."""

    name: str
    notebooks: tuple[str, ...]
    max_score: float
    tests: dict[str, dict[str, str]]
    """Per notebook: grade_id -> checksum of each autograded test cell, as released."""


def read_module(course: CourseFolders, assignment: str) -> ModuleRecord:
    """The module's record: notebooks and points from the gradebook, test cells from the
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
        notebooks = tuple(sorted(nb.name for nb in found.notebooks))
        max_score = float(found.max_score)
    tests = {}
    for name in notebooks:
        released = course.path("release", ".", assignment) / f"{name}.ipynb"
        if not released.is_file():
            raise GradingError(f"no released notebook {released}: run "
                               f"'nbgrader generate_assignment {assignment}' first")
        tests[name] = {
            cell.metadata.nbgrader["grade_id"]: compute_checksum(cell)
            for cell in nbformat.read(released, as_version=4).cells
            if cell.cell_type == "code" and is_grade(cell) and is_locked(cell)
            and not is_solution(cell)
        }
    return ModuleRecord(assignment, notebooks, max_score, tests)


def roster(course: CourseFolders) -> list[str]:
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url, course.course_id) as gradebook:
        return sorted(student.id for student in gradebook.students)


def earlier_outcomes(course: CourseFolders, module: ModuleRecord,
                      students: Sequence[str]) -> list[Outcome]:
    """Outcomes of trainees graded before and not submitted again, from one gradebook read."""
    if not students:
        return []
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url, course.course_id) as gradebook:
        return [Outcome(student, GRADED_EARLIER,
                        float(gradebook.find_submission(module.name, student).score),
                        module.max_score, ["not submitted again since; --force grades it again"])
                for student in students]
