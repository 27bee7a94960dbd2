"""How fast a cohort is graded: nbgrader alone, rail.instructor in parallel, and the floor.

Usage: ``python benchmarks/grading.py [--module 00-orientation] [--size 100] [--jobs N ...]``

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
import contextlib
import itertools
import os
import random
import resource
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


class TreeCpu:
    """CPU seconds used by a command and everything it starts (kernels in their sandboxes
    included), from a control group of its own when the machine lets us make one (root,
    cgroup v1 ``cpuacct`` or cgroup v2), else from the reaped children's usage. Unlike
    wall time, it barely moves when other work shares the machine."""

    _numbers = itertools.count()

    def __init__(self) -> None:
        self.group: Path | None = None
        mounts = Path("/proc/self/mounts").read_text().splitlines() if os.geteuid() == 0 else []
        for line in mounts:
            _, mountpoint, fstype, options, *_ = line.split()
            if fstype == "cgroup" and "cpuacct" in options.split(","):
                self.group, self.usage, self.scale = Path(mountpoint), "cpuacct.usage", 1e-9
                break
            if fstype == "cgroup2":
                self.group, self.usage, self.scale = Path(mountpoint), "cpu.stat", 1e-6
        if self.group is not None:
            self.group = self.group / f"rail-bench-{os.getpid()}-{next(self._numbers)}"
            try:
                self.group.mkdir()
            except OSError:
                self.group = None
        self._children = resource.getrusage(resource.RUSAGE_CHILDREN)

    def join(self) -> None:
        """Run in the child before it starts the command: enter the control group."""
        if self.group is not None:
            (self.group / "cgroup.procs").write_text(f"{os.getpid()}\n")

    def seconds(self) -> float:
        """CPU seconds so far; removes the control group once its processes have ended."""
        if self.group is None:
            now = resource.getrusage(resource.RUSAGE_CHILDREN)
            return (now.ru_utime + now.ru_stime - self._children.ru_utime
                    - self._children.ru_stime)
        deadline = time.monotonic() + 10  # processes the command left may take a moment
        while (self.group / "cgroup.procs").read_text().strip() and time.monotonic() < deadline:
            time.sleep(0.1)
        text = (self.group / self.usage).read_text()
        value = int(text.split()[0] if self.usage == "cpuacct.usage"
                    else text.split("usage_usec")[1].split()[0])
        with contextlib.suppress(OSError):
            self.group.rmdir()
        return value * self.scale


def timed(command: list[str], cwd: Path) -> tuple[float, int, float]:
    """Run ``command``; return wall seconds, peak tree memory in bytes and CPU seconds."""
    cpu = TreeCpu()
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=nbgrader_env(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, preexec_fn=cpu.join)
    with TreeMemory(process.pid) as memory:
        code = process.wait()
    wall = time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"{' '.join(command)} failed with exit code {code}")
    return wall, memory.peak, cpu.seconds()


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
    parser.add_argument("--jobs", type=int, nargs="+", default=[len(os.sched_getaffinity(0))],
                        help="worker counts to try for rail.instructor (one job is always tried)")
    parser.add_argument("--sample", type=int, default=30,
                        help="submissions graded in-process for the breakdown of time")
    args = parser.parse_args(argv)

    cohort = cohort_notebooks(args.module, args.size)
    workers = ", ".join(map(str, args.jobs))
    print(f"{args.size} submissions of {args.module}; {workers} worker(s) for rail.instructor; "
          f"{len(os.sched_getaffinity(0))} core(s)")
    results = {}
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="rail-bench-") as scratch:
        base = Path(scratch)
        course = make_course(base / "nbgrader", args.module, cohort)
        results["nbgrader autograde (sequential)"] = timed(
            [sys.executable, "-m", "nbgrader", "autograde", args.module, "--force"], course)
        for jobs in sorted({1, *args.jobs}):
            course = make_course(base / f"rail-{jobs}", args.module, cohort)
            results[f"rail.instructor (sandboxed, {jobs} job{'s' * (jobs > 1)})"] = timed(
                [sys.executable, "-m", "rail.instructor", "autograde", args.module, "--force",
                 "--jobs", str(jobs)], course)
        course = make_course(base / "floor", args.module, cohort)
        notebooks = sorted(str(p) for p in (course / "submitted").glob(f"*/{args.module}/*.ipynb"))
        results["floor (execute only, sequential)"] = timed(
            [sys.executable, "-c", FLOOR, *notebooks], course)

    floor_wall = results["floor (execute only, sequential)"][0]
    nbgrader_wall, nbgrader_cpu = (results["nbgrader autograde (sequential)"][i] for i in (0, 2))
    print(f"machine load (1-minute average) before: {load_before:.2f}, after: "
          f"{os.getloadavg()[0]:.2f} (other work on the machine slows the wall times, "
          "hardly the CPU times)")
    print(f"{'method':42} {'wall (s)':>9} {'subm./min':>10} {'peak (MiB)':>11} {'x floor':>8} "
          f"{'speed-up':>9} {'CPU (s)':>8} {'CPU/subm.':>10} {'CPU x nbgr.':>11}")
    for name, (wall, peak, cpu) in results.items():
        print(f"{name:42} {wall:9.1f} {args.size / wall * 60:10.1f} {peak / 2**20:11.0f} "
              f"{wall / floor_wall:8.2f} {nbgrader_wall / wall:8.2f}x {cpu:8.1f} "
              f"{cpu / args.size:10.2f} {cpu / nbgrader_cpu:10.2f}x")

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
          "checks in the kernel", "checks start: imports", "record"]


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
    # The start imports the modules the notebook imports (its first cells would otherwise):
    # that part is not the checks' cost.
    imports = mean["checks start: imports"]
    checks = mean["scan"] + mean["checks start"] - imports + mean["checks in the kernel"]
    print(f"{'total':46} {total:7.3f}")
    print(f"integrity checks: scan {mean['scan']:.3f} s + start without the notebook's imports "
          f"{mean['checks start'] - imports:.3f} s + reports {mean['checks in the kernel']:.3f} s "
          f"= {checks:.3f} s, {checks / total:.1%} of grading time (the imports, "
          f"{imports:.3f} s, move from the first cells to the start)")
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
