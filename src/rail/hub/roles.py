"""The Jupyter configuration of each kind of course server, written in one place.

On a hub, two roles: ``make hub``, the single-user image of ``deploy/z2jh`` and the TLJH set-up
of ``deploy/tljh`` all write them with this module, so that the three agree: both roles find
the course's nbgrader exchange; only the instructor's server loads the formgrader (and its
menus) and knows the gradebook. A hub points each user's server at its role's folder with
``JUPYTER_CONFIG_PATH``.

    python -m rail.hub.roles --exchange /srv/nbgrader/exchange \\
        --course-root /home/jovyan/rail --out /etc/rail/jupyter

Without a hub (``make lab``, Binder) there is no exchange: the self-study configuration
leaves out nbgrader's Assignments and Courses tabs, which could only show an exchange error.

    python -m rail.hub.roles --self-study --out .venv/etc/rail

Every server opens notebooks with :class:`rail.lab.CourseContentsManager` (unmodified).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

COURSE_ID = "rail"
ROLES = ("instructor", "trainee")
# nbgrader's Lab plugins and server extensions only the instructor gets.
INSTRUCTOR_ONLY_PLUGINS = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                           "@jupyter/nbgrader:course-list")
INSTRUCTOR_ONLY_EXTENSIONS = ("nbgrader.server_extensions.formgrader",
                              "nbgrader.server_extensions.course_list")
# What needs nbgrader's exchange, so a server without a hub leaves it out.
EXCHANGE_PLUGINS = ("@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:course-list")
EXCHANGE_EXTENSIONS = ("nbgrader.server_extensions.assignment_list",
                       "nbgrader.server_extensions.course_list")
CONTENTS_MANAGER = "rail.lab.CourseContentsManager"
GRADEBOOK_URL_VARIABLE = "RAIL_GRADEBOOK_URL"
"""Set in the instructor's server only (e.g. from a Kubernetes secret) to use another gradebook,
such as PostgreSQL, than the default given to :func:`role_configs`."""


def role_configs(*, exchange: str, course_root: str, gradebook_url: str,
                 shell: str = "/bin/bash") -> dict[str, dict[str, str]]:
    """Each role's configuration files: ``{role: {path in its folder: text}}``.

    ``gradebook_url`` is the instructor's default ``db_url``; the variable
    :data:`GRADEBOOK_URL_VARIABLE` overrides it when set. Terminals start ``shell``
    (hub accounts often have no login shell).
    """
    shared = (
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
        f"c.Exchange.root = {exchange!r}\n"
    )
    instructor = "import os\n\n" + shared + (
        f"c.CourseDirectory.root = {course_root!r}\n"
        f"c.CourseDirectory.db_url = os.environ.get({GRADEBOOK_URL_VARIABLE!r}, "
        f"{gradebook_url!r})\n"
    )
    terminals = {"terminado_settings": {"shell_command": [shell]}}
    return {
        "instructor": {"nbgrader_config.py": instructor, **_server_files(terminals)},
        "trainee": {"nbgrader_config.py": shared, **_server_files(
            terminals, extensions_off=INSTRUCTOR_ONLY_EXTENSIONS,
            plugins_off=INSTRUCTOR_ONLY_PLUGINS)},
    }


def self_study_config() -> dict[str, dict[str, str]]:
    """The configuration of a server without a hub: ``{"self-study": {path: text}}``."""
    return {"self-study": _server_files({}, extensions_off=EXCHANGE_EXTENSIONS,
                                        plugins_off=EXCHANGE_PLUGINS)}


def _server_files(server_app: dict, *, extensions_off: tuple[str, ...] = (),
                  plugins_off: tuple[str, ...] = ()) -> dict[str, str]:
    """A server's and JupyterLab's configuration files: ``server_app`` settings, the course's
    contents manager, and the server extensions and Lab plugins it leaves out."""
    server_app = {**server_app, "contents_manager_class": CONTENTS_MANAGER}
    if extensions_off:
        server_app["jpserver_extensions"] = dict.fromkeys(extensions_off, False)
    page = {"disabledExtensions": dict.fromkeys(plugins_off, True)} if plugins_off else {}
    return {
        "jupyter_server_config.json": json.dumps({"ServerApp": server_app}, indent=1) + "\n",
        "labconfig/page_config.json": json.dumps(page, indent=1) + "\n",
    }


def write_role_configs(out: Path, files: dict[str, dict[str, str]]) -> dict[str, Path]:
    """Write :func:`role_configs` under ``out/<role>``; return each role's folder."""
    folders = {}
    for role, contents in files.items():
        folders[role] = out / role
        for name, text in contents.items():
            path = folders[role] / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    return folders


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rail.hub.roles",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--self-study", action="store_true",
                        help="write only the configuration of a server without a hub")
    parser.add_argument("--exchange", help="nbgrader's exchange folder")
    parser.add_argument("--course-root",
                        help="the instructor's course folder (with nbgrader_config.py)")
    parser.add_argument("--gradebook-url", default="sqlite:///gradebook.db",
                        help=f"the instructor's gradebook unless {GRADEBOOK_URL_VARIABLE} is set")
    parser.add_argument("--out", type=Path, required=True,
                        help="writes OUT/instructor and OUT/trainee (OUT/self-study)")
    args = parser.parse_args(argv)
    if args.self_study:
        files = self_study_config()
    elif args.exchange and args.course_root:
        files = role_configs(exchange=args.exchange, course_root=args.course_root,
                             gradebook_url=args.gradebook_url)
    else:
        parser.error("give --exchange and --course-root (a hub's roles), or --self-study")
    folders = write_role_configs(args.out, files)
    for role, folder in folders.items():
        print(f"{role}: JUPYTER_CONFIG_PATH={folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
