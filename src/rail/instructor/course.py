"""The instructor's course as nbgrader sees it: its folders, gradebook and exchange."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_quiet = logging.getLogger(__name__)
_quiet.addHandler(logging.NullHandler())
_quiet.propagate = False


class GradingError(RuntimeError):
    """The cohort cannot be graded at all (unknown module, unreadable course, ...)."""


@dataclass(frozen=True)
class CourseFolders:
    """Where an nbgrader course keeps things, read through nbgrader's whole configuration
    chain (the system's and the user's Jupyter config folders, then the course's own)."""

    root: Path
    course_id: str
    db_url: str
    config_file: Path | None
    """The course's own ``nbgrader_config.py``, if it has one."""
    config_files: tuple[Path, ...]
    """Every configuration file nbgrader reads for this course (they may hold passwords)."""
    exchange: Path
    ignore: tuple[str, ...]
    """File patterns nbgrader never copies from the source folder."""
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
        """What trainee code must never see: answers, everyone's work, the gradebook, the
        exchange and the configuration files."""
        found = [self.step_root(step)
                 for step in ("source", "submitted", "autograded", "feedback")]
        found.append(self.exchange)
        if self.db_url.startswith("sqlite:///"):
            found.append(Path(self.db_url.removeprefix("sqlite:///")))
        found += self.config_files
        return found


def load_course(root: Path) -> CourseFolders:
    """Read the configuration of the course in ``root`` as nbgrader run there would: every
    ``nbgrader_config`` file on Jupyter's config path, then the course's own."""
    from jupyter_core.application import JupyterApp
    from nbgrader.apps.baseapp import NbGrader
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange.default.exchange import Exchange

    root = Path(root).resolve()
    if not root.is_dir():
        raise GradingError(f"no course folder at {root}")
    app = NbGrader()
    app.log = _quiet  # it warns when no system-wide config file exists, the usual case
    app.load_cwd_config = False
    app.load_config_file()
    # What nbgrader's own initialize() does for the course folder.
    super(JupyterApp, app).load_config_file("nbgrader_config", path=str(root))
    config = app.config
    if "root" not in config.CourseDirectory:
        config.CourseDirectory.root = str(root)
    coursedir = CourseDirectory(config=config)
    config_file = root / "nbgrader_config.py"
    return CourseFolders(
        root=Path(coursedir.root), course_id=coursedir.course_id, db_url=coursedir.db_url,
        config_file=config_file if config_file.is_file() else None,
        config_files=tuple(Path(p).resolve() for p in app.loaded_config_files),
        exchange=Path(Exchange(config=config).root), ignore=tuple(coursedir.ignore),
        _coursedir=coursedir)


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
