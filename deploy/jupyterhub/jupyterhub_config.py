"""JupyterHub for one pkicourse class: an instructor grades, students fetch and submit.

What a small class on one machine runs (docs/JUPYTERHUB.md explains every part):

- Every learner and instructor is a system user (PAM login, `LocalProcessSpawner`): each single-
  user server runs as its own uid, so students cannot read each other's homes and nbgrader's
  exchange folder keeps their submissions apart (its `inbound/` is write-only for students).
- nbgrader's *filesystem exchange* under `PKICOURSE_EXCHANGE` (default /srv/nbgrader/exchange);
  course id `PKICOURSE_COURSE_ID` (default "pkicourse").
- Instructors (`PKICOURSE_INSTRUCTORS`, comma-separated) get the formgrader and a course folder
  `~/course` (its `source/` is a private copy of the lessons: `pkicourse-grade
  --new-private-source ~/course/source`). Students get the assignment list (fetch, submit,
  feedback) and no formgrader, no course list, no "create assignment" toolbar.
- The role is chosen here, per user, when the server starts (`pre_spawn_hook`): it sets
  `JUPYTER_CONFIG_PATH` to `student/` (extensions switched off) + this folder (the shared
  `nbgrader_config.py`), and `PKICOURSE_ROLE`. Nothing is written into the users' homes.

Run it as root from the environment where the course is installed (`pip install
'pkicourse[grade]' jupyterhub`, and `npm install -g configurable-http-proxy`):

    PKICOURSE_INSTRUCTORS=teacher PKICOURSE_STUDENTS=ana,ben,chloe \
        jupyterhub -f deploy/jupyterhub/jupyterhub_config.py

This folder must be readable by every user (their servers read its nbgrader_config.py).
tests/test_hub.py loads this file with `load_subconfig` and only swaps what a test on
127.0.0.1 must (dummy login, one uid for everyone, free ports, temporary paths).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

c = get_config()  # noqa: F821 - provided by JupyterHub when it loads this file

HERE = Path(__file__).resolve().parent


def _names(variable: str, default: str = "") -> list[str]:
    return [name.strip() for name in os.environ.get(variable, default).split(",") if name.strip()]


COURSE_ID = os.environ.get("PKICOURSE_COURSE_ID", "pkicourse")
EXCHANGE_ROOT = os.environ.get("PKICOURSE_EXCHANGE", "/srv/nbgrader/exchange")
INSTRUCTORS = _names("PKICOURSE_INSTRUCTORS", "instructor")
STUDENTS = _names("PKICOURSE_STUDENTS")
STATE = Path(os.environ.get("PKICOURSE_HUB_STATE", "/srv/jupyterhub"))

# --- Who may log in -----------------------------------------------------------------------
# PAM (the default authenticator) checks system passwords; only the class may log in. An
# instructor is not a hub admin: the formgrader needs no admin rights.
c.Authenticator.allowed_users = set(INSTRUCTORS + STUDENTS)
c.Authenticator.admin_users = set(_names("PKICOURSE_ADMINS"))
# Groups make the roster visible in the hub's admin page and API.
c.JupyterHub.load_groups = {
    "instructors": {"users": INSTRUCTORS},
    "students": {"users": STUDENTS},
}

# --- Each user's server ---------------------------------------------------------------------
# LocalProcessSpawner (the default) starts `jupyterhub-singleuser` as the user's own uid, in
# their home. The course's JupyterLab settings (offline: no news, no update checks) come with
# `make lab`'s install; the lessons open in JupyterLab.
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.default_url = "/lab"
# A class runs lessons with RSA-4096 keys and TLS servers on 127.0.0.1: give each server room.
c.Spawner.mem_limit = os.environ.get("PKICOURSE_MEM_LIMIT", "2G")  # enforced by some spawners
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 60


def role_of(username: str) -> str:
    """'instructor' for the names in PKICOURSE_INSTRUCTORS, else 'student'."""
    return "instructor" if username in INSTRUCTORS else "student"


def pre_spawn_hook(spawner: Any) -> None:
    """Give each server its role: the nbgrader settings and the extensions it may use."""
    role = role_of(spawner.user.name)
    config_path = [str(HERE)] if role == "instructor" else [str(HERE / "student"), str(HERE)]
    spawner.environment = {
        **spawner.environment,
        "PKICOURSE_ROLE": role,
        "PKICOURSE_COURSE_ID": COURSE_ID,
        "PKICOURSE_EXCHANGE": EXCHANGE_ROOT,
        # Read after the user's own ~/.jupyter, before the environment's etc/jupyter (where
        # nbgrader switches all its extensions on).
        "JUPYTER_CONFIG_PATH": os.pathsep.join(config_path),
    }


c.Spawner.pre_spawn_hook = pre_spawn_hook

# --- nbgrader's exchange ----------------------------------------------------------------------
# The exchange root must exist and be writable by everyone, sticky like /tmp (nbgrader's own
# instructions: mode 1777); the hub runs as root and creates it once. (PKICOURSE_EXCHANGE=ngshare
# selects the ngshare service instead: docs/JUPYTERHUB.md, Kubernetes.)
if os.path.isabs(EXCHANGE_ROOT):
    try:
        os.makedirs(EXCHANGE_ROOT, exist_ok=True)
        os.chmod(EXCHANGE_ROOT, 0o1777)
    except PermissionError:  # a hub not run as root: the admin creates it
        print(f"pkicourse: create {EXCHANGE_ROOT} with mode 1777 (nbgrader's exchange)")

# --- The hub's own state --------------------------------------------------------------------
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
# Put TLS in front (a reverse proxy, or c.JupyterHub.ssl_cert / ssl_key): logins and
# notebooks must not cross the network in the clear.
c.JupyterHub.bind_url = os.environ.get("PKICOURSE_HUB_URL", "http://:8000")
