"""Prepare the state folder, accounts, proxy, course copies and configuration of a demo hub."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from rail.hub import roles
from rail.hub.accounts import Account, demo_accounts, ensure_unix_account

# configurable-http-proxy, the proxy JupyterHub starts by default, comes from npm.
PROXY_PACKAGE = "configurable-http-proxy@5.3.0"
# The course files every user gets in their home (as nbgitpuller would bring them on a real hub).
COURSE_FOR_EVERYONE = ("index.ipynb", "modules", "datasets")
# The instructor's course folder also holds what nbgrader works on.
COURSE_FOR_INSTRUCTOR = ("solutions", "exercises", "nbgrader_config.py")
# Never copied into a home: caches a run in the repository may have left.
NOT_COPIED = frozenset({".ipynb_checkpoints", "__pycache__"})


class HubError(RuntimeError):
    """The hub cannot be prepared on this machine; the message says what to do."""


@dataclass(frozen=True)
class HubSettings:
    """Where the hub listens and keeps its state; written to ``state_dir/settings.json``."""

    state_dir: Path
    repo: Path
    ip: str = "127.0.0.1"
    port: int = 8000
    hub_port: int = 8081
    proxy_api_port: int = 8001

    @property
    def url(self) -> str:
        return f"http://{self.ip}:{self.port}/"

    @property
    def proxy_command(self) -> Path:
        return self.state_dir / "node" / "node_modules" / ".bin" / "configurable-http-proxy"

    @property
    def exchange(self) -> Path:
        return self.state_dir / "exchange"

    @property
    def gradebook(self) -> Path:
        return self.state_dir / "gradebook" / "gradebook.db"

    def config_dir(self, role: str) -> Path:
        """The Jupyter configuration folder of a role's servers (JUPYTER_CONFIG_PATH)."""
        return self.state_dir / "etc" / role  # as roles.write_role_configs lays it out


def prepare(settings: HubSettings) -> list[Account]:
    """Make everything the hub needs; safe to run again. Returns the accounts."""
    if os.geteuid() != 0:
        raise HubError(
            "make hub creates a Unix account for the instructor and each trainee (nbgrader "
            "knows who submitted from the operating-system user), so it must run as root: "
            "sudo make hub. To study alone, use make lab instead."
        )
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(settings.state_dir, 0o755)
    private = [str(f) for f in settings.state_dir.parents if not os.stat(f).st_mode & 0o001]
    if private:
        raise HubError(f"the state folder {settings.state_dir} lies in {private[0]}, which other "
                       "users cannot enter; the users' servers need the exchange and the course "
                       "environment inside it: choose another --dir.")
    install_proxy(settings)
    server_bin = server_environment(settings)
    accounts = demo_accounts(settings.state_dir)
    for account in accounts:
        ensure_unix_account(account)
    instructor = next(a for a in accounts if a.role == "instructor")
    make_exchange(settings.exchange)
    make_gradebook_folder(settings.gradebook.parent, instructor)
    write_role_configs(settings, instructor)
    for account in accounts:
        copy_course(settings.repo, COURSE_FOR_EVERYONE, account.home,
                    uid=account.uid, gid=account.gid)
    copy_course(settings.repo, COURSE_FOR_INSTRUCTOR, instructor.home / "course",
                uid=instructor.uid, gid=instructor.gid)
    (settings.state_dir / "settings.json").write_text(json.dumps(
        {**asdict(settings), "state_dir": str(settings.state_dir), "repo": str(settings.repo),
         "bin": str(server_bin), "proxy_command": str(settings.proxy_command),
         "instructor": instructor.name,
         "trainees": [a.name for a in accounts if a.role == "trainee"],
         "config_dirs": {role: str(settings.config_dir(role))
                         for role in ("instructor", "trainee")}},
        indent=1))
    return accounts


def install_proxy(settings: HubSettings) -> None:
    """Install configurable-http-proxy from npm into the state folder, once."""
    if settings.proxy_command.exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise HubError("JupyterHub's proxy comes from npm, which is missing: install Node.js "
                       "and npm (Debian: apt-get install nodejs npm), then run make hub again.")
    result = subprocess.run(
        [npm, "install", "--prefix", str(settings.state_dir / "node"), "--no-audit", "--no-fund",
         "--loglevel=error", PROXY_PACKAGE], capture_output=True, text=True, check=False)
    if result.returncode != 0 or not settings.proxy_command.exists():
        raise HubError(f"npm could not install {PROXY_PACKAGE}:\n{result.stdout}{result.stderr}")


