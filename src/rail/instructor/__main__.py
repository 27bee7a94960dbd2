"""The instructor's command line.

    python -m rail.instructor budget 01-data-and-bias
    python -m rail.instructor autograde 01-data-and-bias --jobs 2
    python -m rail.instructor report 01-data-and-bias --out reports/01.png

See docs/instructors.md for the whole cycle (release, collect, autograde, feedback, report).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from rail.instructor.autograde import GradingOptions, grade_cohort, measure_budget
from rail.instructor.course import GradingError, load_course
from rail.instructor.outcomes import STATUSES, Outcome, write_outcomes

PROG = "python -m rail.instructor"


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


def _parser() -> argparse.ArgumentParser:
    defaults = GradingOptions()
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    autograde = commands.add_parser("autograde", help="grade every submission of a module")
    autograde.add_argument("module")
    autograde.add_argument("--course", type=Path, default=Path.cwd(),
                           help="course folder (default: the current folder)")
    autograde.add_argument("--student", action="append", dest="students",
                           help="grade only this trainee (repeatable)")
    autograde.add_argument("--jobs", type=int, default=defaults.jobs,
                           help="submissions graded at once (default: one per core)")
    autograde.add_argument("--cell-timeout", type=int, default=defaults.cell_timeout,
                           help="seconds per cell (default: the course's setting)")
    autograde.add_argument("--submission-timeout", type=float,
                           default=defaults.submission_timeout,
                           help="seconds for a whole submission (default: the module's "
                                "budget, ten times the solution's run time)")
    autograde.add_argument("--memory-limit", type=parse_size, default=defaults.memory_limit,
                           help=f"memory per process of a grading kernel (default "
                                f"{defaults.memory_limit / 1024**3:g}G)")
    autograde.add_argument("--max-processes", type=int, default=defaults.max_processes,
                           help=f"processes and threads per submission "
                                f"(default {defaults.max_processes})")
    autograde.add_argument("--scratch-size", type=parse_size, default=defaults.scratch_size,
                           help=f"working copy and /tmp together (default "
                                f"{defaults.scratch_size // 1024**2}M)")
    autograde.add_argument("--scratch-files", type=int, default=defaults.scratch_files,
                           help=f"files in the working copy and /tmp together "
                                f"(default {defaults.scratch_files})")
    autograde.add_argument("--max-output", type=parse_size, default=defaults.max_output_bytes,
                           help=f"output kept per cell (default {defaults.max_output_bytes} "
                                "bytes)")
    autograde.add_argument("--no-sandbox", action="store_true",
                           help="run trainee code unconfined (trusted submissions only)")
    autograde.add_argument("--force", action="store_true",
                           help="grade again submissions graded before")
    autograde.add_argument("--outcomes", type=Path, default=None,
                           help="CSV of outcomes (default: outcomes/MODULE.csv)")

    budget = commands.add_parser("budget", help="grade the solution: record its run time, "
                                                "check it earns every point")
    budget.add_argument("module")
    budget.add_argument("--course", type=Path, default=Path.cwd(),
                        help="course folder (default: the current folder)")
    budget.add_argument("--no-sandbox", action="store_true",
                        help="run the solution unconfined")

    report = commands.add_parser("report", help="score distribution and per-task difficulty")
    report.add_argument("module", help="module id, e.g. 00-orientation")
    report.add_argument("--db", default=None,
                        help="nbgrader db_url (default: the one of the course in this folder)")
    report.add_argument("--out", help="write the figure to this PNG file")
    report.add_argument("--csv", help="write the per-task table to this CSV file")
    return parser


def autograde(args: argparse.Namespace) -> int:
    _venv_first_on_path()
    started = time.perf_counter()
    try:
        options = GradingOptions(
            jobs=args.jobs, cell_timeout=args.cell_timeout,
            submission_timeout=args.submission_timeout, memory_limit=args.memory_limit,
            max_processes=args.max_processes, scratch_size=args.scratch_size,
            scratch_files=args.scratch_files, max_output_bytes=args.max_output,
            sandbox=not args.no_sandbox, force=args.force)
        outcomes = grade_cohort(args.course, args.module, students=args.students,
                                options=options, progress=_print_outcome, log=_say)
    except (GradingError, OSError, RuntimeError, ValueError) as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: stopped. The submissions listed above as graded are in the "
              "gradebook; run the same command again to grade the rest.", file=sys.stderr)
        return 130
    path = write_outcomes(outcomes, args.outcomes or
                          args.course.resolve() / "outcomes" / f"{args.module}.csv")
    counts = {status: sum(o.status == status for o in outcomes) for status in STATUSES}
    print(", ".join(f"{n} {status}" for status, n in counts.items() if n)
          + f" in {time.perf_counter() - started:.0f} s with {options.workers} worker(s); "
          f"outcomes in {path}")
    return 0


def _say(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr, flush=True)


def budget(args: argparse.Namespace) -> int:
    _venv_first_on_path()
    try:
        found = measure_budget(args.course, args.module,
                               options=GradingOptions(sandbox=not args.no_sandbox), log=_say)
    except (GradingError, OSError, RuntimeError) as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 2
    print(found.describe())
    return 0 if found.healthy else 1


def _venv_first_on_path() -> None:
    # nbgrader runs tools of its environment (alembic) by name, wherever it was started from.
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"


def report(args: argparse.Namespace) -> int:
    from rail.instructor.report import (
        grades_table,
        plot_report,
        score_distribution,
        task_difficulty,
    )

    try:
        db_url = args.db or load_course(Path.cwd()).db_url
        grades = grades_table(db_url, args.module)
    except (GradingError, ValueError, RuntimeError) as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 2
    for path in (args.csv, args.out):
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    difficulty = task_difficulty(grades)
    totals = score_distribution(grades)
    print(f"{args.module}: {len(totals)} trainees, median total {totals.median():g}")
    print(difficulty.to_string(float_format=lambda v: f"{v:.2f}"))
    if args.csv:
        difficulty.to_csv(args.csv)
    if args.out:
        plot_report(grades, assignment=args.module).savefig(args.out)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return {"autograde": autograde, "budget": budget, "report": report}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
