"""`make lab` serves the course: JupyterLab with nbgrader, on the index, with no browser.

The test starts the real `make lab` with Jupyter's usual environment settings (JUPYTER_PORT,
JUPYTER_TOKEN), talks to it over HTTP on localhost, and stops it.
"""

import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from tests.paths import BIN, ROOT

pytestmark = pytest.mark.slow

TOKEN = "rail-test-token"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _get(url: str, token: str | None = TOKEN) -> tuple[int, dict, str]:
    headers = {"Authorization": f"token {token}"} if token else {}
    request = urllib.request.Request(url, headers=headers)
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, dict(err.headers), err.read().decode(errors="replace")


@pytest.fixture(scope="module")
def lab():
    port = _free_port()
    env = dict(os.environ, JUPYTER_PORT=str(port), JUPYTER_TOKEN=TOKEN, BROWSER="true")
    env.pop("DISPLAY", None)
    venv = BIN.parent
    server = subprocess.Popen(
        ["make", "--no-print-directory", f"VENV={venv}", "-o", f"{venv}/bin/.rail-installed",
         "lab"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if server.poll() is not None:
                pytest.fail(f"make lab exited early:\n{server.stdout.read()}")
            try:
                if _get(f"{base}/api/status")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        else:
            pytest.fail("make lab did not answer within 90 s")
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        server.stdout.close()


def test_lab_lands_on_the_course_index(lab):
    status, headers, _ = _get(f"{lab}/")
    assert status in (301, 302)
    assert headers["Location"].rstrip("?") == "/lab/tree/index.ipynb"
    status, _, body = _get(f"{lab}/api/contents/index.ipynb")
    assert status == 200
    assert json.loads(body)["type"] == "notebook"


def test_lab_is_rooted_at_the_repository(lab):
    status, _, body = _get(f"{lab}/api/contents/modules")
    assert status == 200
    names = {item["name"] for item in json.loads(body)["content"]}
    assert {p.name for p in (ROOT / "modules").iterdir() if p.is_dir()} <= names


def test_lab_requires_the_token(lab):
    assert _get(f"{lab}/api/contents/index.ipynb", token=None)[0] == 403


def test_lab_has_the_nbgrader_extensions(lab):
    status, _, page = _get(f"{lab}/lab")
    assert status == 200
    assert "@jupyter/nbgrader" in page, "nbgrader's JupyterLab extension is not loaded"
    status, headers, _ = _get(f"{lab}/formgrader")
    assert status == 302, "nbgrader's formgrader server extension is not enabled"
    status, _, page = _get(lab + headers["Location"])
    assert status == 200
    assert "00-orientation" in page or "Manage Assignments" in page


def test_lab_without_a_hub_has_no_assignments_tab(lab):
    """No exchange outside a hub: the tab that could only show an exchange error is left out."""
    status, _, page = _get(f"{lab}/lab")
    assert status == 200
    config = json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">'
                                  r"(.*?)</script>", page, re.S).group(1))
    disabled = config["disabledExtensions"]
    assert "@jupyter/nbgrader:assignment-list" in disabled
    assert "@jupyter/nbgrader:validate-assignment" not in disabled  # Validate still works
    assert _get(f"{lab}/assignments")[0] == 404


def test_lab_opens_notebooks_with_this_kernels_language_info(lab):
    """What JupyterLab would write on connecting the kernel is already there: not modified."""
    from rail.lab import kernel_language_info

    for path in ("index.ipynb", "modules/00-orientation/lesson.ipynb"):
        status, _, body = _get(f"{lab}/api/contents/{path}")
        assert status == 200
        assert json.loads(body)["content"]["metadata"]["language_info"] == kernel_language_info()