def world_runnable(path: Path) -> bool:
    """Whether any user may run ``path``: every folder above it searchable by others."""
    real = path.resolve()
    folders_ok = all(os.stat(folder).st_mode & 0o001 for folder in real.parents)
    return folders_ok and bool(os.stat(real).st_mode & 0o001)


def server_environment(settings: HubSettings) -> Path:
    """The ``bin`` folder of a course environment every user can run.

    The course's own ``.venv`` serves when its Python is runnable by others. A Python under a
    private home (pyenv in ``/root``, say) is not: the users' servers would fail with
    "permission denied". Then the hub builds its own environment in the state folder from the
    first Python 3.11 that everyone can run, with the same pinned requirements.
    """
    own_bin = Path(sys.executable).parent
    if world_runnable(Path(sys.executable)):
        return own_bin
    venv = settings.state_dir / "venv"
    if (venv / ".rail-installed").exists():
        return venv / "bin"
    candidates = [Path(p) for p in ("/usr/bin/python3.11", "/usr/local/bin/python3.11")]
    python = next((p for p in candidates if p.exists() and world_runnable(p)), None)
    if python is None:
        raise HubError(f"{sys.executable} cannot be run by the class's users (a folder above it "
                       "is private), and no Python 3.11 for everyone was found in /usr/bin or "
                       "/usr/local/bin: install one (Debian: apt-get install python3.11-venv).")
    print(f"Building the users' course environment in {venv} with {python} (once, ~1 min)",
          flush=True)
    steps = [
        [str(python), "-m", "venv", str(venv)],
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "pip==26.3"],
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
         "-r", str(settings.repo / "requirements.txt")],
        # A regular install, as on a hub image: the repository itself may be private too.
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-deps",
         str(settings.repo)],
    ]
    for step in steps:
        result = subprocess.run(step, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise HubError(f"{' '.join(step)} failed:\n{result.stdout}{result.stderr}")
    (venv / ".rail-installed").touch()
    return venv / "bin"


def make_exchange(exchange: Path) -> None:
    """nbgrader's file-system exchange: everyone may write, as nbgrader's docs require."""
    exchange.mkdir(parents=True, exist_ok=True)
    os.chmod(exchange, 0o777)


def make_gradebook_folder(folder: Path, instructor: Account) -> None:
    """The gradebook's folder belongs to the instructor (SQLite writes beside the file)."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    for path in [folder, *folder.iterdir()]:
        os.chown(path, instructor.uid, instructor.gid)


def write_role_configs(settings: HubSettings, instructor: Account) -> None:
    """Jupyter configuration of the instructor's and the trainees' servers (:mod:`roles`)."""
    roles.write_role_configs(settings.state_dir / "etc", roles.role_configs(
        exchange=str(settings.exchange), course_root=str(instructor.home / "course"),
        gradebook_url="sqlite:///" + str(settings.gradebook)))


def copy_course(repo: Path, names: tuple[str, ...], target: Path, *, uid: int, gid: int) -> None:
    """Copy course files into a user's folder, adding what is missing, never overwriting.

    A later run brings new modules and datasets to existing accounts, while every file a user
    already has (their own edits, a lesson they ran) stays as it is. What is copied is given
    to ``uid``/``gid``.
    """
    created = [] if target.exists() else [target]
    target.mkdir(exist_ok=True)
    for name in names:
        source = repo / name
        files = [source] if source.is_file() else sorted(source.rglob("*"))
        for path in files:
            relative = path.relative_to(repo)
            if not path.is_file() or NOT_COPIED.intersection(relative.parts):
                continue
            destination = target / relative
            if destination.exists():
                continue
            for folder in reversed(relative.parents[:-1]):  # the folders above, top first
                if not (target / folder).exists():
                    (target / folder).mkdir()
                    created.append(target / folder)
            shutil.copy2(path, destination)
            created.append(destination)
    for path in created:
        os.chown(path, uid, gid, follow_symlinks=False)
