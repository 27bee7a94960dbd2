"""The one-trainee course each submission is graded in, and what comes back from it.

A job's folder (``work``) holds a private nbgrader course (config, gradebook copy, the
submission, nbgrader's autograded output) and, apart from it, what the sandbox needs: the
kernel's runtime folder ``rt``, its scratch space ``scratch`` (working copy and ``/tmp``) and
the job's limits. Only ``rt`` and the scratch space are visible inside the sandbox.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from rail.instructor.course import CourseFolders
from rail.instructor.execute import autograde_preprocessors
from rail.instructor.gradebook import ModuleRecord
from rail.instructor.jobs import Job
from rail.instructor.limits import LIMITS_FILE
from rail.instructor.sandbox import KERNEL_NAME, mark_dedicated

REPORT_FILE = "report.json"
# What nbgrader itself keeps beside a graded notebook: when it was submitted, and the
# secret that pairs the feedback with the submission in the exchange.
NBGRADER_FILES = ("timestamp.txt", "submission_secret.txt")


def private_course_config(course: CourseFolders, work: Path, *, max_output_bytes: int,
                          cell_timeout: int | None, time_budget: float,
                          sandbox: bool) -> str:
    """The nbgrader_config.py of a one-trainee course: the course's own settings first, then
    the private folders, the sandboxed kernel and the limits (``cell_timeout=None`` keeps
    the course's own)."""
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
        f"c.GuardedExecute.max_output_bytes = {max_output_bytes}",
        f"c.GuardedExecute.time_budget = {time_budget}",
        f"c.GuardedExecute.job_file = {str(work / LIMITS_FILE)!r}",
        f"c.GuardedExecute.report_file = {str(work / REPORT_FILE)!r}",
    ]
    if cell_timeout is not None:
        lines.append(f"c.Execute.timeout = {cell_timeout}")
    if sandbox:
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


def prepare(job: Job, course: CourseFolders, module: ModuleRecord, template_db: Path,
            config: str) -> None:
    """Build the one-trainee course: the submission, the gradebook copy, the config."""
    import nbformat
    from nbgrader.utils import find_all_files

    work = mark_dedicated(job.work)
    for folder in ("rt", "scratch"):
        (work / folder).mkdir()
    submitted = course.path("submitted", job.student, module.name)
    target = course.private_path(work, "submitted", job.student, module.name)
    target.mkdir(parents=True)
    for item in submitted.iterdir() if submitted.is_dir() else ():
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
    for name, nb in job.inspection.cleaned.items():
        nbformat.write(nb, target / f"{name}.ipynb")
    # nbgrader copies the module's other files (data, images) over the submission's.
    source = course.path("source", ".", module.name)
    private_source = course.private_path(work, "source", ".", module.name)
    private_source.mkdir(parents=True)
    ignore = [*course.ignore, "*.ipynb"]
    for file in find_all_files(str(source), ignore) if source.is_dir() else []:
        if os.path.islink(file):
            continue
        destination = private_source / os.path.relpath(file, source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(file, destination)
    shutil.copyfile(template_db, work / "gradebook.db")
    (work / "nbgrader_config.py").write_text(config)


def publish_autograded(job: Job, course: CourseFolders, module: ModuleRecord, *,
                       max_bytes: int) -> list[str]:
    """Copy the graded notebooks (and nbgrader's own files), nothing else, to the course's
    ``autograded`` folder; a notebook over ``max_bytes`` loses outputs until it fits.
    Returns notes on what was cut."""
    import nbformat

    graded = course.private_path(job.work, "autograded", job.student, module.name)
    target = course.path("autograded", job.student, module.name)
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    notes = []
    for name in NBGRADER_FILES:
        found = graded / name
        if _is_plain(str(found)) and found.is_file():
            shutil.copyfile(found, target / name)
    for name in module.notebooks:
        path = graded / f"{name}.ipynb"
        if not (_is_plain(str(path)) and path.is_file()):
            continue
        size = path.stat().st_size
        if size <= max_bytes:
            shutil.copyfile(path, target / path.name)
            continue
        nb = nbformat.read(path, as_version=4)
        _shrink(nb, max_bytes)
        nbformat.write(nb, target / path.name)
        notes.append(f"the graded {path.name} was {size / 1024**2:.1f} MiB; outputs were "
                     f"removed to keep it under {max_bytes / 1024**2:g} MiB")
    return notes


def _shrink(nb, max_bytes: int) -> None:
    """Drop outputs, largest first, sparing the test cells' errors, until ``nb`` fits."""
    import json

    import nbformat

    def size(output) -> int:
        return len(json.dumps(output))

    outputs = [(size(o), cell, o) for cell in nb.cells if cell.cell_type == "code"
               for o in cell.outputs]
    total = len(nbformat.writes(nb).encode())
    for used, cell, output in sorted(outputs, key=lambda item: -item[0]):
        if total <= max_bytes:
            break
        if output.output_type == "error" and len(output.get("traceback", [])) < 50:
            continue
        cell.outputs.remove(output)
        total -= used
