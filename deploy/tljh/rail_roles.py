"""JupyterHub configuration for a RAIL class on The Littlest JupyterHub (deploy/tljh/install.sh
copies it to /opt/tljh/config/jupyterhub_config.d/).

The instructor's server reads the instructor's Jupyter configuration (formgrader, course
folder, gradebook); every other user's server reads the trainees'. The instructors are the
hub's admin users (``tljh-config add-item users.admin <name>``). Servers run from the course's
own Python 3.11 environment.
"""

RAIL_ENV = "/opt/rail/env"
RAIL_CONFIG = f"{RAIL_ENV}/etc/rail/jupyter"


def rail_config_path(spawner) -> str:
    """JUPYTER_CONFIG_PATH of a user's server: the instructor's folder for admins only."""
    role = "instructor" if spawner.user.admin else "trainee"
    return f"{RAIL_CONFIG}/{role}"


c = get_config()  # noqa: F821 - provided by JupyterHub when it loads this file
# Every server runs from the course's Python 3.11 environment (install.sh builds it).
c.Spawner.cmd = [f"{RAIL_ENV}/bin/jupyterhub-singleuser"]
c.Spawner.environment.update({
    "PATH": f"{RAIL_ENV}/bin:/usr/local/bin:/usr/bin:/bin",
    "JUPYTER_CONFIG_PATH": rail_config_path,
    "ARROW_DEFAULT_MEMORY_POOL": "system",
})
