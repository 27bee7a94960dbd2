"""Grade a cohort's submissions of one module: sandboxed, in parallel, with nothing lost.

nbgrader's ``autograde`` grades one submission at a time, inside the course folder, with the
trainee's code running as the instructor. ``python -m rail.instructor autograde MODULE``
grades the same submissions with nbgrader's own autograder, but

* each submission is graded in a private copy: a one-trainee course holding the submission
  and a copy of the gradebook; the submitted files are never modified, and only the graded
  notebooks come back;
* the trainee's kernel runs in the sandbox of :mod:`rail.instructor.sandbox`, with limits of
  its own (:mod:`rail.instructor.limits`) and a time budget that follows from the
  solution's run time (:mod:`rail.instructor.budget`);
* the grader checks that trainee code did not change the grading (:mod:`~.guard`); points
  it cannot confirm are withheld and the outcome is "needs review";
* several submissions are graded at once (``--jobs``); their grades are merged into the
  course gradebook by this process alone, one submission at a time, so any database nbgrader
  supports (SQLite, PostgreSQL) stays consistent;
* every trainee gets an outcome: the score and, when something was wrong with the
  submission, what (printed, and written to ``outcomes/MODULE.csv``).
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing.context import BaseContext
from pathlib import Path

from rail.instructor.budget import SOLUTION_ID, Budget, new_budget, read_budget, write_budget
from rail.instructor.course import CourseFolders, already_graded, load_course, submitted_students
from rail.instructor.gradebook import (
    ModuleRecord,
    copy_gradebook,
    earlier_outcomes,
    merge_submission,
    read_module,
    roster,
    withhold_for_review,
)
from rail.instructor.jobs import (
    Isolation,
    Job,
    failure_reason,
    nbgrader_processes,
    run_autograde,
    stopping_on_interrupt,
)
from rail.instructor.limits import CgroupParent, find_cgroup_parent
from rail.instructor.outcomes import GRADED, NEEDS_REVIEW, NOT_GRADED, NOT_SUBMITTED, Outcome
from rail.instructor.sandbox import (
    GIB,
    SYSTEM_PATHS,
    SandboxPolicy,
    bwrap_path,
    safe_readonly_paths,
    write_kernel_spec,
)
from rail.instructor.submission import Inspection, inspect_submission
from rail.instructor.workspace import (
    REPORT_FILE,
    prepare,
    private_course_config,
    publish_autograded,
)

MIB = 1024**2


@dataclass(frozen=True)
class GradingOptions:
    """How to grade. Every limit holds for each submission on its own.

    ``cell_timeout=None`` keeps the course's own setting; ``submission_timeout=None`` takes
    the module's time budget (ten times the solution's run time, at least a minute).
    """

    jobs: int = 0
    cell_timeout: int | None = None
    submission_timeout: float | None = None
    memory_limit: int = 2 * GIB
    max_processes: int = 256
    scratch_size: int = 512 * MIB
    scratch_files: int = 2000
    max_output_bytes: int = 1_000_000
    max_notebook_bytes: int = 20 * MIB
    sandbox: bool = True
    force: bool = False

    def __post_init__(self) -> None:
        if self.jobs < 0:
            raise ValueError(f"jobs must be 0 (one per core) or more, got {self.jobs}")
        for name in ("memory_limit", "max_processes", "scratch_size", "scratch_files",
                     "max_output_bytes", "max_notebook_bytes"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        for name in ("cell_timeout", "submission_timeout"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be positive seconds, got {value}")

    @property
    def workers(self) -> int:
        return self.jobs if self.jobs > 0 else max(1, len(os.sched_getaffinity(0)))

    @property
    def isolated(self) -> bool:
        """Each kernel gets a user, scratch space and control group of its own."""
        return self.sandbox and os.geteuid() == 0


@dataclass
class Run:
    """What the jobs of one grading run share."""

    course: CourseFolders
    module: ModuleRecord
    options: GradingOptions
    time_budget: float
    template_db: Path
    jupyter_dir: Path
    cgroups: CgroupParent = field(default_factory=CgroupParent)

    @property
    def hard_limit(self) -> float:
        """When a job's nbgrader is killed: well after its notebook's time budget."""
        return 1.5 * self.time_budget + 120


def grade_one(job: Job, run: Run, processes: BaseContext) -> tuple[Outcome, int | None]:
    """Prepare and grade one submission in its private course (thread-safe: nothing shared
    is written). Returns its provisional outcome and nbgrader's exit code."""
    options, module = run.options, run.module
    config = private_course_config(run.course, job.work,
                                   max_output_bytes=options.max_output_bytes,
                                   cell_timeout=options.cell_timeout,
                                   time_budget=run.time_budget, sandbox=options.sandbox)
    started = time.monotonic()
    prepare(job, run.course, module, run.template_db, config)
    prepared = time.monotonic()
    group = (run.cgroups.child(job.work.name, processes=options.max_processes,
                               memory=options.memory_limit + options.scratch_size)
             if run.cgroups.paths else None)
    isolation = Isolation(options.isolated, options.scratch_size, options.scratch_files,
                          group.to_json() if group else None)
    try:
        code, log = run_autograde(job, module.name, run.jupyter_dir, processes,
                                  isolation=isolation, timeout=run.hard_limit)
        counters = group.counters() if group else {}
    finally:
        if group:
            group.remove()
    finished = time.monotonic()
    report = _read_report(job.work / REPORT_FILE)
    outcome = Outcome(job.student, GRADED, max_score=module.max_score,
                      notes=list(job.inspection.notes),
                      timings={"prepare": prepared - started, "nbgrader": finished - prepared,
                               **report.get("timings", {})})
    outcome.notes += report.get("observations", [])
    if code != 0:
        outcome.status = NOT_GRADED
        outcome.notes.append(failure_reason(code, log, timeout=run.hard_limit,
                                            counters=counters, memory=group and group.memory))
        return outcome, code
    if report.get("findings"):
        outcome.status = NEEDS_REVIEW
        outcome.notes += report["findings"]
        withheld = report.get("withheld", [])
        if withheld:
            withhold_for_review(f"sqlite:///{job.work / 'gradebook.db'}", module.name,
                                job.student, {module.notebooks[0]: withheld}
                                if len(module.notebooks) == 1 else
                                _by_notebook(job, run, withheld))
            outcome.notes.append("points withheld for your review: "
                                 + ", ".join(map(repr, withheld)))
    return outcome, code


