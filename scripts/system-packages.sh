#!/usr/bin/env bash
# Debian packages the grader and its tests need beyond Python:
#   bubblewrap  the sandbox trainee code runs in while it is graded (rail.sandbox)
#   postgresql  a real server for the tests of a PostgreSQL gradebook
#   chromium    the browser tests/browser drives (with the playwright package) through the hub
#   npm         installs configurable-http-proxy, JupyterHub's proxy, for make hub
#   shellcheck  checks deploy/tljh/install.sh (tests/test_deploy.py)
#   python3.11-venv  Debian 12's own Python 3.11 (3.11.2, what most hub servers run), so
#                    tests/test_environment.py can build the course on the oldest supported 3.11
# Installs whichever is missing (as root, or through sudo); does nothing when all are there.
set -euo pipefail

need=()
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v npm >/dev/null 2>&1 || need+=(npm)
command -v shellcheck >/dev/null 2>&1 || need+=(shellcheck)
if command -v apt-cache >/dev/null 2>&1 && apt-cache show python3.11-venv >/dev/null 2>&1; then
  /usr/bin/python3.11 -c 'import ensurepip' >/dev/null 2>&1 || need+=(python3.11-venv)
fi
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "Please install the Debian packages: ${need[*]} (needs root)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "Installing Debian packages: ${need[*]}"
"${sudo[@]}" apt-get install -y --no-install-recommends "${need[@]}" \
  || { "${sudo[@]}" apt-get update && "${sudo[@]}" apt-get install -y --no-install-recommends "${need[@]}"; }
