#!/bin/bash
# A RAIL class on one server with The Littlest JupyterHub (TLJH). Run as root on a fresh
# Ubuntu 22.04/24.04 or Debian 12 server with at least 1 GiB of memory per trainee online at
# once (docs/deploy.md, "Sizing"), from a clone of the course:
#   sudo bash deploy/tljh/install.sh <instructor-user-name>
# It installs TLJH, the course's pinned environment, nbgrader's exchange and each role's
# configuration, then prints the nbgitpuller link that brings the course to every user.
set -euo pipefail

instructor=${1:?"usage: sudo bash deploy/tljh/install.sh <instructor-user-name>"}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
course_url=${RAIL_COURSE_URL:-https://github.com/REPLACE-organisation/rail}
exchange=/srv/nbgrader/exchange
# The course's own environment, Python 3.11 as its pins require, beside TLJH's user
# environment (whose Python version TLJH chooses); rail_roles.py starts servers from it.
rail_env=/opt/rail/env

if [[ $(id -u) -ne 0 ]]; then
    echo "install.sh: run as root (it installs TLJH and writes under /opt and /srv)" >&2
    exit 2
fi

# 1. TLJH itself, with the instructor as its admin (TLJH's documented bootstrap).
if [[ ! -x /opt/tljh/hub/bin/tljh-config ]]; then
    curl -fsSL https://tljh.jupyter.org/bootstrap.py | python3 - --admin "$instructor"
fi

# 2. The course's pinned environment and package (conda-forge's Python 3.11, through the
#    conda that TLJH installs).
if [[ ! -x "$rail_env/bin/python" ]]; then
    /opt/tljh/user/bin/conda create --yes --prefix "$rail_env" --channel conda-forge python=3.11
fi
"$rail_env/bin/python" -m pip install --no-cache-dir \
    -r "$repo/requirements.txt" -r "$repo/deploy/requirements-hub.txt"
"$rail_env/bin/python" -m pip install --no-cache-dir --no-deps "$repo"

# 3. nbgrader's exchange: every user writes into it, as nbgrader's docs require; the sticky
#    bit stops users from deleting each other's files.
mkdir -p "$exchange"
chmod 1777 "$exchange"

# 4. Each role's Jupyter configuration, and the hub snippet that chooses it per user. TLJH
#    names Unix users jupyter-<name>; the instructor's course folder is the pulled course.
"$rail_env/bin/python" -m rail.hub.roles --exchange "$exchange" \
    --course-root "/home/jupyter-$instructor/rail" \
    --gradebook-url "sqlite:////home/jupyter-$instructor/rail/gradebook.db" \
    --out "$rail_env/etc/rail/jupyter"
install -m 644 "$repo/deploy/tljh/rail_roles.py" /opt/tljh/config/jupyterhub_config.d/rail_roles.py

# 5. Limits per user (the course's measured needs, docs/deploy.md) and the landing page.
tljh-config set limits.memory 2G
tljh-config set limits.cpu 1
tljh-config set user_environment.default_app jupyterlab
tljh-config reload

echo "Done. Give every user this link; it brings the course and later updates it:"
echo "  https://<your-hub>/hub/user-redirect/git-pull?repo=${course_url}&branch=main&urlpath=lab/tree/rail/index.ipynb"
