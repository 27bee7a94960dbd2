"""A PostgreSQL gradebook, against a real server started for the test (Debian's postgresql).

SQLite stays the default; a course that sets ``c.CourseDirectory.db_url`` to PostgreSQL must
work the same, including two graders working on the cohort at once.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from rail.instructor import report as reports
from tests.cohort import Cohort
from tests.paths import BIN

pytestmark = pytest.mark.slow

MODULE = "00-orientation"
FULL = 7.0


def _postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise AssertionError("PostgreSQL is not installed: run scripts/system-packages.sh "
                             "(Debian package postgresql)")
    return Path(found[-1]).parent


def _as_server_user(args: list[str], user: str | None) -> list[str]:
    """PostgreSQL refuses to run as root: run it as the 'postgres' user then."""
    return ["setpriv", f"--reuid={user}", f"--regid={user}", "--init-groups", "--", *args] \
        if user else args


@pytest.fixture(scope="module")
def postgres():
    """A PostgreSQL server on a Unix socket in a temporary folder; yields its db_url."""
    bin_dir = _postgres_bin()
    user = "postgres" if os.geteuid() == 0 else None
    # Not under pytest's tmp_path: its folders are private to root, shut to 'postgres'.
    base = Path(tempfile.mkdtemp(prefix="rail-postgres-"))
    data, sockets = base / "data", base / "sockets"
    sockets.mkdir()
    if user:
        entry = pwd.getpwnam(user)
        for path in (base, sockets):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    def run(*args: object) -> None:
        command = _as_server_user([str(a) for a in args], user)
        result = subprocess.run(command, capture_output=True, text=True, cwd=base, check=False)
        assert result.returncode == 0, f"{command} failed:\n{result.stdout}{result.stderr}"

    run(bin_dir / "initdb", "-D", data, "-U", "rail", "--auth=trust", "--no-sync")
    run(bin_dir / "pg_ctl", "-D", data, "-w", "-l", base / "server.log", "-o",
        f"-c listen_addresses='' -k {sockets} -c fsync=off", "start")
    try:
        run(bin_dir / "createdb" if (bin_dir / "createdb").exists() else shutil.which("createdb"),
            "-h", sockets, "-U", "rail", "rail")
        yield f"postgresql://rail@/rail?host={sockets}"
    finally:
        run(bin_dir / "pg_ctl", "-D", data, "-w", "-m", "fast", "stop")
        shutil.rmtree(base)


def test_two_graders_at_once_on_a_postgresql_gradebook(tmp_path, postgres):
    course = Cohort(tmp_path, MODULE,
                    extra_config=f"c.CourseDirectory.db_url = {postgres!r}\n")
    assert not (course.root / "gradebook.db").exists()

    wrong = course.solution_with({"riskiest_group": "def riskiest_group(alerts, column):\n"
                                                    "    return 'nowhere'"})
    trainees = {"ana": course.solution(), "ben": wrong, "chi": course.solution(),
                "dan": wrong}
    for name, nb in trainees.items():
        course.submit_notebook(name, nb)

    graders = [
        subprocess.Popen([str(BIN / "python"), "-m", "rail.instructor", "autograde", MODULE,
                          "--jobs", "1", *(f"--student={s}" for s in group)],
                         cwd=course.root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True)
        for group in (("ana", "ben"), ("chi", "dan"))
    ]
    outputs = [grader.communicate(timeout=600)[0] for grader in graders]
    assert [grader.returncode for grader in graders] == [0, 0], outputs

    totals = reports.score_distribution(reports.grades_table(postgres, MODULE)).to_dict()
    assert totals == {"ana": FULL, "ben": FULL - 1, "chi": FULL, "dan": FULL - 1}
    assert not (course.root / "gradebook.db").exists(), "SQLite was used after all"
