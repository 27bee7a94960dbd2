"""Grade a cohort's submissions of one module: sandboxed, in parallel, with nothing lost.

nbgrader's ``autograde`` grades one submission at a time, inside the course folder, with the
trainee's code running as the instructor. ``python -m rail.instructor autograde MODULE``
grades the same submissions with nbgrader's own autograder, but

* each submission is graded in a private copy: a one-trainee course holding the submission
  and a copy of the gradebook; the submitted files are never modified;
* the trainee's kernel runs in the sandbox of :mod:`rail.instructor.sandbox` (no course
  files, no network, an unprivileged user, a memory limit), with a time limit per cell and
  a cap on the output it may print;
* several submissions are graded at once (``--jobs``); their grades are merged into the
  course gradebook by this process alone, one submission at a time, so any database nbgrader
  supports (SQLite, PostgreSQL) stays consistent;
* every trainee gets an outcome: the score and, when something was wrong with the
  submission, what (printed, and written to ``outcomes/MODULE.csv``).
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing.context import BaseContext
from pathlib import Path

from rail.instructor.course import CourseFolders, already_graded, load_course, submitted_students
from rail.instructor.execute import execution_notes
from rail.instructor.gradebook import (
    ModuleRecord,
    copy_gradebook,
    earlier_outcomes,
    merge_submission,
    read_module,
    roster,
)
from rail.instructor.jobs import (
    Job,
    failure_reason,
    nbgrader_processes,
    run_autograde,
    stopping_on_interrupt,
)
from rail.instructor.outcomes import GRADED, NOT_GRADED, NOT_SUBMITTED, Outcome
from rail.instructor.sandbox import (
    GIB,
    SandboxPolicy,
    bwrap_path,
    safe_readonly_paths,
    write_kernel_spec,
)
from rail.instructor.submission import inspect_submission
from rail.instructor.workspace import prepare, private_course_config, publish_autograded


@dataclass(frozen=True)
class GradingOptions:
    """How to grade. ``cell_timeout=None`` keeps the course's own setting."""

    jobs: int = 0
    cell_timeout: int | None = None
    submission_timeout: float = 900
    memory_limit: int = 2 * GIB
    max_output_bytes: int = 1_000_000
    sandbox: bool = True
    force: bool = False

    @property
    def workers(self) -> int:
        return self.jobs if self.jobs > 0 else max(1, len(os.sched_getaffinity(0)))


def grade_one(job: Job, course: CourseFolders, module: ModuleRecord, template_db: Path,
              jupyter_dir: Path, options: GradingOptions,
              processes: BaseContext) -> tuple[Outcome, int | None, str]:
    """Prepare and grade one submission in its private course (thread-safe: no shared
    state). Returns its provisional outcome, the exit code and the log."""
    config = private_course_config(course, job.work, max_output_bytes=options.max_output_bytes,
                                   cell_timeout=options.cell_timeout, sandbox=options.sandbox)
    prepare(job, course, module, template_db, config)
    code, log = run_autograde(job, module.name, jupyter_dir, processes,
                              timeout=options.submission_timeout)
    outcome = Outcome(job.student, GRADED, max_score=module.max_score,
                      notes=list(job.inspection.notes))
    if code != 0:
        outcome.status = NOT_GRADED
        outcome.notes.append(failure_reason(code, log, timeout=options.submission_timeout))
        return outcome, code, log
    graded = course.private_path(job.work, "autograded", job.student, module.name)
    for notebook in sorted(graded.glob("*.ipynb")):
        outcome.notes += execution_notes(notebook, memory_limit=options.memory_limit,
                                          max_output_bytes=options.max_output_bytes)
    return outcome, code, log


def grade_cohort(root: Path, assignment: str, *, students: Sequence[str] | None = None,
                 options: GradingOptions | None = None,
                 progress: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Autograde every submission of ``assignment`` in the course at ``root``.

    Parameters
    ----------
    root:
        The course folder (with ``nbgrader_config.py``).
    assignment:
        The module id, as in ``nbgrader generate_assignment``.
    students:
        Grade only these trainees (default: every trainee who submitted, and an outcome
        "not submitted" for every trainee on the gradebook's roster who did not).
    options:
        Workers, limits, sandbox; see :class:`GradingOptions`.
    progress:
        Called with each outcome as soon as it is known.

    Returns
    -------
    One :class:`Outcome` per trainee, sorted by id. Graded submissions are merged into the
    course gradebook, and their graded notebooks copied to the course's ``autograded``
    folder, as ``nbgrader autograde`` would leave them.
    """
    options = options or GradingOptions()
    course = load_course(root)
    if options.sandbox:
        bwrap_path()  # fail early, with the install hint, before any work
    module = read_module(course, assignment)
    if students is None:
        students = sorted(set(submitted_students(course, assignment)) | set(roster(course)))
    report = progress or (lambda outcome: None)
    outcomes: list[Outcome] = []

    def done(outcome: Outcome) -> None:
        outcomes.append(outcome)
        report(outcome)

    with tempfile.TemporaryDirectory(prefix="rail-grade-") as scratch_name:
        scratch = Path(scratch_name)
        template_db = scratch / "template.db"
        copy_gradebook(course.db_url, f"sqlite:///{template_db}")
        jupyter_dir = scratch / "jupyter"
        if options.sandbox:
            policy = SandboxPolicy(
                readonly=safe_readonly_paths([*course.secrets(), scratch],
                                             extra=[_data_dir()]),
                memory_limit=options.memory_limit,
            )
            policy.save(scratch / "policy.json")
            write_kernel_spec(jupyter_dir, scratch / "policy.json")

        earlier = set() if options.force else {
            student for student in students if already_graded(course, assignment, student)}
        for outcome in earlier_outcomes(course, module, sorted(earlier)):
            done(outcome)
        jobs, stop = [], threading.Event()
        for number, student in enumerate(students):
            if student in earlier:
                continue
            inspection = inspect_submission(course.path("submitted", student, assignment),
                                            module)
            if inspection.reason_not_graded is not None:
                status = (NOT_SUBMITTED if inspection.reason_not_graded == "nothing submitted"
                          else NOT_GRADED)
                done(Outcome(student, status, max_score=module.max_score,
                             notes=[inspection.reason_not_graded]))
                continue
            jobs.append(Job(student, scratch / f"w{number}", inspection, stop))

        with ThreadPoolExecutor(max_workers=options.workers) as pool, \
                stopping_on_interrupt(pool, jobs, stop):
            processes = nbgrader_processes()
            futures = {pool.submit(grade_one, job, course, module, template_db, jupyter_dir,
                                   options, processes): job for job in jobs}
            for future in as_completed(futures):
                job = futures[future]
                try:
                    outcome, code, _ = future.result()
                except Exception as error:  # one submission must never stop the cohort
                    done(Outcome(job.student, NOT_GRADED, max_score=module.max_score,
                                 notes=[f"grader error: {type(error).__name__}: {error}"]))
                    continue
                if code == 0:
                    # Only this thread writes to the course: one submission at a time.
                    try:
                        outcome.score = merge_submission(
                            f"sqlite:///{job.work / 'gradebook.db'}", course.db_url,
                            course.course_id, assignment, job.student)
                        publish_autograded(job, course, assignment)
                    except Exception as error:
                        outcome.status = NOT_GRADED
                        outcome.notes.append(f"grader error while recording the grades: "
                                             f"{type(error).__name__}: {error}")
                done(outcome)
    return sorted(outcomes, key=lambda o: o.student)


def _data_dir() -> str:
    from rail.datasets import data_dir

    return str(data_dir())
