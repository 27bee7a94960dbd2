"""Grade a cohort's submissions of one module: sandboxed, in parallel, with nothing lost.

nbgrader's ``autograde`` grades one submission at a time, inside the course folder, with the
trainee's code running as the instructor. ``python -m rail.grader autograde MODULE`` grades
the same submissions with nbgrader's own autograder, but

* each submission is graded in a private copy: a one-trainee course holding the submission
  and a copy of the gradebook; the submitted files are never modified;
* the trainee's kernel runs in the sandbox of :mod:`rail.sandbox` (no course files, no
  network, an unprivileged user, a memory limit), with a time limit per cell and a cap on
  the output it may print;
* several submissions are graded at once (``--jobs``); their grades are merged into the
  course gradebook by this process alone, one submission at a time, so any database nbgrader
  supports (SQLite, PostgreSQL) stays consistent;
* every trainee gets an outcome: the score and, when something was wrong with the
  submission, what (printed, and written to ``outcomes/MODULE.csv``).

Command line::

    python -m rail.grader autograde 01-data-and-bias --jobs 2
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from nbgrader.preprocessors import Execute
from traitlets import Integer

from rail.sandbox import (
    GIB,
    KERNEL_NAME,
    SandboxPolicy,
    bwrap_path,
    mark_dedicated,
    safe_readonly_paths,
    write_kernel_spec,
)

GRADED = "graded"
NOT_GRADED = "not graded"
NOT_SUBMITTED = "not submitted"
GRADED_EARLIER = "graded earlier"

OUTPUT_CAP_MARK = "[RAIL grader] output beyond"
OUTPUT_CAP_NOTE = OUTPUT_CAP_MARK + " {limit:,} bytes was dropped"
OUTCOME_COLUMNS = ["student", "status", "score", "max_score", "notes"]


class GradingError(RuntimeError):
    """The cohort cannot be graded at all (unknown module, unreadable course, ...)."""


class GradingStopped(Exception):
    """Grading was stopped (Ctrl-C) before this submission's turn."""


# --------------------------------------------------------------------------- outcomes


@dataclass
class Outcome:
    """What happened to one trainee's submission."""

    student: str
    status: str
    score: float = 0.0
    max_score: float = 0.0
    notes: list[str] = field(default_factory=list)

    def row(self) -> dict[str, Any]:
        return {"student": self.student, "status": self.status, "score": self.score,
                "max_score": self.max_score, "notes": "; ".join(self.notes)}


def write_outcomes(outcomes: Iterable[Outcome], path: Path) -> Path:
    """Write the outcomes as CSV (one row per trainee, sorted by id)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=OUTCOME_COLUMNS)
        writer.writeheader()
        for outcome in sorted(outcomes, key=lambda o: o.student):
            writer.writerow(outcome.row())
    return path


# --------------------------------------------------------------------------- the course


@dataclass(frozen=True)
class CourseFolders:
    """Where an nbgrader course keeps things, read from its ``nbgrader_config.py``."""

    root: Path
    course_id: str
    db_url: str
    config_file: Path | None
    exchange: Path
    _coursedir: Any = field(repr=False, compare=False)

    def step_root(self, step: str) -> Path:
        """nbgrader's top folder for ``step`` ('source', 'submitted', 'autograded', ...)."""
        return self.root / getattr(self._coursedir, f"{step}_directory")

    def path(self, step: str, student: str, assignment: str) -> Path:
        """nbgrader's folder for ``step`` of one trainee (``student='.'`` for the source)."""
        directory = getattr(self._coursedir, f"{step}_directory")
        return Path(self._coursedir.format_path(directory, student, assignment))

    def private_path(self, work: Path, step: str, student: str, assignment: str) -> Path:
        """The same folder in a one-trainee course rooted at ``work``."""
        return work / self.path(step, student, assignment).relative_to(self.root)

    def secrets(self) -> list[Path]:
        """What trainee code must never see: answers, everyone's work, the gradebook."""
        found = [self.step_root(step)
                 for step in ("source", "submitted", "autograded", "feedback")]
        found.append(self.exchange)
        if self.db_url.startswith("sqlite:///"):
            found.append(Path(self.db_url.removeprefix("sqlite:///")))
        return found


