"""A submission looked at before anything of it runs: which file is which notebook, and
what the trainee changed in the locked test cells."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rail.instructor.gradebook import ModuleRecord


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
