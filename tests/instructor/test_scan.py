"""The scan of trainee code: every route into the grading is reported, honest code never is."""

from __future__ import annotations

import nbformat
import pytest

from rail.instructor.guard import Plan, scan_notebook
from rail.instructor.scan import defined_names, imported_names, scan_source
from tests.course import NOTEBOOK, solved, with_answers
from tests.hardcoded import HARD_CODED
from tests.paths import MODULE_IDS, ROOT

PROTECTED = {"assert_close": "rail.grading.assert_close", "pd": "module pandas",
             "load": "rail.datasets.load"}

TAMPERING = [
    ("get_ipython().input_transformers_cleanup.append(lambda lines: [])",
     "IPython's input transformers (input_transformers_cleanup)"),
    ("ip = get_ipython()\nip.input_transformers_post.append(f)", "input_transformers_post"),
    ("get_ipython().ast_transformers.append(Empty())", "IPython's AST transformers"),
    ("ip.run_cell_async = quiet", "IPython's cell execution (run_cell_async)"),
    ("shell.run_cell = lambda *a, **k: None", "IPython's cell execution (run_cell)"),
    ("ip.showtraceback = lambda *a, **k: None", "IPython's error display"),
    ("get_ipython().set_custom_exc((Exception,), handler)", "exception handlers"),
    ("get_ipython().events.register('pre_run_cell', f)", "the IPython shell"),
    ("assert_close = lambda *a, **k: None", "rebinds 'assert_close', which the tests use"),
    ("def assert_close(*a, **k):\n    pass", "rebinds 'assert_close'"),
    ("from math import isclose as assert_close", "rebinds 'assert_close'"),
    ("import rail.grading as g\ng.assert_close.__code__ = f.__code__", "(__code__)"),
    ("assert_close.__kwdefaults__['abs_tol'] = 1e9", "(__kwdefaults__)"),
    ("import math\nmath.isclose = lambda *a, **k: True", "assigns to math.isclose"),
    ("import pandas\npandas.Series.mean = lambda self: 0.5",
     "assigns to pandas.Series.mean"),
    ("setattr(math, 'isclose', f)", "sets attributes by name (setattr)"),
    ("globals()['assert_close'] = f", "reaches into a namespace (globals)"),
    ("exec(bytes.fromhex('7072696e74').decode())", "runs code built at run time (exec)"),
    ("__import__('ma' + 'th').isclose", "imports by a computed name"),
    ("getattr(obj, name)(1)", "reads attributes by a computed name"),
    ("x = getattr(shell, 'run_cell')", "mentions 'run_cell' in a string"),
    ("import sys\nsys.settrace(tracer)", "tracing (settrace)"),
    ("import sys\nframe = sys._getframe(1)", "the call stack (_getframe)"),
    ("import ctypes", "imports ctypes (the interpreter's memory)"),
    ("import gc\ngc.get_referrers(x)", "imports gc"),
    ("import threading\nthreading.Thread(target=f).start()", "imports threading"),
    ("from importlib import import_module", "imports from importlib"),
    ("import pickle\npickle.loads(data)", "code hidden in data"),
    ("import os\nos.fork()", "starts or signals other processes (os.fork)"),
    ("import os\nos.system('ls')", "os.system"),
    ("!cat assignment.ipynb", "runs a shell command (!)"),
    ("%load_ext autoreload", "uses the IPython magic %load_ext"),
    ("class Anything:\n    def __eq__(self, other):\n        return True",
     "defines a class with __eq__"),
    ("f.__globals__['math'] = fake", "(__globals__)"),
    ("from pandas import *", "imports everything from pandas"),
    ("import sys\nsys.modules['rail.grading'] = fake", "sys.modules"),
]


@pytest.mark.parametrize(("source", "expected"), TAMPERING)
def test_each_route_into_the_grading_is_reported(source, expected):
    found = scan_source(source, protected=PROTECTED, modules={"math", "pandas", "pd"})
    assert any(expected in text for text in found), found


HONEST = [
    "def share(alerts):\n    return alerts['false'].mean()",
    "import pandas as pd\nimport numpy as np\nresult = np.mean(pd.Series([1, 2]))",
    "from rail.grading import assert_close",  # the same binding as the locked cell's
    "%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot([1, 2])",
    "%time x = sum(range(10))",
    "import warnings\nwarnings.filterwarnings('ignore')",
    "pd.options.display.max_rows = 20",
    "import sys\nprint(sys.version)",
    "df = load('anpr_alerts')\ndf.columns = ['a', 'b']\ndf.attrs['note'] = 'x'",
    "counts = {}\ncounts['a'] = getattr(df, 'shape')[0]",
    "sum = 0\nfor x in [1, 2]:\n    sum += x",  # shadows a builtin with data: not flagged
]


@pytest.mark.parametrize("source", HONEST)
def test_honest_code_is_not_reported(source):
    assert scan_source(source, protected=PROTECTED, modules={"pd", "math"}) == []


def test_unparsable_code_is_left_to_the_kernel():
    assert scan_source("def broken(:\n    pass") == []


def test_names_bound_by_locked_cells():
    source = ("import pandas as pd\nfrom rail.grading import assert_close as ac\n"
              "def helper():\n    pass\nx = 1")
    assert defined_names(source) == {"pd": "module pandas", "ac": "rail.grading.assert_close",
                                     "helper": "defined by helper"}
    assert imported_names("import a.b\nimport c.d as e") == {"a": "module a",
                                                             "e": "module c.d"}


@pytest.mark.parametrize("module", MODULE_IDS)
def test_no_solution_or_hard_coded_answer_is_reported(module):
    """Zero false alarms on the honest (if wrong) answers the test suite grades."""
    source = nbformat.read(ROOT / "solutions" / module / NOTEBOOK, as_version=4)
    released = nbformat.read(ROOT / "exercises" / module / NOTEBOOK, as_version=4)
    for nb in (solved(released, source),
               with_answers(solved(released, source), HARD_CODED[module]().answers),
               released):
        assert scan_notebook(nb, Plan.of(nb)) == []


def test_a_name_a_later_locked_cell_binds_is_free_before_it():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("def check(x):\n    return x",
                                  metadata={"nbgrader": {"solution": True, "grade_id": "a"}}),
        nbformat.v4.new_code_cell("def check(x):\n    assert x",
                                  metadata={"nbgrader": {"grade": True, "locked": True,
                                                         "grade_id": "t", "points": 1}}),
        nbformat.v4.new_code_cell("check = print",
                                  metadata={"nbgrader": {"solution": True, "grade_id": "b"}}),
    ])
    found = scan_notebook(nb, Plan.of(nb))
    assert [(f.label, f.what[:15]) for f in found] == [("'b'", "rebinds 'check'")]
