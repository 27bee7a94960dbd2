"""The instructor's course as nbgrader sees it: its folders, gradebook and exchange."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class GradingError(RuntimeError):
    """The cohort cannot be graded at all (unknown module, unreadable course, ...)."""


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