def _by_notebook(job: Job, run: Run, withheld: list[str]) -> dict[str, list[str]]:
    """Withheld grade ids by the notebook that holds them (modules of several notebooks)."""
    found: dict[str, list[str]] = {}
    for name, released in run.module.released.items():
        ids = [grade_id for grade_id in withheld if grade_id in released.marks]
        if ids:
            found[name] = ids
    return found


def _read_report(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def grade_cohort(root: Path, assignment: str, *, students: Sequence[str] | None = None,
                 options: GradingOptions | None = None,
                 progress: Callable[[Outcome], None] | None = None,
                 log: Callable[[str], None] | None = None) -> list[Outcome]:
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
    log:
        Called with messages about the run itself (the time budget, missing limits).

    Returns
    -------
    One :class:`Outcome` per trainee, sorted by id. Graded submissions are merged into the
    course gradebook, and their graded notebooks copied to the course's ``autograded``
    folder, as ``nbgrader autograde`` would leave them.
    """
    options = options or GradingOptions()
    course = load_course(root)
    say = log or (lambda message: None)
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

    with tempfile.TemporaryDirectory(prefix="rail-grade-") as scratch_name, \
            _Session(course, module, options, Path(scratch_name), say) as session:
        if options.submission_timeout is None:
            budget = read_budget(course, assignment) or session.measure_budget()
            session.run.time_budget = budget.seconds
            say(budget.describe())
        else:
            session.run.time_budget = options.submission_timeout

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
            jobs.append(Job(student, session.scratch / f"w{number}", inspection, stop))

        with ThreadPoolExecutor(max_workers=options.workers) as pool, \
                stopping_on_interrupt(pool, jobs, stop), \
                _course_gradebook(course) as gradebook:
            processes = nbgrader_processes()
            futures = {pool.submit(grade_one, job, session.run, processes): job
                       for job in jobs}
            for future in as_completed(futures):
                job = futures[future]
                try:
                    outcome, code = future.result()
                except Exception as error:  # one submission must never stop the cohort
                    done(Outcome(job.student, NOT_GRADED, max_score=module.max_score,
                                 notes=[f"grader error: {type(error).__name__}: {error}"]))
                    continue
                if code == 0:
                    # Only this thread writes to the course: one submission at a time.
                    recording = time.monotonic()
                    try:
                        outcome.score = merge_submission(
                            f"sqlite:///{job.work / 'gradebook.db'}", gradebook,
                            assignment=assignment, student=job.student)
                        outcome.notes += publish_autograded(
                            job, course, module, max_bytes=options.max_notebook_bytes)
                    except Exception as error:
                        outcome.status = NOT_GRADED
                        outcome.notes.append(f"grader error while recording the grades: "
                                             f"{type(error).__name__}: {error}")
                    outcome.timings["record"] = time.monotonic() - recording
                done(outcome)
    return sorted(outcomes, key=lambda o: o.student)


def _course_gradebook(course: CourseFolders):
    """The course gradebook, open for the whole run (only the main thread writes to it)."""
    from nbgrader.api import Gradebook

    return Gradebook(course.db_url, course.course_id)


def measure_budget(root: Path, assignment: str, *, options: GradingOptions | None = None,
                   log: Callable[[str], None] | None = None) -> Budget:
    """Grade the module's solution as a submission, record its budget, and return it."""
    options = options or GradingOptions()
    course = load_course(root)
    if options.sandbox:
        bwrap_path()
    module = read_module(course, assignment)
    with tempfile.TemporaryDirectory(prefix="rail-budget-") as scratch_name, \
            _Session(course, module, options, Path(scratch_name), log or print) as session:
        budget = session.measure_budget()
    return budget


class _Session:
    """The shared set-up of a grading run: the template gradebook, the sandbox's kernel
    spec and policy, and the control groups (removed on exit)."""

    def __init__(self, course: CourseFolders, module: ModuleRecord, options: GradingOptions,
                 scratch: Path, say: Callable[[str], None]):
        self.scratch = scratch
        self.say = say
        template_db = scratch / "template.db"
        copy_gradebook(course.db_url, f"sqlite:///{template_db}")
        self.run = Run(course, module, options, 0.0, template_db, scratch / "jupyter")
        if options.sandbox:
            readonly = safe_readonly_paths([*course.secrets(), scratch], extra=[_data_dir()])
            policy = SandboxPolicy(readonly=readonly, memory_limit=options.memory_limit,
                                   max_processes=options.max_processes,
                                   hidden=hidden_secrets(course.secrets(), readonly))
            policy.save(scratch / "policy.json")
            write_kernel_spec(self.run.jupyter_dir, scratch / "policy.json")
        if options.isolated:
            self.run.cgroups = find_cgroup_parent(f"rail-grader-{os.getpid()}")
            if not self.run.cgroups.paths:
                say(f"no control group per submission ({self.run.cgroups.reason}): memory "
                    "is limited per process and processes per submission user only")
        elif options.sandbox:
            say("not running as root: the submissions share your user's limits (no user, "
                "control group or scratch space of their own); see docs/instructors.md")

    def __enter__(self) -> _Session:
        return self

    def __exit__(self, *exc) -> None:
        self.run.cgroups.remove()

    def measure_budget(self) -> Budget:
        """Grade the solution as a submission in this session; record and return its
        budget."""
        run, course, module = self.run, self.run.course, self.run.module
        self.say(f"measuring how long the solution of {module.name} takes to grade ...")
        inspection = _solution_inspection(course.path("source", ".", module.name), module)
        saved = run.time_budget
        run.time_budget = 3600.0
        job = Job(SOLUTION_ID, self.scratch / "solution", inspection, threading.Event())
        try:
            outcome, code = grade_one(job, run, nbgrader_processes())
        finally:
            run.time_budget = saved
        report = _read_report(job.work / REPORT_FILE)
        points, autograded = _autograded_points(job, module)
        findings = list(report.get("findings", []))
        if code != 0:
            findings.append("; ".join(outcome.notes) or f"nbgrader exited {code}")
        budget = new_budget(module.name, float(report.get("seconds", 0.0)), points,
                            autograded, findings)
        write_budget(course, budget)
        return budget


def _solution_inspection(source: Path, module: ModuleRecord) -> Inspection:
    import nbformat

    inspection = Inspection()
    for name in module.notebooks:
        path = source / f"{name}.ipynb"
        inspection.chosen[name] = path
        inspection.cleaned[name] = nbformat.read(path, as_version=4)
    return inspection


def _autograded_points(job: Job, module: ModuleRecord) -> tuple[float, float]:
    """What the graded solution earned on autograded tests, and what they are worth."""
    from nbgrader.api import Gradebook

    got = worth = 0.0
    with Gradebook(f"sqlite:///{job.work / 'gradebook.db'}") as gradebook:
        try:
            submission = gradebook.find_submission(module.name, SOLUTION_ID)
        except Exception:
            return 0.0, 0.0
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                if grade.cell_type == "code" and grade.auto_score is not None:
                    got += float(grade.auto_score)
                    worth += float(grade.max_score)
    return got, worth


def hidden_secrets(secrets: Sequence[Path], readonly: Sequence[str]) -> tuple[str, ...]:
    """The secrets that lie inside a folder the sandbox binds (system folders, Python's):
    the sandbox covers them over."""
    bound = [Path(p) for p in (*SYSTEM_PATHS, *readonly)]
    found = []
    for secret in secrets:
        real = Path(os.path.realpath(secret))
        if real.exists() and any(real.is_relative_to(folder) for folder in bound):
            found.append(str(real))
    return tuple(dict.fromkeys(found))


def _data_dir() -> str:
    from rail.datasets import data_dir

    return str(data_dir())
