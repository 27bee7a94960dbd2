"""A submission looked at before anything of it runs: which file is which notebook, what
the trainee changed in the locked test cells, and nbgrader marks that were not released.

Nothing here runs trainee code, so it is fast and tested on small notebooks in-process.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rail.instructor.gradebook import ModuleRecord, ReleasedNotebook

# A notebook may have this many cells: twice the release's, and room for scratch work.
EXTRA_CELLS = 100


def max_cells(released: ReleasedNotebook) -> int:
    """The most cells a submitted notebook may have and still be graded."""
    return 2 * released.cells + EXTRA_CELLS


@dataclass
class Inspection:
    """A submission looked at before grading: which file was chosen as which notebook, and
    the notebook as it will be graded (nbgrader marks that were not released removed)."""

    chosen: dict[str, Path] = field(default_factory=dict)
    cleaned: dict[str, Any] = field(default_factory=dict)
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
        released = module.released[name]
        nb, problem = _read_notebook(path, max_cells(released))
        if problem is None and len(nb.cells) > max_cells(released):
            problem = (f"it has {len(nb.cells):,} cells; the release has {released.cells} and "
                       f"at most {max_cells(released)} are graded (remove the extra cells "
                       "and submit again)")
        if problem:
            del result.chosen[name]
            result.notes.append(f"{path.name} cannot be graded: {problem}")
            continue
        result.notes += clean_marks(nb, released)
        result.notes += _changed_tests(nb, released.tests)
        result.cleaned[name] = nb
    if not result.chosen:
        result.reason_not_graded = "; ".join(result.notes) or "no notebook submitted"
        result.notes = []
    return result


def _read_notebook(path: Path, cell_limit: int) -> tuple[Any, str | None]:
    """The notebook at ``path`` and None, or None and why nbgrader could not grade it."""
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)
        if len(nb.get("cells", [])) <= cell_limit:  # a huge notebook is refused unread
            nbformat.validate(nb)
    except UnicodeDecodeError:
        return None, "it is not text (UTF-8)"
    except Exception as error:  # nbformat raises many kinds for a file that is not a notebook
        for cause in (error, error.__cause__):
            if isinstance(cause, json.JSONDecodeError):
                return None, f"it is not valid JSON (line {cause.lineno}, column {cause.colno})"
        return None, f"it is not a valid notebook ({type(error).__name__}: {_first_line(error)})"
    return nb, None


def clean_marks(nb: Any, released: ReleasedNotebook) -> list[str]:
    """Keep nbgrader's marks only where the release put them; return notes on the rest.

    A cell marked with a grade id the release does not have, or a second copy of a
    released cell's marks (Jupyter copies a cell's metadata with the cell), becomes an
    ordinary cell: it still runs, but cannot claim points or stand in for a test. As
    nbgrader does, the last copy of a duplicated cell keeps the marks. The kept marks are
    the released ones, so edited points or flags cannot change what a cell is worth.
    """
    notes = []
    last: dict[str, int] = {}
    for index, cell in enumerate(nb.cells):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id is not None:
            last[grade_id] = index
    copies: dict[str, int] = {}
    for index, cell in enumerate(nb.cells):
        marks = cell.get("metadata", {}).get("nbgrader")
        if marks is None:
            continue
        grade_id = marks.get("grade_id")
        if grade_id not in released.marks:
            del cell.metadata["nbgrader"]
            what = f"grade id {grade_id!r}" if grade_id is not None else "nbgrader marks"
            notes.append(f"cell #{index + 1} carried {what}, which the release does not "
                         "have: it ran as an ordinary cell")
        elif index != last[grade_id]:
            del cell.metadata["nbgrader"]
            copies[grade_id] = copies.get(grade_id, 0) + 1
        else:
            cell_type, release_marks = released.marks[grade_id]
            if dict(marks) != release_marks or cell.cell_type != cell_type:
                notes.append(f"cell {grade_id!r} had its nbgrader marks changed: the "
                             "released ones were put back")
            cell.metadata["nbgrader"] = dict(release_marks)
    for grade_id, count in sorted(copies.items()):
        notes.append(f"cell {grade_id!r} appeared {count + 1} times: the last one was graded "
                     "as it, the others ran as ordinary cells")
    return notes


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
