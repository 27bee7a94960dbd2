"""The Python code of the course is ruff clean (configuration in pyproject.toml)."""

import subprocess

from tests.paths import BIN, ROOT

CHECKED = ["src", "tests", "benchmarks", "deploy", "conftest.py", "nbgrader_config.py"]


def test_ruff_clean():
    result = subprocess.run([str(BIN / "ruff"), "check", "--no-cache", *CHECKED], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