def load_course(root: Path) -> CourseFolders:
    """Read the nbgrader configuration of the course in ``root`` (as nbgrader would)."""
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    root = Path(root).resolve()
    if not root.is_dir():
        raise GradingError(f"no course folder at {root}")
    config_file = root / "nbgrader_config.py"
    config = Config()
    if config_file.is_file():
        config = PyFileConfigLoader(config_file.name, path=str(root)).load_config()
    else:
        config_file = None
    if "root" not in config.CourseDirectory:
        config.CourseDirectory.root = str(root)
    coursedir = CourseDirectory(config=config)
    exchange = Path(config.Exchange.get("root", "/srv/nbgrader/exchange"))
    return CourseFolders(root=Path(coursedir.root), course_id=coursedir.course_id,
                         db_url=coursedir.db_url, config_file=config_file,
                         exchange=exchange, _coursedir=coursedir)


# --------------------------------------------------------------------------- gradebooks


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


# --------------------------------------------------------------------------- a submission


@dataclass
class Inspection:
    """A submission looked at before grading: which file to grade as which notebook."""

    chosen: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    reason_not_graded: str | None = None


def inspect_submission(folder: Path, module: ModuleRecord) -> Inspection:
    """Check a submitted folder against the module without running anything.

    Finds each expected notebook (or the one renamed file standing in for it), reads it,
    and notes every locked test cell the trainee edited or deleted: nbgrader puts the
    original back before grading, and the instructor should know it had to.
    """
    result = Inspection()
    if not folder.is_dir():
        result.reason_not_graded = "nothing submitted"
        return result
    files = sorted(p for p in folder.glob("*.ipynb") if not p.is_symlink() and p.is_file())
    strays = [p for p in files if p.stem not in module.notebooks]
    for name in module.notebooks:
        path = folder / f"{name}.ipynb"
        if path in files:
            result.chosen[name] = path
    missing = [name for name in module.notebooks if name not in result.chosen]
    if len(missing) == 1 and len(strays) == 1:
        result.chosen[missing[0]] = strays[0]
        result.notes.append(f"{strays[0].name!r} was graded as {missing[0]}.ipynb "
                            "(renamed notebook)")
    else:
        result.notes += [f"{name}.ipynb is missing: it scores 0" for name in missing]
        if strays:
            result.notes.append("other notebooks ignored: "
                                + ", ".join(repr(p.name) for p in strays))

    for name, path in list(result.chosen.items()):
        nb, problem = _read_notebook(path)
        if problem:
            del result.chosen[name]
            result.notes.append(f"{path.name} cannot be graded: {problem}")
            continue
        result.notes += _changed_tests(nb, module.tests[name])
    if not result.chosen:
        result.reason_not_graded = "; ".join(result.notes) or "no notebook submitted"
        result.notes = []
    return result


def _read_notebook(path: Path) -> tuple[Any, str | None]:
    """The notebook at ``path`` and None, or None and why nbgrader could not grade it."""
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
    except UnicodeDecodeError:
        return None, "it is not text (UTF-8)"
    except Exception as error:  # nbformat raises many kinds for a file that is not a notebook
        for cause in (error, error.__cause__):
            if isinstance(cause, json.JSONDecodeError):
                return None, f"it is not valid JSON (line {cause.lineno}, column {cause.colno})"
        return None, f"it is not a valid notebook ({type(error).__name__}: {_first_line(error)})"
    return nb, None


def _changed_tests(nb: Any, released: dict[str, str]) -> list[str]:
    """Notes on the test cells of ``nb`` that differ from ``released`` (grade_id ->
    checksum of the released cell) or are gone."""
    from nbgrader.utils import compute_checksum

    cells = {}
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id is not None:
            cells.setdefault(grade_id, cell)
    notes = []
    for grade_id, checksum in sorted(released.items()):
        if grade_id not in cells:
            notes.append(f"test cell {grade_id!r} was deleted: the original was put back "
                         "and ran")
        elif compute_checksum(cells[grade_id]) != checksum:
            notes.append(f"test cell {grade_id!r} was edited: the original ran instead")
    return notes


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:200] if text else ""


# --------------------------------------------------------------------------- execution


