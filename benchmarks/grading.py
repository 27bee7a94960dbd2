"""How fast a cohort is graded: nbgrader alone, rail.instructor in parallel, and the floor.

Usage: ``python benchmarks/grading.py [--module 00-orientation] [--size 100] [--jobs N]``

Builds a synthetic cohort of ``--size`` submissions of one module (a seeded mix: right,
partly right, untouched, and broken answers), then grades it three ways, each in a fresh
copy of the course:

* **nbgrader**: ``nbgrader autograde MODULE``, one submission at a time, no sandbox;
* **rail.instructor**: ``python -m rail.instructor autograde MODULE``, sandboxed, with one job
  (the cost of the sandbox and the private copies) and with ``--jobs N``;
* **floor**: the same notebooks executed one after another with nbclient, no grading at all.

Prints wall time, submissions per minute and peak memory (the largest total resident set of
the whole process tree, sampled every 0.2 s) side by side, with ratios to the floor and to
nbgrader. Each course copy has its module's time budget recorded first, as ``make
release`` does, so no run pays for it. Then, over a sample graded in-process with one job,
where a submission's time goes (preparing the private course, nbgrader's own work, the
kernel's start, the integrity checks, the cells, recording the grades) and what the
integrity checks cost as a share of it. Then, for every module, the peak address space and
resident memory of the sandboxed kernel grading the solution, against the memory limit.
It measures; it does not judge, and it is not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat

from rail.instructor.autograde import GradingOptions, grade_cohort, measure_budget

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.course's notebook helpers

from tests.cohort import Cohort  # noqa: E402
from tests.course import NOTEBOOK, nbgrader_env, solved, with_answers  # noqa: E402

MIX = {"right": 0.4, "partly right": 0.3, "untouched": 0.2, "broken": 0.1}


def cohort_notebooks(module: str, size: int, seed: int = 2026) -> dict[str, nbformat.NotebookNode]:
    """``size`` submissions by trainee id, drawn with a fixed seed from :data:`MIX`."""
    source = nbformat.read(ROOT / "solutions" / module / NOTEBOOK, as_version=4)
    released = nbformat.read(ROOT / "exercises" / module / NOTEBOOK, as_version=4)
    answers = [cell.metadata["nbgrader"]["grade_id"] for cell in released.cells
               if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution")]
    rng = random.Random(seed)
    kinds = rng.choices(list(MIX), weights=list(MIX.values()), k=size)
    cohort = {}
    for number, kind in enumerate(kinds):
        right = solved(released, source)
        if kind == "right":
            nb = right
        elif kind == "untouched":
            nb = released
        elif kind == "partly right":
            wrong = rng.sample(answers, k=rng.randint(1, max(1, len(answers) // 2)))
            nb = with_answers(right, {grade_id: "result = None" for grade_id in wrong})
        else:
            nb = with_answers(right, {rng.choice(answers): "raise RuntimeError('broken')"})
        cohort[f"trainee{number:03d}"] = nb
    return cohort


def make_course(folder: Path, module: str, cohort: dict[str, nbformat.NotebookNode]) -> Path:
    """A course copy in ``folder`` with ``cohort`` in ``submitted/``, as after a collect."""
    folder.mkdir(parents=True)
    course = Cohort(folder, module)
    for trainee, nb in cohort.items():
        course.submit_notebook(trainee, nb)
    measure_budget(folder, module, log=lambda message: None)  # as `make release` does
    return folder


class TreeMemory:
    """Samples the total resident memory of a process and all its descendants."""

    def __init__(self, pid: int, interval: float = 0.2):
        self.pid, self.interval, self.peak = pid, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss(self.pid))
            time.sleep(self.interval)


def _tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                parent = int(handle.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/statm") as handle:
                rss[int(entry)] = int(handle.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack += children.get(pid, [])
    return total


def timed(command: list[str], cwd: Path) -> tuple[float, int]:
    """Run ``command``; return wall seconds and peak tree memory in bytes."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=nbgrader_env(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    with TreeMemory(process.pid) as memory:
        code = process.wait()
    if code != 0:
        raise SystemExit(f"{' '.join(command)} failed with exit code {code}")
    return time.perf_counter() - start, memory.peak


