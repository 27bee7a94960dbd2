"""``python -m rail.hub``: prepare the demo class and run JupyterHub until Ctrl-C."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from rail.hub.prepare import HubError, HubSettings, prepare

CONFIG_FILE = Path(__file__).with_name("jupyterhub_config.py")
REPO = Path(__file__).resolve().parents[3]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rail.hub", description=__doc__)
    parser.add_argument("--dir", type=Path, default=REPO / ".hub",
                        help="state folder: hub database, gradebook, exchange (default .hub)")
    parser.add_argument("--ip", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port of the hub's address")
    parser.add_argument("--hub-port", type=int, default=8081, help="hub's internal API port")
    parser.add_argument("--proxy-api-port", type=int, default=8001, help="proxy's API port")
    parser.add_argument("--prepare-only", action="store_true",
                        help="prepare accounts, proxy and configuration, then exit")
    args = parser.parse_args(argv)
    settings = HubSettings(state_dir=args.dir.resolve(), repo=REPO, ip=args.ip, port=args.port,
                           hub_port=args.hub_port, proxy_api_port=args.proxy_api_port)
    try:
        accounts = prepare(settings)
    except HubError as error:
        print(f"make hub: {error}", file=sys.stderr)
        return 2
    print(f"RAIL demo class at {settings.url}  (state in {settings.state_dir})")
    for account in accounts:
        print(f"  {account.role:<10}  user {account.name:<16}  password {account.password}")
    print("The instructor grades in /user/rail-instructor/formgrader (its own tab); "
          "Ctrl-C stops the hub and every server.", flush=True)
    if args.prepare_only:
        return 0
    os.chdir(settings.state_dir)
    os.environ["RAIL_HUB_DIR"] = str(settings.state_dir)
    jupyterhub = Path(sys.executable).with_name("jupyterhub")
    os.execv(jupyterhub, [str(jupyterhub), "-f", str(CONFIG_FILE)])


if __name__ == "__main__":
    sys.exit(main())