class LimitedExecute(Execute):
    """nbgrader's Execute, holding each cell to at most ``max_output_bytes`` of output.

    nbgrader's LimitOutput counts lines after the run; one ``print`` of 50 MB is a single
    line, and a loop printing forever fills the grader's memory before any limit applies.
    Output beyond the cap is dropped as it arrives, with a note in the cell.
    """

    max_output_bytes = Integer(
        1_000_000, help="Bytes of output kept per cell; the rest is dropped."
    ).tag(config=True)

    def preprocess(self, nb, resources=None, *args, **kwargs):
        self._output_bytes: dict[int, int] = {}
        return super().preprocess(nb, resources, *args, **kwargs)

    def output(self, outs, msg, display_id, cell_index):
        used = self._output_bytes.get(cell_index, 0)
        if used > self.max_output_bytes:
            return None
        size = len(json.dumps(msg.get("content", {})))
        self._output_bytes[cell_index] = used + size
        if used + size > self.max_output_bytes:
            self._output_bytes[cell_index] = self.max_output_bytes + 1
            from nbformat.v4 import new_output

            note = new_output("stream", name="stderr",
                              text=OUTPUT_CAP_NOTE.format(limit=self.max_output_bytes) + "\n")
            outs.append(note)
            return note
        return super().output(outs, msg, display_id, cell_index)


def autograde_preprocessors() -> list[str]:
    """nbgrader's own autograde preprocessors, by import name, with :class:`LimitedExecute`
    in place of its Execute."""
    from nbgrader.converters import Autograde

    # By name, not LimitedExecute.__module__: that is '__main__' under python -m rail.grader.
    return ["rail.grader.LimitedExecute" if cls is Execute else f"{cls.__module__}.{cls.__name__}"
            for cls in Autograde.class_traits()["autograde_preprocessors"].default()]


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


def private_course_config(course: CourseFolders, work: Path, options: GradingOptions) -> str:
    """The nbgrader_config.py of a one-trainee course: the course's own settings first, then
    the private folders, the sandboxed kernel and the limits."""
    lines = ["c = get_config()  # noqa: F821"]
    if course.config_file is not None:
        lines.append(f"load_subconfig({str(course.config_file)!r})  # noqa: F821")
    lines += [
        f"c.CourseDirectory.root = {str(work)!r}",
        f"c.CourseDirectory.course_id = {course.course_id!r}",
        f"c.CourseDirectory.db_url = {'sqlite:///' + str(work / 'gradebook.db')!r}",
        "c.KernelManager.transport = 'ipc'",
        f"c.KernelManager.ip = {str(work / 'rt' / 'k')!r}",
        "c.OverwriteCells.add_missing_cells = True",
        f"c.Autograde.autograde_preprocessors = {autograde_preprocessors()!r}",
        f"c.LimitedExecute.max_output_bytes = {options.max_output_bytes}",
    ]
    if options.cell_timeout is not None:
        lines.append(f"c.Execute.timeout = {options.cell_timeout}")
    if options.sandbox:
        lines.append(f"c.Execute.kernel_name = {KERNEL_NAME!r}")
    return "\n".join(lines) + "\n"


def _is_plain(path: str) -> bool:
    """A regular file or folder: not a symbolic link, pipe, socket or device."""
    return not os.path.islink(path) and (os.path.isfile(path) or os.path.isdir(path))


def copy_plain_files(source: Path, target: Path) -> list[str]:
    """Copy a folder with only its regular files and folders; return what was left out.

    A link in a submission could point at the gradebook; nbgrader, running as the
    instructor, would follow it and copy what it points to where the kernel can read it.
    A named pipe, which trainee code can make in its working copy, would block the copy.
    """
    skipped: list[str] = []

    def ignore(folder: str, names: list[str]) -> list[str]:
        odd = [n for n in names if not _is_plain(os.path.join(folder, n))]
        skipped.extend(os.path.relpath(os.path.join(folder, n), source) for n in odd)
        return odd

    shutil.copytree(source, target, ignore=ignore, dirs_exist_ok=True)
    return skipped


