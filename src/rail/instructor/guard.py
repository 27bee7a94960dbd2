"""Keeping unearned points out: what the grader checks around each test cell.

Tests and trainee code share one kernel (nbgrader's design). Trainee code could therefore
empty or skip later cells (IPython's input or AST transformers, a wrapped ``run_cell``),
swallow a failing test's error, or replace what the tests call (an assertion helper, its
``__code__``, ``math.isclose``). Prevention inside a shared process cannot be complete, so
the grader detects, with three independent checks:

1. **Before anything runs**, :func:`scan_notebook` reads every cell the trainee wrote (see
   :mod:`rail.instructor.scan`).
2. **Each test cell must prove it ran to its end**: the grader appends a line that sets a
   name chosen afresh for every test of every run, and asks the kernel, in the same
   request, whether it was set. An emptied, skipped or swallowed test cannot show it.
3. **What the tests rely on must be what it was** before any trainee code ran: IPython's
   hooks, the builtins, the names the locked cells bound, and every function and class of
   the packages the notebook uses (the kernel side is :mod:`rail.instructor._kernel_guard`).
   The comparison happens here, outside the kernel.

A finding withholds the points of every test from that cell on; the submission's outcome
is "needs review" until an instructor decides (``docs/instructors.md``). Honest work never
triggers any of the three: the test suite runs every module's solution through them.
"""

from __future__ import annotations

import ast
import builtins
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rail.instructor.scan import Finding, defined_names, imported_names, python_source, scan_source

KERNEL_GUARD = Path(__file__).with_name("_kernel_guard.py")
# Watched whatever the notebook imports: what the helpers and IPython are made of.
ALWAYS_WATCHED = ("builtins", "math", "numpy", "pandas", "rail", "IPython", "ipykernel",
                  "importlib")
BUILTIN_NAMES = frozenset(dir(builtins))

TEST, LOCKED, TRAINEE, OTHER = "test", "locked", "trainee", "other"


def _nbgrader(cell: Any) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def cell_label(cell: Any, index: int) -> str:
    """How notes name a cell: its nbgrader id, or its position (1-based)."""
    grade_id = _nbgrader(cell).get("grade_id")
    return repr(grade_id) if grade_id else f"#{index + 1}"


@dataclass
class Plan:
    """What each cell of a notebook (as nbgrader will grade it) is, for the grader.

    ``roles[i]`` is ``"test"`` (an autograded test cell), ``"locked"`` (other locked code,
    such as the setup cell), ``"trainee"`` (code the trainee wrote or could change) or
    ``"other"`` (markdown, raw, empty).
    """

    roles: list[str]
    labels: list[str]
    binds: dict[int, dict[str, str]] = field(default_factory=dict)
    """Locked cells: the names each binds to something the tests call."""
    builtins_used: dict[int, list[str]] = field(default_factory=dict)
    """Test cells: the builtin names each loads."""
    imports: list[str] = field(default_factory=list)
    """Modules imported anywhere in the notebook (the guard imports them first)."""
    imported: set[str] = field(default_factory=set)
    """Names bound by imports anywhere in the notebook."""

    @classmethod
    def of(cls, nb: Any) -> Plan:
        roles, labels, binds, used, imports, imported = [], [], {}, {}, set(), set()
        for index, cell in enumerate(nb.cells):
            labels.append(cell_label(cell, index))
            meta = _nbgrader(cell)
            if cell.cell_type != "code" or not cell.source.strip():
                roles.append(OTHER)
                continue
            source = cell.source
            imported |= set(imported_names(source))
            imports |= _imported_modules(source)
            if meta.get("grade") and meta.get("locked") and not meta.get("solution"):
                roles.append(TEST)
                used[index] = sorted(_loaded_names(source) & BUILTIN_NAMES)
                binds[index] = defined_names(source)
            elif meta.get("locked") and not meta.get("solution"):
                roles.append(LOCKED)
                binds[index] = defined_names(source)
            else:
                roles.append(TRAINEE)
        return cls(roles, labels, binds, used, sorted(imports), imported)

    def protected_before(self, index: int) -> dict[str, str]:
        """Names bound by locked cells before cell ``index``."""
        found: dict[str, str] = {}
        for cell, names in sorted(self.binds.items()):
            if cell < index:
                found.update(names)
        return found

    @property
    def tests(self) -> list[int]:
        return [i for i, role in enumerate(self.roles) if role == TEST]

    def packages(self) -> list[str]:
        return sorted({m.partition(".")[0] for m in self.imports} | set(ALWAYS_WATCHED))


