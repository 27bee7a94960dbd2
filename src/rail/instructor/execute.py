"""Running a submission's notebook: nbgrader's executor with a cap on each cell's output."""

from __future__ import annotations

import json
from pathlib import Path

from nbgrader.preprocessors import Execute
from traitlets import Integer

from rail.instructor.sandbox import GIB

OUTPUT_CAP_MARK = "[RAIL grader] output beyond"
OUTPUT_CAP_NOTE = OUTPUT_CAP_MARK + " {limit:,} bytes was dropped"


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

    ours = f"{__name__}.{LimitedExecute.__name__}"
    return [ours if cls is Execute else f"{cls.__module__}.{cls.__name__}"
            for cls in Autograde.class_traits()["autograde_preprocessors"].default()]


def execution_notes(notebook: Path, *, memory_limit: int, max_output_bytes: int) -> list[str]:
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
                         f"{memory_limit / GIB:g} GiB)")
        if OUTPUT_CAP_MARK in texts:
            notes.append(f"cell {label!r} printed more than "
                         f"{max_output_bytes:,} bytes; the rest was dropped")
    return notes