@dataclass
class Job:
    """One submission to grade in its private course under ``work``.

    ``stop`` is shared by the jobs of one run: once set, no new grading starts.
    """

    student: str
    work: Path
    inspection: Inspection
    stop: threading.Event
    process: BaseProcess | None = None

    def kill(self) -> None:
        """Stop this job's nbgrader, kernel and sandbox at once, if they are running."""
        if self.process is not None and self.process.is_alive():
            for kill in (os.killpg, os.kill):  # its group; itself, if not yet a group leader
                with contextlib.suppress(ProcessLookupError):
                    kill(self.process.pid, signal.SIGKILL)


def prepare(job: Job, course: CourseFolders, module: ModuleRecord, template_db: Path,
            options: GradingOptions) -> None:
    """Build the one-trainee course: the submission, the gradebook copy, the config."""
    from nbgrader.utils import find_all_files

    work = mark_dedicated(job.work)
    (work / "rt").mkdir()
    submitted = course.path("submitted", job.student, module.name)
    target = course.private_path(work, "submitted", job.student, module.name)
    target.mkdir(parents=True)
    for item in submitted.iterdir():
        if item.suffix == ".ipynb":
            continue
        if not _is_plain(str(item)):
            job.inspection.notes.append(f"{item.name!r} ignored (not a regular file)")
        elif item.is_dir():
            skipped = copy_plain_files(item, target / item.name)
            job.inspection.notes += [f"{name!r} ignored (not a regular file)"
                                     for name in skipped]
        else:
            shutil.copy2(item, target / item.name)
    for name, path in job.inspection.chosen.items():
        shutil.copyfile(path, target / f"{name}.ipynb")
    # nbgrader copies the module's other files (data, images) over the submission's.
    source = course.path("source", ".", module.name)
    private_source = course.private_path(work, "source", ".", module.name)
    private_source.mkdir(parents=True)
    ignore = [*course._coursedir.ignore, "*.ipynb"]
    for file in find_all_files(str(source), ignore) if source.is_dir() else []:
        if os.path.islink(file):
            continue
        destination = private_source / os.path.relpath(file, source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(file, destination)
    shutil.copyfile(template_db, work / "gradebook.db")
    (work / "nbgrader_config.py").write_text(private_course_config(course, work, options))


def nbgrader_env(work: Path, jupyter_dir: Path) -> dict[str, str]:
    """The environment of one private nbgrader run: its own temporary, runtime and config
    folders (so the kernel's connection file lands in the submission's own folder)."""
    env = dict(os.environ)
    env["TMPDIR"] = str(work / "rt")
    env["JUPYTER_RUNTIME_DIR"] = str(work / "rt")
    env["JUPYTER_CONFIG_DIR"] = str(work / "config")
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(jupyter_dir),
                                                        env.get("JUPYTER_PATH")]))
    env["IPYTHONDIR"] = str(work / "ipython")
    env["MPLCONFIGDIR"] = str(work / "matplotlib")
    env.pop("JUPYTERHUB_USER", None)  # nbgrader would look for a hub's course list
    return env


# Importing nbgrader takes seconds, longer than running a short notebook: each submission's
# nbgrader is forked from a server that has imported it once, instead of started afresh.
PRELOADED = ["nbgrader.apps", "nbgrader.preprocessors"]


