"""A demo class on one machine: JupyterHub with an instructor and a few trainees.

``make hub`` (``python -m rail.hub``) prepares everything a class needs and starts JupyterHub:

* real Unix accounts (nbgrader decides who submitted from the operating-system user, so every
  trainee must run as their own user), with generated passwords kept in the state folder;
* configurable-http-proxy, installed from npm into the state folder;
* nbgrader's exchange and the course's nbgrader configuration, the formgrader for the
  instructor only;
* the course (index, lessons, datasheets) in every user's home, the instructor's course folder
  (solutions and releases) in theirs.

The hub's database, its cookie secret, the gradebook and the exchange live in one state folder
(``.hub/`` by default). Preparing is idempotent: running it twice keeps accounts, passwords,
submissions and grades. :mod:`rail.hub.roles` writes the Jupyter configuration of each kind of
server, here and in the deployments of ``deploy/``.
"""
