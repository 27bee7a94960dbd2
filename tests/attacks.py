"""Submissions that try to earn points they did not: the routes a determined trainee tried
from the blank released notebook (issue 11), for the grader's tests.

Each route is the code put at the top of the first answer cell; every other answer is made
a function that returns 0.0 (or a value of None), so that the tests run and fail honestly.
Graded by nbgrader alone, each route earns points; graded by rail.instructor, none may.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

import nbformat
from nbformat import NotebookNode


@dataclass(frozen=True)
class Route:
    code: str
    scan: str
    """Text the scan's finding contains."""
    runtime: str | None
    """Text the runtime check's finding contains (None: nothing to see at run time, e.g.
    when the route fails before any test passes)."""


ROUTES = {
    "input transformer": Route(
        "get_ipython().input_transformers_cleanup.append(lambda lines: [])",
        "IPython's input transformers", "this test did not run to its end"),
    "AST transformer": Route(
        "import ast\nclass Empty(ast.NodeTransformer):\n"
        "    def visit_Module(self, node):\n        node.body = []\n        return node\n"
        "get_ipython().ast_transformers.append(Empty())",
        "IPython's AST transformers", "changed: IPython's AST transformers"),
    "swallowed errors": Route(
        "def swallow(lines):\n"
        "    return ['try:\\n'] + ['    ' + l for l in lines] + ['\\nexcept BaseException:\\n"
        "    pass\\n']\n"
        "get_ipython().input_transformers_post.append(swallow)",
        "IPython's input transformers", "this test did not run to its end"),
    "wrapped run_cell": Route(
        "ip = get_ipython()\norig = ip.run_cell_async\n"
        "async def quiet(raw_cell, *a, **k):\n"
        "    result = await orig(raw_cell, *a, **k)\n"
        "    result.error_in_exec = None\n    return result\n"
        "ip.run_cell_async = quiet\nip.showtraceback = lambda *a, **k: None",
        "IPython's cell execution (run_cell_async)", "changed: IPython's cell execution"),
    "rebound helpers": Route(
        "assert_close = assert_choice = assert_series_close = lambda *a, **k: None",
        "rebinds 'assert_close', which the tests use", "bound by a locked cell, was replaced"),
    "replaced __code__": Route(
        "import rail.grading as g\n"
        "for f in (g.assert_close, g.assert_choice, g.assert_series_close):\n"
        "    f.__code__ = (lambda *a, **k: None).__code__",
        "reaches into an object's internals (__code__)",
        "were replaced (in rail.grading)"),
    "replaced math.isclose": Route(
        "import math\nmath.isclose = lambda *a, **k: True",
        "assigns to math.isclose", None),
}

PEEK = ("import glob\n"
        "print('NOTEBOOKS', glob.glob('**/*.ipynb', recursive=True),"
        " glob.glob('/tmp/**/*.ipynb', recursive=True))\n"
        "try:\n    print('READ', open('assignment.ipynb').read()[:100])\n"
        "except OSError as error:\n    print('READFAIL', type(error).__name__)")
"""Looks for the notebook being graded (which holds the hidden tests) while it runs."""


def answer_cells(nb: NotebookNode) -> list[NotebookNode]:
    return [cell for cell in nb.cells if cell.cell_type == "code"
            and cell.metadata.get("nbgrader", {}).get("solution")]


def _emptied(stub: str) -> str:
    """The stub's functions returning 0.0 and its values None: runs, answers nothing."""
    try:
        tree = ast.parse(stub)
    except SyntaxError:
        return stub
    lines = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            lines.append(f"def {node.name}(*args, **kwargs):\n    return 0.0")
        elif isinstance(node, ast.Assign):
            lines += [f"{target.id} = None" for target in node.targets
                      if isinstance(target, ast.Name)]
    return "\n".join(lines)


def from_the_blank_stub(released: NotebookNode, code: str) -> NotebookNode:
    """The released notebook, ``code`` at the top of its first answer cell."""
    nb = nbformat.from_dict(released)
    cells = answer_cells(nb)
    for cell in cells:
        cell.source = _emptied(cell.source)
    cells[0].source = f"{code}\n{cells[0].source}"
    return nb
