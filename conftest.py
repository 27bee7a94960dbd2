"""Collect the course notebooks as tests, each folder with the check it needs.

* ``modules/**.ipynb``: lessons are re-executed and their outputs compared with the committed
  ones (nbval's strict mode); volatile outputs are marked in the notebook with
  ``# NBVAL_IGNORE_OUTPUT``.
* ``solutions/**.ipynb``: nbgrader source notebooks must run clean (nbval's lax mode).
* ``exercises/`` is not executed here: released stubs raise ``NotImplementedError`` by design
  and are checked with ``nbgrader validate --invert`` in ``tests/test_exercises.py``.
"""

from pathlib import Path

from nbval.plugin import IPyNbFile

ROOT = Path(__file__).resolve().parent
COMPARE_OUTPUTS = {ROOT / "modules": True, ROOT / "solutions": False}


def pytest_collect_file(file_path: Path, parent):
    if file_path.suffix != ".ipynb":
        return None
    option = parent.config.option
    if option.nbval or option.nbval_lax:
        return None  # an explicit --nbval/--nbval-lax run: nbval collects it itself
    for folder, compare in COMPARE_OUTPUTS.items():
        if file_path.is_relative_to(folder):
            notebook = IPyNbFile.from_parent(parent, path=file_path)
            notebook.compare_outputs = compare
            return notebook
    return None
