"""The demo class's Unix accounts: one instructor and a few trainees."""

from __future__ import annotations

import json
import os
import pwd
import secrets
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

INSTRUCTOR = "rail-instructor"
TRAINEES = ("rail-trainee-1", "rail-trainee-2", "rail-trainee-3")
# Accounts serve the hub only: no login shell, so the printed passwords open no SSH session.
NO_LOGIN_SHELL = "/usr/sbin/nologin"


@dataclass(frozen=True)
class Account:
    """A hub user: a real Unix account with the password the hub's PAM login checks."""

    name: str
    password: str
    role: str  # "instructor" or "trainee"

    @property
    def home(self) -> Path:
        return Path(pwd.getpwnam(self.name).pw_dir)

    @property
    def uid(self) -> int:
        return pwd.getpwnam(self.name).pw_uid

    @property
    def gid(self) -> int:
        return pwd.getpwnam(self.name).pw_gid


def demo_accounts(state_dir: Path) -> list[Account]:
    """The instructor and trainees, with passwords made on first use and kept afterwards.

    Passwords are stored in ``state_dir/accounts.json``, readable by root only.
    """
    store = state_dir / "accounts.json"
    known = {a["name"]: a for a in json.loads(store.read_text())} if store.exists() else {}
    roles = [(INSTRUCTOR, "instructor")] + [(name, "trainee") for name in TRAINEES]
    accounts = [
        Account(name, known.get(name, {}).get("password") or secrets.token_urlsafe(9), role)
        for name, role in roles
    ]
    store.write_text(json.dumps([asdict(a) for a in accounts], indent=1))
    os.chmod(store, 0o600)
    return accounts


def ensure_unix_account(account: Account) -> None:
    """Create the account (with a home) if missing, and set its password."""
    try:
        pwd.getpwnam(account.name)
    except KeyError:
        subprocess.run(
            ["useradd", "--create-home", "--shell", NO_LOGIN_SHELL,
             "--comment", f"RAIL demo {account.role}", account.name],
            check=True, capture_output=True, text=True,
        )
    subprocess.run(["chpasswd"], input=f"{account.name}:{account.password}\n",
                   check=True, capture_output=True, text=True)
