"""JupyterHub configuration of the demo class; ``python -m rail.hub`` starts the hub with it.

Everything machine-specific comes from ``$RAIL_HUB_DIR/settings.json``, written by
:func:`rail.hub.prepare`.
"""

import json
import os
from pathlib import Path

c = get_config()  # noqa: F821 - provided by JupyterHub when it loads this file

state = Path(os.environ["RAIL_HUB_DIR"])
settings = json.loads((state / "settings.json").read_text())

c.JupyterHub.ip = settings["ip"]
c.JupyterHub.port = settings["port"]
c.JupyterHub.hub_port = settings["hub_port"]
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.command = [settings["proxy_command"]]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings['proxy_api_port']}"
c.JupyterHub.cleanup_servers = True

# Real Unix users, checked by PAM; only the class may log in, the instructor administers.
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.open_sessions = False
c.Authenticator.allowed_users = {settings["instructor"], *settings["trainees"]}
c.Authenticator.admin_users = {settings["instructor"]}

# Each user's server runs as that user from the course's environment, on the course index.
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(Path(settings["bin"]) / "jupyterhub-singleuser")]
c.Spawner.notebook_dir = "~"
c.Spawner.default_url = "/lab/tree/index.ipynb"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120


def _config_path(spawner) -> str:
    """The instructor's servers get the formgrader; the trainees' do not."""
    role = "instructor" if spawner.user.name == settings["instructor"] else "trainee"
    return settings["config_dirs"][role]


c.Spawner.environment = {
    "JUPYTER_CONFIG_PATH": _config_path,
    "PATH": f"{settings['bin']}:/usr/local/bin:/usr/bin:/bin",
}