def _imported_modules(source: str) -> set[str]:
    try:
        tree = ast.parse(python_source(source))
    except (SyntaxError, ValueError):
        return set()
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def _loaded_names(source: str) -> set[str]:
    try:
        tree = ast.parse(python_source(source))
    except (SyntaxError, ValueError):
        return set()
    return {node.id for node in ast.walk(tree)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


def scan_notebook(nb: Any, plan: Plan, extra_files: dict[str, str] | None = None) \
        -> list[Finding]:
    """Findings in the cells the trainee wrote, and in Python files submitted with them."""
    findings = []
    for index, role in enumerate(plan.roles):
        if role != TRAINEE:
            continue
        for what in scan_source(nb.cells[index].source,
                                protected=plan.protected_before(index),
                                modules=plan.imported):
            findings.append(Finding(index, plan.labels[index], what))
    for name, text in sorted((extra_files or {}).items()):
        for what in scan_source(text):
            # A file can be imported from any cell: it affects every test.
            findings.append(Finding(-1, f"file {name!r}", what))
    return findings


class Watch:
    """The runtime checks of one run of one notebook (checks 2 and 3 of the module doc).

    The grader's executor asks it what to send with each cell and gives it each reply.
    """

    def __init__(self, plan: Plan):
        self.plan = plan
        self.name = f"_rail_guard_{secrets.token_hex(8)}"
        self.baseline: dict[str, Any] | None = None
        self.bound: dict[str, Any] = {}
        self.check_seconds = 0.0
        """Time the kernel spent on the reports (as it says): the checks' cost."""
        self.install_seconds: dict[str, float] = {}
        """Time the kernel spent at the start on the imports and on the baseline."""
        self._flags: dict[int, str] = {}

    # requests ---------------------------------------------------------------------------

    def install_request(self) -> tuple[str, dict[str, str]]:
        """Code and expressions of the first request, before any cell runs."""
        code = (f"exec(compile({KERNEL_GUARD.read_text()!r}, '<rail-grader>', 'exec'), "
                f"_rail_ns := {{}}); _rail_ns['install']({self.name!r}, "
                f"{self.plan.imports!r}, {self.plan.packages()!r}); del _rail_ns")
        return code, {"report": self._report_expression()}

    def source(self, index: int, source: str) -> str:
        """The source to run for cell ``index``: a test cell gets the line that proves
        it ran to its end."""
        if self.plan.roles[index] != TEST:
            return source
        flag = self._flag(index)
        return f"{source.rstrip()}\n{flag} = True  # the grader's mark: this test ran to its end\n"

    def expressions(self, index: int) -> dict[str, str]:
        """The ``user_expressions`` to send with cell ``index``."""
        role = self.plan.roles[index]
        names = sorted(set(self.plan.protected_before(index)) | set(self.plan.binds.get(index, {})))
        if role == TEST:
            return {"report": self._report_expression(self._flag(index), names,
                                                      self.plan.builtins_used[index])}
        if role == LOCKED:
            return {"report": self._report_expression("", names)}
        return {}

    def _flag(self, index: int) -> str:
        """The name test cell ``index`` sets on its last line (new for every run)."""
        return self._flags.setdefault(index, f"_rail_ran_{secrets.token_hex(8)}")

    def _report_expression(self, flag: str = "", protected: list[str] | None = None,
                           shadowing: list[str] | None = None) -> str:
        return (f"__import__('sys').modules[{self.name!r}].report("
                f"{flag!r}, {protected or []!r}, {shadowing or []!r})")

    # replies ----------------------------------------------------------------------------

    def start(self, reply: dict[str, Any]) -> str | None:
        """Record the baseline from the first request's reply; a problem, or None."""
        report, problem = self._read(reply)
        if problem:
            return f"the grader's checks could not start in the kernel ({problem})"
        self.baseline = report
        self._account(report)
        install = report.get("install")
        if isinstance(install, dict):
            self.install_seconds = {key: value for key, value in install.items()
                                    if isinstance(value, float) and 0 <= value < 600}
        return None

    def judge(self, index: int, reply: dict[str, Any]) -> list[str]:
        """What is wrong after cell ``index`` ran (empty when nothing is).

        For a test cell whose code raised an error there is nothing to judge: it earns no
        points anyway.
        """
        role = self.plan.roles[index]
        if role not in (TEST, LOCKED) or reply.get("status") != "ok":
            return []
        if self.baseline is None:
            return ["the grader's checks did not start, so no test result can be trusted"]
        report, problem = self._read(reply)
        if problem:
            return [f"the grader could not check the kernel after this cell ({problem})"]
        self._account(report)
        found = []
        own = self.plan.binds.get(index, {})
        for name, ids in report["names"].items():
            if name in own:
                self.bound[name] = ids
            elif name in self.bound and ids != self.bound[name]:
                found.append(f"{name!r}, bound by a locked cell, was replaced or altered")
        if role == TEST and report["flag"] is not True:
            found.append("this test did not run to its end, yet reported no error "
                         "(a cell was emptied, skipped or had its error swallowed)")
        return found + self._compare(report)

    def _compare(self, report: dict[str, Any]) -> list[str]:
        assert self.baseline is not None
        found = []
        changed = [what for what, value in self.baseline["machinery"].items()
                   if report["machinery"].get(what) != value]
        if changed:
            found.append("changed: " + ", ".join(changed))
        modules = [name for name, value in self.baseline["modules"].items()
                   if report["modules"].get(name) != value]  # baseline names only
        if modules:
            shown = ", ".join(modules[:5]) + (f" and {len(modules) - 5} more"
                                               if len(modules) > 5 else "")
            found.append(f"functions or classes the tests rely on were replaced (in {shown})")
        # Only names the grader asked about, and a count: never text the trainee chose.
        shadowed = sorted(set(report["shadowed"]) & BUILTIN_NAMES)
        if shadowed:
            found.append("builtins the test uses were shadowed by trainee code: "
                         + ", ".join(shadowed))
        if report["threads"]:
            found.append(f"{report['threads']} thread(s) started by trainee code were running")
        return found

    @staticmethod
    def _read(reply: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
        value = (reply.get("user_expressions") or {}).get("report")
        if not value:
            return None, "no report"
        if value.get("status") != "ok":
            return None, f"{value.get('ename', 'error')}: {value.get('evalue', '')}"[:200]
        try:
            report = json.loads(ast.literal_eval(value["data"]["text/plain"]))
            shape = {"machinery": dict, "modules": dict, "names": dict, "shadowed": list,
                     "threads": int, "flag": (bool, type(None))}
            if not isinstance(report, dict) or any(
                    not isinstance(report.get(key), kind) for key, kind in shape.items()):
                raise ValueError("not a report")
        except (KeyError, ValueError, SyntaxError, TypeError, MemoryError) as error:
            return None, f"an unreadable report ({type(error).__name__})"
        return report, None

    def _account(self, report: dict[str, Any]) -> None:
        seconds = report.get("seconds")
        if isinstance(seconds, float) and 0 <= seconds < 60:
            self.check_seconds += seconds
