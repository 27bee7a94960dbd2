"""The runtime checks alone, in a real kernel, on a three-cell notebook: a locked setup cell,
the trainee's answer, and a test that the answer fails.

Each route makes the failing test report success (the control assertion shows it); the
checks must see every one of them, with no help from the scan of the trainee's code. Honest
code that uses the libraries the course uses (plots, progress bars, scikit-learn) must not
trigger them.
"""

from __future__ import annotations

import nbformat
import pytest
from jupyter_client.manager import start_new_kernel

from rail.instructor.guard import Plan, Watch

SETUP = "from rail.grading import assert_close\nimport math"
ANSWER = "def answer():\n    return 0.4"
TEST = 'assert_close(answer(), 0.5, what="the answer")'

ROUTES = {
    "input transformer": "get_ipython().input_transformers_cleanup.append(lambda lines: [])",
    "AST transformer": (
        "import ast\nclass Empty(ast.NodeTransformer):\n"
        "    def visit_Module(self, node):\n        node.body = []\n        return node\n"
        "get_ipython().ast_transformers.append(Empty())"),
    "swallowing transformer": (
        "def swallow(lines):\n"
        "    return ['try:\\n'] + ['    ' + l for l in lines] + ['\\nexcept Exception:\\n"
        "    pass\\n']\n"
        "get_ipython().input_transformers_post.append(swallow)"),
    "wrapped run_cell": (
        "ip = get_ipython()\norig = ip.run_cell_async\n"
        "async def quiet(raw_cell, *a, **k):\n"
        "    result = await orig(raw_cell, *a, **k)\n"
        "    result.error_in_exec = None\n    return result\n"
        "ip.run_cell_async = quiet\nip.showtraceback = lambda *a, **k: None"),
    "rebound helper": "assert_close = lambda *a, **k: None",
    "replaced __code__": (
        "import rail.grading\nrail.grading.assert_close.__code__ = "
        "(lambda actual, expected, *, what, abs_tol=0: None).__code__"),
    "altered default tolerance": "assert_close.__kwdefaults__['abs_tol'] = 1.0",
    "replaced math.isclose": "math.isclose = lambda *a, **k: True",
    "hidden in a pickle": (
        "import pickle, math\n"
        "class Patch:\n"
        "    def __reduce__(self):\n"
        "        return (exec, ('import math; math.isclose = lambda *a, **k: True',))\n"
        "pickle.loads(pickle.dumps(Patch()))"),
    "shadowed builtin": "",  # set below: the test uses a builtin the trainee rebinds
}
SHADOW_TEST = "assert abs(answer() - 0.5) < 1e-9"
SHADOW = "abs = lambda x: 0"

HONEST = {
    "plain": "",
    "plots": ("import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
              "fig, ax = plt.subplots()\nax.plot([1, 2])\nplt.close(fig)"),
    "progress bar": "from tqdm.auto import tqdm\nfor _ in tqdm(range(3)):\n    pass",
    "scikit-learn": ("from sklearn.linear_model import LogisticRegression\n"
                     "LogisticRegression().fit([[0], [1]], [0, 1])"),
    "pandas options": "import pandas as pd\npd.set_option('display.max_rows', 5)",
    "a builtin name for data": "sum = 3",
}


def notebook(answer: str, test: str = TEST) -> nbformat.NotebookNode:
    def cell(source, **marks):
        return nbformat.v4.new_code_cell(source, metadata={"nbgrader": marks} if marks else {})
    return nbformat.v4.new_notebook(cells=[
        cell(SETUP, locked=True, grade_id="setup"),
        cell(answer, solution=True, grade_id="answer"),
        cell(test, grade=True, locked=True, grade_id="test", points=1),
    ])


@pytest.fixture
def kernel():
    manager, client = start_new_kernel(kernel_name="python3")
    yield client
    client.stop_channels()
    manager.shutdown_kernel(now=True)


def run(client, code: str, expressions: dict | None = None) -> dict:
    msg_id = client.execute(code, store_history=False, user_expressions=expressions or {})
    while True:
        reply = client.get_shell_msg(timeout=120)
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply["content"]


def grade(client, nb) -> tuple[str, list[str]]:
    """Run ``nb`` as the grader does; return the test's status and the checks' problems."""
    plan = Plan.of(nb)
    watch = Watch(plan)
    code, expressions = watch.install_request()
    assert watch.start(run(client, code, expressions)) is None
    problems, status = [], ""
    for index, cell in enumerate(nb.cells):
        reply = run(client, watch.source(index, cell.source), watch.expressions(index))
        problems += watch.judge(index, reply)
        status = reply["status"]
    return status, problems


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_every_route_is_real(kernel, route):
    """The control: unwatched, each route turns the failing test into a pass."""
    answer, attack, test = ANSWER, ROUTES[route], TEST
    if route == "shadowed builtin":
        attack, test = SHADOW, SHADOW_TEST
    assert run(kernel, SETUP)["status"] == "ok"
    assert run(kernel, answer)["status"] == "ok"
    assert run(kernel, test)["status"] == "error"
    assert run(kernel, attack)["status"] == "ok"
    assert run(kernel, test)["status"] == "ok"


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_every_route_is_seen_at_run_time(kernel, route):
    if route == "shadowed builtin":
        status, problems = grade(kernel, notebook(ANSWER + "\n" + SHADOW, SHADOW_TEST))
    else:
        status, problems = grade(kernel, notebook(ROUTES[route] + "\n" + ANSWER))
    assert status == "ok", "the route did not make the test pass"
    assert problems, f"{route} was not seen"


@pytest.mark.parametrize("name", sorted(HONEST))
def test_honest_code_is_never_reported(kernel, name):
    right = "def answer():\n    return 0.5"
    status, problems = grade(kernel, notebook(HONEST[name] + "\n" + right))
    assert (status, problems) == ("ok", [])


def test_a_failing_test_is_not_judged(kernel):
    status, problems = grade(kernel, notebook(ANSWER))
    assert (status, problems) == ("error", [])


def test_a_report_the_grader_cannot_read_is_a_problem():
    watch = Watch(Plan.of(notebook(ANSWER)))
    watch.baseline = {"machinery": {}, "modules": {}}
    bad = {"status": "ok", "user_expressions": {"report": {
        "status": "ok", "data": {"text/plain": repr('{"flag": "yes"}')}}}}
    assert watch.judge(2, bad) == ["the grader could not check the kernel after this cell "
                                   "(an unreadable report (ValueError))"]
    assert "no report" in watch.judge(2, {"status": "ok"})[0]
