"""Running a submission's notebook: nbgrader's executor, watched and held to its limits.

:class:`GuardedExecute` takes the place of nbgrader's ``Execute`` in its autograde
preprocessors. It runs the same cells in the same kernel, and in addition

* runs the kernel in the submission's scratch space, where the notebook itself (which holds
  the hidden tests once nbgrader has restored them) is not;
* keeps at most ``max_output_bytes`` of each cell's output;
* gives the whole notebook a time budget, and cells left when it runs out are not run;
* applies the checks of :mod:`rail.instructor.guard` and withholds the points of every
  test from the first finding on;
* records what it observed (time limits, output cut, the scratch space or the control
  group's limits reached) in a report the grader turns into the trainee's outcome.

Everything recorded is observed here, outside the kernel: nothing the trainee's code prints
can make the grader report a limit it did not see.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

from nbformat.notebooknode import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Enum, Float, Integer, Unicode

from rail.instructor.guard import Plan, Watch, scan_notebook
from rail.instructor.limits import JobLimits, scratch_use

WITHHELD = "PointsWithheld"
NOT_RUN = "NotRun"
# Scratch space with less free than this after a cell counts as filled by it.
SCRATCH_SLACK = 4 * 1024**2


class GuardedExecute(Execute):
    """nbgrader's Execute, with the grader's limits, checks and observations."""

    max_output_bytes = Integer(
        1_000_000, help="Bytes of output kept per cell; the rest is dropped."
    ).tag(config=True)
    time_budget = Float(
        0, help="Seconds the whole notebook may run (0: no limit beyond each cell's)."
    ).tag(config=True)
    job_file = Unicode(
        "", help="The submission's limits (rail.instructor.limits.JobLimits, as JSON)."
    ).tag(config=True)
    report_file = Unicode(
        "", help="Where to write what was found and observed (JSON)."
    ).tag(config=True)
    # Nothing of the kernel outlives the submission: stop it at once rather than wait up
    # to a second for a clean exit (its sandbox dies with it: bwrap's pid namespace).
    shutdown_kernel = Enum(["graceful", "immediate"], default_value="immediate").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None):
        from nbclient import NotebookClient

        resources = resources if resources is not None else {}
        self.limits = JobLimits.load(Path(self.job_file)) if self.job_file else None
        self.plan = Plan.of(nb)
        self.watch = Watch(self.plan)
        python_files = self._working_copy(resources)
        scan_started = time.monotonic()
        self.scanned = scan_notebook(nb, self.plan, python_files)
        self.timings = {"scan": time.monotonic() - scan_started}
        self.findings: list[tuple[int, str]] = [(f.cell, f.what) for f in self.scanned]
        self.problems: list[tuple[int, str]] = []
        self.observations: list[str] = []
        self._output_bytes: dict[int, int] = {}
        self._reply: dict[str, Any] = {}
        self._expressions: dict[str, str] = {}
        self._index = -1
        self._started = self._lap_started = time.monotonic()
        self._budget_noted = False
        self._limits_reached: set[str] = set()
        self.withheld: list[str] = []
        self._deadline = self._started + self.time_budget if self.time_budget else None
        self._counters = self._read_counters()

        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        try:
            with self.setup_kernel():
                info = self.wait_for_reply(self.kc.kernel_info())
                self.nb.metadata["language_info"] = info["content"]["language_info"]
                self._kc_execute = self.kc.execute
                self.kc.execute = self._execute
                self._lap("kernel start")
                self._start_watch()
                self._lap("checks start")
                for index, cell in enumerate(self.nb.cells):
                    self._run_cell(cell, index)
                self._lap("cells")
            self.set_widgets_metadata()
            self._withhold()
        finally:
            self._write_report()
        return self.nb, self.resources

    def _lap(self, phase: str) -> None:
        now = time.monotonic()
        self.timings[phase] = now - self._lap_started
        self._lap_started = now

    # the working copy -----------------------------------------------------------------

    def _working_copy(self, resources: dict) -> dict[str, str]:
        """Run the kernel in the scratch space, with the submission's other files (not the
        notebook); return the Python files among them, by name, for the scan."""
        metadata = resources.setdefault("metadata", {})
        origin = Path(metadata.get("path") or ".")
        python_files = {}
        for path in sorted(origin.glob("*.py")):
            if path.is_file() and not path.is_symlink():
                python_files[path.name] = path.read_text(errors="replace")
        if self.limits is None or not self.limits.home:
            return python_files
        home = Path(self.limits.home)
        for item in origin.iterdir():
            if item.suffix == ".ipynb" or item.is_symlink():
                continue
            if item.is_dir():
                shutil.copytree(item, home / item.name, symlinks=False,
                                ignore=shutil.ignore_patterns("*.ipynb"))
            elif item.is_file():
                shutil.copyfile(item, home / item.name)
        metadata["path"] = str(home)
        return python_files

    # running --------------------------------------------------------------------------

    def _start_watch(self) -> None:
        code, expressions = self.watch.install_request()
        msg_id = self._kc_execute(code, silent=True, store_history=False,
                                  user_expressions=expressions)
        reply = self.wait_for_reply(msg_id)
        problem = self.watch.start(reply["content"] if reply else {})
        if problem:
            self.problems.append((-1, problem))

    def _run_cell(self, cell: NotebookNode, index: int) -> None:
        if cell.cell_type != "code" or not cell.source.strip():
            return
        if self._deadline is not None and time.monotonic() >= self._deadline:
            cell.outputs = [_error(NOT_RUN, "not run: the submission's time budget "
                                            f"({self.time_budget:g} s) was used up")]
            if not self._budget_noted:
                self._budget_noted = True
                self.observations.append(
                    f"the time budget of {self.time_budget:g} s ran out before cell "
                    f"{self.plan.labels[index]}; it and the cells after it did not run")
            return
        original = cell.source
        self._index, self._reply = index, {}
        cell.source = self.watch.source(index, original)
        self._expressions = self.watch.expressions(index)
        try:
            self.preprocess_cell(cell, self.resources, index)
        finally:
            cell.source = original
            self._expressions = {}
            self._observe(index)
        self.problems += [(index, problem) for problem in self.watch.judge(index, self._reply)]

    def _execute(self, code: str, **kwargs: Any) -> str:
        """The kernel client's execute, with this cell's expressions."""
        if self._expressions:
            kwargs["user_expressions"] = self._expressions
        return self._kc_execute(code, **kwargs)

    def on_cell_executed(self, **kwargs: Any) -> None:
        super().on_cell_executed(**kwargs)
        self._reply = kwargs["execute_reply"].get("content", {})

    def _get_timeout(self, cell: NotebookNode | None) -> int | None:
        timeout = super()._get_timeout(cell)
        if self._deadline is None:
            return timeout
        left = max(1, int(self._deadline - time.monotonic()) + 1)
        return left if timeout is None else min(timeout, left)

    async def _async_handle_timeout(self, timeout: int, cell: NotebookNode | None = None):
        label = self.plan.labels[self._index] if self._index >= 0 else "?"
        if self._deadline is not None and time.monotonic() >= self._deadline - 1:
            self._budget_noted = True
            self.observations.append(
                f"the time budget of {self.time_budget:g} s ran out during cell {label}; "
                "the cells after it did not run")
        else:
            self.observations.append(f"cell {label} was stopped at the time limit per cell "
                                     f"({timeout} s)")
        return await super()._async_handle_timeout(timeout, cell)

    def output(self, outs, msg, display_id, cell_index):
        used = self._output_bytes.get(cell_index, 0)
        if used > self.max_output_bytes:
            return None
        size = len(json.dumps(msg.get("content", {})))
        self._output_bytes[cell_index] = used + size
        if used + size > self.max_output_bytes:
            self._output_bytes[cell_index] = self.max_output_bytes + 1
            label = self.plan.labels[cell_index]
            self.observations.append(f"cell {label} printed more than "
                                     f"{self.max_output_bytes:,} bytes; the rest was dropped")
            note = new_output("stream", name="stderr", text=(
                f"[grader] output beyond {self.max_output_bytes:,} bytes was dropped\n"))
            outs.append(note)
            return note
        return super().output(outs, msg, display_id, cell_index)

    # observations ---------------------------------------------------------------------

    def _read_counters(self) -> dict[str, int]:
        group = self.limits.group() if self.limits else None
        return group.counters() if group else {}

    def _observe(self, index: int) -> None:
        """Note the limits the cell reached, as the scratch space and control group show
        (each limit once: at the first cell that reached it)."""
        label = self.plan.labels[index]
        cell = self.nb.cells[index]
        names = {o.get("ename") for o in cell.get("outputs", []) if o.output_type == "error"}
        if any(name and name.endswith("MemoryError") for name in names):
            self.observations.append(f"cell {label} raised MemoryError")
        if self.limits is None:
            return
        reached = {}
        use = scratch_use(Path(self.limits.scratch)) if self.limits.scratch else None
        if use is not None:
            reached["bytes"] = use.bytes_free < SCRATCH_SLACK
            reached["files"] = use.files_free == 0
        group = self.limits.group()
        counters = self._read_counters()
        if counters and group:
            reached["processes"] = (counters["processes_refused"]
                                    > self._counters.get("processes_refused", 0))
            # Some kernels count no failures in cgroup v1, only the processes killed.
            reached["memory"] = any(counters[key] > self._counters.get(key, 0)
                                    for key in ("memory_hits", "oom_kills"))
            self._counters = counters
        texts = {
            "bytes": f"filled the scratch space (working copy and /tmp together: "
                     f"{self.limits.scratch_bytes / 1024**2:g} MiB)",
            "files": f"reached the limit of {self.limits.scratch_files:,} files in the "
                     "working copy and /tmp",
            "processes": f"reached the limit of {group.processes if group else 0} processes "
                         "and threads",
            "memory": f"reached the submission's memory limit "
                      f"({(group.memory if group else 0) / 1024**3:.3g} GiB, /tmp and "
                      "working copy included)",
        }
        for kind, now in reached.items():
            if now and kind not in self._limits_reached:
                self._limits_reached.add(kind)
                self.observations.append(f"cell {label} {texts[kind]}")

    # points -----------------------------------------------------------------------------

    def _notes(self) -> list[str]:
        """The scan's findings by cell, and the checks' problems by the cells after which
        they were seen."""
        notes = []
        by_cell: dict[str, list[str]] = {}
        for finding in self.scanned:
            by_cell.setdefault(finding.label, []).append(finding.what)
        for label, whats in by_cell.items():
            notes.append(f"cell {label} " + "; ".join(dict.fromkeys(whats)))
        by_problem: dict[str, list[str]] = {}
        for index, problem in self.problems:
            label = self.plan.labels[index] if index >= 0 else "(start)"
            by_problem.setdefault(problem, []).append(label)
        for problem, labels in by_problem.items():
            where = "before any cell ran" if labels == ["(start)"] else (
                f"after cell {labels[0]}" if len(labels) == 1 else
                f"after cells {', '.join(dict.fromkeys(labels))}")
            notes.append(f"{where}: {problem}")
        return notes

    def _withhold(self) -> None:
        """Give no points to the tests from the first finding on (an error output)."""
        found = self.findings + self.problems
        if not found:
            return
        first = min(cell for cell, _ in found)
        reason = "; ".join(self._notes())
        for index in self.plan.tests:
            if index < first:
                continue
            cell = self.nb.cells[index]
            cell.outputs.append(_error(WITHHELD, "points withheld until an instructor "
                                                 f"reviews this submission: {reason}"))
            self.withheld.append(cell.metadata["nbgrader"]["grade_id"])

    def _write_report(self) -> None:
        if not self.report_file:
            return
        report = {
            "findings": self._notes(),
            "withheld": self.withheld,
            "observations": list(dict.fromkeys(self.observations)),
            "seconds": round(time.monotonic() - self._started, 3),
            "timings": {**{k: round(v, 4) for k, v in self.timings.items()},
                        "checks in the kernel": round(self.watch.check_seconds, 4),
                        **{f"checks start: {k}": round(v, 4)
                           for k, v in self.watch.install_seconds.items()}},
        }
        path = Path(self.report_file)
        path.write_text(json.dumps(report, indent=1))
        os.chmod(path, 0o600)


def _error(name: str, text: str) -> NotebookNode:
    return new_output("error", ename=name, evalue=text, traceback=[f"{name}: {text}"])


def autograde_preprocessors() -> list[str]:
    """nbgrader's own autograde preprocessors, by import name, with :class:`GuardedExecute`
    in place of its Execute."""
    from nbgrader.converters import Autograde

    ours = f"{__name__}.{GuardedExecute.__name__}"
    return [ours if cls is Execute else f"{cls.__module__}.{cls.__name__}"
            for cls in Autograde.class_traits()["autograde_preprocessors"].default()]