def nbgrader_processes() -> BaseContext:
    """The multiprocessing context that starts each submission's nbgrader."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOADED)
    return context


def run_autograde(job: Job, module: ModuleRecord, jupyter_dir: Path, options: GradingOptions,
                  processes: BaseContext) -> tuple[int | None, str]:
    """Run ``nbgrader autograde`` on the private course; (exit code or None, its log)."""
    log_path = job.work / "autograde.log"
    argv = ["autograde", module.name, f"--student={job.student}", "--force"]
    if job.stop.is_set():
        raise GradingStopped(job.student)
    job.process = processes.Process(
        target=_nbgrader_main, name=f"autograde {job.student}",
        args=(argv, str(job.work), nbgrader_env(job.work, jupyter_dir), str(log_path)))
    job.process.start()
    job.process.join(timeout=options.submission_timeout)
    code = job.process.exitcode
    if code is None:  # still running at the time limit
        job.kill()
        job.process.join()
    return code, log_path.read_text(errors="replace")


def _nbgrader_main(argv: list[str], cwd: str, env: dict[str, str], log_path: str) -> None:
    """``nbgrader ARGV`` in this (forked) process: in ``cwd`` with ``env``, all output to
    ``log_path``, in a session of its own so that killing its group ends its kernel too."""
    from nbgrader.apps.nbgraderapp import NbGraderApp

    os.setsid()
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    NbGraderApp.launch_instance(argv=argv)


def failure_reason(code: int | None, log: str, options: GradingOptions) -> str:
    """Why nbgrader could not grade a submission, in words an instructor can act on."""
    if code is None:
        return (f"grading did not finish within {options.submission_timeout:g} s and was "
                "stopped")
    if "DeadKernelError" in log or "Kernel died" in log:
        return ("the kernel died while running the notebook (the code crashed or ended "
                "the Python process); grade it by hand or ask for a new submission")
    if "UnresponsiveKernelError" in log or "became unresponsive" in log:
        return "the kernel stopped responding and could not be interrupted"
    errors = [line for line in log.splitlines() if "[AutogradeApp | ERROR]" in line]
    return "nbgrader failed: " + (errors[0].split("]", 1)[-1].strip() if errors else
                                  f"exit code {code}")


def execution_notes(notebook: Path, options: GradingOptions) -> list[str]:
    """What went wrong while the graded notebook ran: time limits, memory, output."""
    import nbformat

    notes = []
    nb = nbformat.read(notebook, as_version=4)
    for index, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        label = cell.metadata.get("nbgrader", {}).get("grade_id") or f"#{index}"
        names = {o.get("ename") for o in cell.outputs if o.output_type == "error"}
        texts = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        if names & {"CellTimeoutError", "KeyboardInterrupt"}:
            notes.append(f"cell {label!r} was stopped at the time limit per cell")
        # numpy raises a subclass, _ArrayMemoryError
        if any(name and name.endswith("MemoryError") for name in names):
            notes.append(f"cell {label!r} ran out of memory (limit "
                         f"{options.memory_limit / GIB:g} GiB)")
        if OUTPUT_CAP_MARK in texts:
            notes.append(f"cell {label!r} printed more than "
                         f"{options.max_output_bytes:,} bytes; the rest was dropped")
    return notes


def grade_one(job: Job, course: CourseFolders, module: ModuleRecord, template_db: Path,
              jupyter_dir: Path, options: GradingOptions,
              processes: BaseContext) -> tuple[Outcome, int | None, str]:
    """Prepare and grade one submission in its private course (thread-safe: no shared
    state). Returns its provisional outcome, the exit code and the log."""
    prepare(job, course, module, template_db, options)
    code, log = run_autograde(job, module, jupyter_dir, options, processes)
    outcome = Outcome(job.student, GRADED, max_score=module.max_score,
                      notes=list(job.inspection.notes))
    if code != 0:
        outcome.status = NOT_GRADED
        outcome.notes.append(failure_reason(code, log, options))
        return outcome, code, log
    graded = course.private_path(job.work, "autograded", job.student, module.name)
    for notebook in sorted(graded.glob("*.ipynb")):
        outcome.notes += execution_notes(notebook, options)
    return outcome, code, log


def already_graded(course: CourseFolders, assignment: str, student: str) -> bool:
    """nbgrader's rule: graded before, and not submitted again since."""
    stamp = "timestamp.txt"
    submitted = course.path("submitted", student, assignment) / stamp
    autograded = course.path("autograded", student, assignment) / stamp
    return (autograded.is_file() and submitted.is_file()
            and autograded.read_text() == submitted.read_text())


def submitted_students(course: CourseFolders, assignment: str) -> list[str]:
    """Trainees with a submission folder for ``assignment``."""
    base = course.step_root("submitted")
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if (p / assignment).exists())


def roster(course: CourseFolders) -> list[str]:
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url, course.course_id) as gradebook:
        return sorted(student.id for student in gradebook.students)