FLOOR = """
import sys
from pathlib import Path
import nbformat

from rail.instructor.autograde import GradingOptions
from nbclient import NotebookClient
for path in map(Path, sys.argv[1:]):
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", default="00-orientation")
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--sample", type=int, default=30,
                        help="submissions graded in-process for the breakdown of time")
    args = parser.parse_args(argv)

    cohort = cohort_notebooks(args.module, args.size)
    print(f"{args.size} submissions of {args.module}; {args.jobs} worker(s) for rail.instructor; "
          f"{len(os.sched_getaffinity(0))} core(s)")
    results = {}
    with tempfile.TemporaryDirectory(prefix="rail-bench-") as scratch:
        base = Path(scratch)
        course = make_course(base / "nbgrader", args.module, cohort)
        results["nbgrader autograde (sequential)"] = timed(
            [sys.executable, "-m", "nbgrader", "autograde", args.module, "--force"], course)
        for jobs in sorted({1, args.jobs}):
            course = make_course(base / f"rail-{jobs}", args.module, cohort)
            results[f"rail.instructor (sandboxed, {jobs} job{'s' * (jobs > 1)})"] = timed(
                [sys.executable, "-m", "rail.instructor", "autograde", args.module, "--force",
                 "--jobs", str(jobs)], course)
        course = make_course(base / "floor", args.module, cohort)
        notebooks = sorted(str(p) for p in (course / "submitted").glob(f"*/{args.module}/*.ipynb"))
        results["floor (execute only, sequential)"] = timed(
            [sys.executable, "-c", FLOOR, *notebooks], course)

    floor_wall = results["floor (execute only, sequential)"][0]
    nbgrader_wall = results["nbgrader autograde (sequential)"][0]
    print(f"{'method':42} {'wall (s)':>9} {'subm./min':>10} {'peak (MiB)':>11} {'x floor':>8} "
          f"{'speed-up':>9}")
    for name, (wall, peak) in results.items():
        print(f"{name:42} {wall:9.1f} {args.size / wall * 60:10.1f} {peak / 2**20:11.0f} "
              f"{wall / floor_wall:8.2f} {nbgrader_wall / wall:8.2f}x")

    breakdown(args.module, dict(list(cohort.items())[:args.sample]))

    print("\nOne grading kernel per module, the solution graded in the sandbox "
          f"(limit {GradingOptions().memory_limit / 2**30:g} GiB of address space):")
    print(f"{'module':24} {'peak address space (MiB)':>25} {'peak resident (MiB)':>20}")
    with tempfile.TemporaryDirectory(prefix="rail-bench-") as scratch:
        for module in sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir()):
            peak, resident = kernel_memory(Path(scratch) / module, module)
            print(f"{module:24} {peak / 2**20:25.0f} {resident / 2**20:20.0f}")
    return 0


PHASES = ["prepare", "nbgrader", "scan", "kernel start", "checks start", "cells",
          "checks in the kernel", "record"]


def breakdown(module: str, sample: dict[str, nbformat.NotebookNode]) -> None:
    """Where a submission's time goes, from :attr:`Outcome.timings` of an in-process run."""
    with tempfile.TemporaryDirectory(prefix="rail-bench-") as scratch:
        course = make_course(Path(scratch) / "course", module, sample)
        outcomes = grade_cohort(course, module, options=GradingOptions(jobs=1, force=True))
    graded = [o for o in outcomes if o.timings.get("nbgrader")]
    mean = {phase: sum(o.timings.get(phase, 0.0) for o in graded) / len(graded)
            for phase in PHASES}
    total = mean["prepare"] + mean["nbgrader"] + mean["record"]
    inside = mean["scan"] + mean["kernel start"] + mean["checks start"] + mean["cells"]
    print(f"\nWhere one submission's time goes ({len(graded)} graded in-process, one job; "
          "seconds, mean):")
    rows = [("prepare the private course", mean["prepare"]),
            ("nbgrader's own work (start, sanitize, save)", mean["nbgrader"] - inside),
            ("  scan of the trainee's code", mean["scan"]),
            ("  kernel start in the sandbox", mean["kernel start"]),
            ("  checks start (imports, baseline)", mean["checks start"]),
            ("  cells (reports after tests included)", mean["cells"]),
            ("record: merge grades, publish notebook", mean["record"])]
    for name, seconds in rows:
        print(f"{name:46} {seconds:7.3f} {seconds / total:7.1%}")
    checks = mean["scan"] + mean["checks start"] + mean["checks in the kernel"]
    print(f"{'total':46} {total:7.3f}")
    print(f"integrity checks (scan + start + reports, {mean['checks in the kernel']:.3f} s in "
          f"the kernel): {checks:.3f} s = {checks / total:.1%} of grading time (the start "
          "includes imports the notebook makes anyway: an upper bound)")
    flagged = sum(o.status != "graded" for o in outcomes)
    print(f"outcomes other than 'graded' in the sample: {flagged}")


MEMORY_PROBE = """\
import re
print("PEAK", *re.findall(r"(?:VmPeak|VmHWM):\\s+(\\d+) kB", open("/proc/self/status").read()))
"""


def kernel_memory(folder: Path, module: str) -> tuple[int, int]:
    """Peak address space and peak resident memory (bytes) of the sandboxed kernel that
    grades the solution of ``module``, read by a cell appended to the notebook."""
    folder.mkdir(parents=True)
    course = Cohort(folder, module)
    nb = course.solution()
    nb.cells.append(nbformat.v4.new_code_cell(MEMORY_PROBE))
    course.submit_notebook("probe", nb)
    course.autograde(module, "--jobs", "1")
    graded = nbformat.read(folder / "autograded" / "probe" / module / NOTEBOOK, as_version=4)
    line = next(o["text"] for o in graded.cells[-1].outputs if o.get("name") == "stdout")
    peak, resident = (int(kb) * 1024 for kb in line.split()[1:3])
    return peak, resident


if __name__ == "__main__":
    sys.exit(main())
