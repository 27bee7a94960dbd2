"""The deployment files of deploy/: what can be checked without Kubernetes, Helm or TLJH.

Kubernetes, Helm, Docker and TLJH cannot run here (docs/deploy.md says what was and was not
run). These tests check the values against the Zero to JupyterHub chart's own schema, run the
hub configuration snippets against stand-ins for the objects JupyterHub passes them, and check
that the image, the chart values and the TLJH set-up agree on paths.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import re
import shutil
import subprocess
import sys
import types
from types import SimpleNamespace

import jsonschema
import pytest
import yaml

from rail.hub import roles
from tests.paths import ROOT

DEPLOY = ROOT / "deploy"
Z2JH_REFERENCE = DEPLOY / "z2jh" / "chart-schema"
INSTRUCTOR_CONFIG = "/etc/rail/jupyter/instructor"
TRAINEE_CONFIG = "/etc/rail/jupyter/trainee"
EXCHANGE = "/srv/nbgrader/exchange"


def _values() -> dict:
    return yaml.safe_load((DEPLOY / "z2jh" / "config.yaml").read_text())


def _merge(defaults: dict, values: dict) -> dict:
    """Values over defaults, as Helm merges them (maps merge, everything else replaces)."""
    merged = copy.deepcopy(defaults)
    for key, value in values.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _dockerfile() -> str:
    return (DEPLOY / "Dockerfile").read_text()


def test_z2jh_values_are_valid_for_the_charts_schema():
    schema = json.loads((Z2JH_REFERENCE / "values.schema.json").read_text())
    defaults = yaml.safe_load((Z2JH_REFERENCE / "default-values.yaml").read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(_merge(defaults, _values())), key=str)
    assert not errors, "\n".join(f"{'.'.join(map(str, e.path))}: {e.message}" for e in errors)


def test_the_schema_check_catches_a_misspelt_key():
    """The check above can fail: a typo in a key is reported."""
    schema = json.loads((Z2JH_REFERENCE / "values.schema.json").read_text())
    defaults = yaml.safe_load((Z2JH_REFERENCE / "default-values.yaml").read_text())
    values = _values()
    values["singleuser"]["memmory"] = values["singleuser"].pop("memory")
    validator = jsonschema.validators.validator_for(schema)(schema)
    assert list(validator.iter_errors(_merge(defaults, values)))


def test_the_limits_leave_room_for_the_heaviest_lesson():
    """Memory limit above what a server with three lessons open used (docs/deploy.md)."""
    singleuser = _values()["singleuser"]
    units = {"M": 1e6, "G": 1e9}
    limit = float(singleuser["memory"]["limit"][:-1]) * units[singleuser["memory"]["limit"][-1]]
    guarantee = float(singleuser["memory"]["guarantee"][:-1]) * units[
        singleuser["memory"]["guarantee"][-1]]
    assert guarantee <= limit
    assert limit >= 1.5 * 2**30
    assert singleuser["cpu"]["guarantee"] <= singleuser["cpu"]["limit"]


class _Env(SimpleNamespace):
    pass


def _run_extra_config(instructors: list[str]) -> types.FunctionType:
    """Run hub.extraConfig with stand-ins for z2jh and kubernetes_asyncio; return the hook."""
    models = types.ModuleType("kubernetes_asyncio.client.models")
    models.V1EnvVar = lambda name, value=None, value_from=None: _Env(
        name=name, value=value, value_from=value_from)
    models.V1EnvVarSource = lambda secret_key_ref: _Env(secret_key_ref=secret_key_ref)
    models.V1SecretKeySelector = lambda name, key: _Env(name=name, key=key)
    z2jh = types.ModuleType("z2jh")
    z2jh.get_config = lambda key, default=None: (
        instructors if key == "custom.rail.instructors" else default)
    config = SimpleNamespace(KubeSpawner=SimpleNamespace())
    saved = {name: sys.modules.get(name) for name in ("kubernetes_asyncio.client.models", "z2jh")}
    sys.modules.update({"kubernetes_asyncio.client.models": models, "z2jh": z2jh})
    try:
        for code in _values()["hub"]["extraConfig"].values():
            exec(compile(code, "hub.extraConfig", "exec"), {"c": config})
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name)
            else:
                sys.modules[name] = module
    return config.KubeSpawner.modify_pod_hook


def _pod(env: list) -> SimpleNamespace:
    return SimpleNamespace(spec=SimpleNamespace(containers=[SimpleNamespace(env=env)]))


def test_only_the_instructors_pod_gets_the_formgrader_and_the_gradebook():
    hook = _run_extra_config(["mira"])
    default = _Env(name="JUPYTER_CONFIG_PATH", value=TRAINEE_CONFIG, value_from=None)

    trainee = hook(SimpleNamespace(user=SimpleNamespace(name="tom")), _pod([default]))
    assert [(v.name, v.value) for v in trainee.spec.containers[0].env] == [
        ("JUPYTER_CONFIG_PATH", TRAINEE_CONFIG)]

    instructor = hook(SimpleNamespace(user=SimpleNamespace(name="mira")), _pod([default]))
    env = {v.name: v for v in instructor.spec.containers[0].env}
    assert env["JUPYTER_CONFIG_PATH"].value == INSTRUCTOR_CONFIG
    assert len(instructor.spec.containers[0].env) == 2
    secret = env[roles.GRADEBOOK_URL_VARIABLE].value_from.secret_key_ref
    manifest = yaml.safe_load((DEPLOY / "z2jh" / "gradebook-secret.example.yaml").read_text())
    assert (secret.name, secret.key) == (manifest["metadata"]["name"], "url")
    assert "url" in manifest["stringData"]


def test_the_image_the_values_and_the_exchange_volume_agree():
    values, dockerfile = _values(), _dockerfile()
    assert f"--exchange {EXCHANGE}" in dockerfile
    assert f"ENV JUPYTER_CONFIG_PATH={TRAINEE_CONFIG}" in dockerfile
    assert "--out /etc/rail/jupyter" in dockerfile
    storage = values["singleuser"]["storage"]
    mounts = {m["name"]: m["mountPath"] for m in storage["extraVolumeMounts"]}
    claims = {v["name"]: v["persistentVolumeClaim"]["claimName"] for v in storage["extraVolumes"]}
    volume = yaml.safe_load((DEPLOY / "z2jh" / "exchange-volume.yaml").read_text())
    assert mounts == {"rail-exchange": EXCHANGE}
    assert claims == {"rail-exchange": volume["metadata"]["name"]}
    assert volume["spec"]["accessModes"] == ["ReadWriteMany"]
    # nbgitpuller puts the course where the instructor's course root and the landing page say.
    target = values["singleuser"]["lifecycleHooks"]["postStart"]["exec"]["command"][-1]
    assert f"--course-root /home/jovyan/{target}" in dockerfile
    assert values["singleuser"]["defaultUrl"] == f"/lab/tree/{target}/index.ipynb"
    assert values["hub"]["config"]["JupyterHub"]["authenticator_class"] != "dummy"


def test_every_file_the_dockerfile_copies_is_in_the_build_context():
    ignore = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
              if line.strip() and not line.startswith("#")]

    def in_context(path: str) -> bool:
        kept = True
        for pattern in ignore:
            negated, pattern = pattern.startswith("!"), pattern.lstrip("!").rstrip("/")
            if fnmatch.fnmatch(path, pattern) or path.startswith(pattern + "/"):
                kept = negated
        return kept

    sources = [source for line in _dockerfile().splitlines() if line.startswith("COPY ")
               for source in line.split()[1:-1]]
    assert sources
    for source in sources:
        assert (ROOT / source).exists(), f"COPY {source}: no such file in the repository"
        assert in_context(source), f"COPY {source}: .dockerignore leaves it out of the context"
    assert not in_context(".venv") and not in_context(".git") and not in_context(".hub")


def test_the_hub_requirements_are_pinned():
    lines = [line for line in (DEPLOY / "requirements-hub.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines and all(re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][^ ]*", line) for line in lines)


def test_the_role_configuration_the_image_writes(tmp_path):
    command = re.search(r"python -m rail\.hub\.roles (.+?)\n(?!\s)", _dockerfile(), re.S)
    arguments = command.group(1).replace("\\\n", " ").split()
    arguments[arguments.index("--out") + 1] = str(tmp_path)
    subprocess.run([sys.executable, "-m", "rail.hub.roles", *arguments], check=True,
                   capture_output=True)
    trainee = json.loads((tmp_path / "trainee" / "jupyter_server_config.json").read_text())
    assert not any(trainee["ServerApp"]["jpserver_extensions"].values())
    instructor_nbgrader = (tmp_path / "instructor" / "nbgrader_config.py").read_text()
    assert "c.CourseDirectory.root = '/home/jovyan/rail'" in instructor_nbgrader
    assert roles.GRADEBOOK_URL_VARIABLE in instructor_nbgrader
    assert "CourseDirectory.root" not in (tmp_path / "trainee" / "nbgrader_config.py").read_text()


def test_the_tljh_snippet_gives_the_instructors_folder_to_admins_only():
    config = SimpleNamespace(Spawner=SimpleNamespace(environment={}, cmd=None))
    code = (DEPLOY / "tljh" / "rail_roles.py").read_text()
    exec(compile(code, "rail_roles.py", "exec"), {"get_config": lambda: config})
    choose = config.Spawner.environment["JUPYTER_CONFIG_PATH"]
    admin = SimpleNamespace(user=SimpleNamespace(admin=True))
    trainee = SimpleNamespace(user=SimpleNamespace(admin=False))
    assert choose(admin).endswith("/instructor") and choose(trainee).endswith("/trainee")
    install = (DEPLOY / "tljh" / "install.sh").read_text()
    env = re.search(r'^rail_env=(\S+)$', install, re.M).group(1)
    assert config.Spawner.cmd == [f"{env}/bin/jupyterhub-singleuser"]
    assert choose(admin).startswith(f"{env}/etc/rail/jupyter")
    assert '--out "$rail_env/etc/rail/jupyter"' in install


def test_the_tljh_install_script_passes_shellcheck():
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.fail("shellcheck is missing: scripts/system-packages.sh installs it")
    result = subprocess.run([shellcheck, str(DEPLOY / "tljh" / "install.sh")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