def grade_cohort(root: Path, assignment: str, students: Sequence[str] | None = None,
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
        for outcome in _earlier_outcomes(course, module, sorted(earlier)):
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
                _stopping_on_interrupt(pool, jobs, stop):
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
                        _publish_autograded(job, course, assignment)
                    except Exception as error:
                        outcome.status = NOT_GRADED
                        outcome.notes.append(f"grader error while recording the grades: "
                                             f"{type(error).__name__}: {error}")
                done(outcome)
    return sorted(outcomes, key=lambda o: o.student)


@contextlib.contextmanager
def _stopping_on_interrupt(pool: ThreadPoolExecutor, jobs: Sequence[Job],
                           stop: threading.Event) -> Iterator[None]:
    """On Ctrl-C, start nothing new and kill what runs, so that the grader stops at once.

    What was merged into the gradebook before stays; the submissions not yet graded are
    graded by the next run, which skips those graded already.
    """
    try:
        yield
    except KeyboardInterrupt:
        stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
        for job in jobs:
            job.kill()
        raise


def _publish_autograded(job: Job, course: CourseFolders, assignment: str) -> None:
    graded = course.private_path(job.work, "autograded", job.student, assignment)
    target = course.path("autograded", job.student, assignment)
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    copy_plain_files(graded, target)


def _earlier_outcomes(course: CourseFolders, module: ModuleRecord,
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


def _data_dir() -> str:
    from rail.datasets import data_dir

    return str(data_dir())


# --------------------------------------------------------------------------- command line


def parse_size(text: str) -> int:
    """'2G', '512M', '1.5G' or a number of bytes -> bytes."""
    units = {"K": 1024, "M": 1024**2, "G": 1024**3}
    text = text.strip().upper().removesuffix("B").removesuffix("I")
    try:
        if text and text[-1] in units:
            return int(float(text[:-1]) * units[text[-1]])
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (try 2G or 512M)") from None


def _print_outcome(outcome: Outcome) -> None:
    notes = ("  - " + "; ".join(outcome.notes)) if outcome.notes else ""
    print(f"{outcome.student:<20} {outcome.status:<14} {outcome.score:6.1f} / "
          f"{outcome.max_score:<5g}{notes}", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rail.grader", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    autograde = commands.add_parser("autograde", help="grade every submission of a module")
    autograde.add_argument("module")
    autograde.add_argument("--course", type=Path, default=Path.cwd(),
                           help="course folder (default: the current folder)")
    autograde.add_argument("--student", action="append", dest="students",
                           help="grade only this trainee (repeatable)")
    autograde.add_argument("--jobs", type=int, default=0,
                           help="submissions graded at once (default: one per core)")
    autograde.add_argument("--cell-timeout", type=int, default=None,
                           help="seconds per cell (default: the course's setting)")
    autograde.add_argument("--submission-timeout", type=float, default=900,
                           help="seconds for a whole submission (default 900)")
    autograde.add_argument("--memory-limit", type=parse_size, default=2 * GIB,
                           help="memory per grading kernel (default 2G)")
    autograde.add_argument("--max-output", type=parse_size, default=1_000_000,
                           help="output kept per cell (default 1000000 bytes)")
    autograde.add_argument("--no-sandbox", action="store_true",
                           help="run trainee code unconfined (trusted submissions only)")
    autograde.add_argument("--force", action="store_true",
                           help="grade again submissions graded before")
    autograde.add_argument("--outcomes", type=Path, default=None,
                           help="CSV of outcomes (default: outcomes/MODULE.csv)")
    args = parser.parse_args(argv)
    # nbgrader runs tools of its environment (alembic) by name, wherever it was started from.
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"

    options = GradingOptions(jobs=args.jobs, cell_timeout=args.cell_timeout,
                             submission_timeout=args.submission_timeout,
                             memory_limit=args.memory_limit, max_output_bytes=args.max_output,
                             sandbox=not args.no_sandbox, force=args.force)
    started = time.perf_counter()
    try:
        outcomes = grade_cohort(args.course, args.module, args.students, options,
                                progress=_print_outcome)
    except (GradingError, OSError, RuntimeError) as error:
        print(f"rail.grader: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("rail.grader: stopped. The submissions listed above as graded are in the "
              "gradebook; run the same command again to grade the rest.", file=sys.stderr)
        return 130
    path = write_outcomes(outcomes, args.outcomes or
                          args.course.resolve() / "outcomes" / f"{args.module}.csv")
    counts = {status: sum(o.status == status for o in outcomes)
              for status in (GRADED, GRADED_EARLIER, NOT_GRADED, NOT_SUBMITTED)}
    print(", ".join(f"{n} {status}" for status, n in counts.items() if n)
          + f" in {time.perf_counter() - started:.0f} s with {options.workers} worker(s); "
          f"outcomes in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
