"""nbgrader settings for every server of the class hub (jupyterhub_config.py sets the variables).

Loaded by nbgrader in each user's server through JUPYTER_CONFIG_PATH. A user's own
~/.jupyter/nbgrader_config.py and ./nbgrader_config.py still take precedence, as always with
nbgrader: these are defaults, not a security boundary (file permissions are, see
docs/JUPYTERHUB.md).
"""

import os

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

c.CourseDirectory.course_id = os.environ.get("PKICOURSE_COURSE_ID", "pkicourse")
EXCHANGE = os.environ.get("PKICOURSE_EXCHANGE", "/srv/nbgrader/exchange")
if EXCHANGE == "ngshare":
    # Kubernetes (Zero to JupyterHub): every pod runs as the same uid, so a shared exchange
    # folder cannot keep students apart; ngshare, a hub service, holds the exchange instead.
    # Needs `pip install ngshare_exchange` in the image (docs/JUPYTERHUB.md; not tested here).
    from ngshare_exchange import configureExchange

    configureExchange(c)
else:
    # One machine: nbgrader's filesystem exchange, a folder every user can reach.
    c.Exchange.root = EXCHANGE

if os.environ.get("PKICOURSE_ROLE") == "instructor":
    # The course folder: source/ (the private copy of the lessons), release/, submitted/,
    # autograded/, feedback/ and gradebook.db. It must lie inside the server's root (the home)
    # for the formgrader to open it.
    c.CourseDirectory.root = os.path.join(os.path.expanduser("~"), "course")
    # A lesson's cells take at most 2 s; a student's endless loop costs this much per cell.
    c.ExecutePreprocessor.timeout = 30
else:
    # Submissions are named after the hub user. nbgrader would take the uid's name (except
    # for `jovyan`), the same for everyone who shares a uid.
    user = os.environ.get("JUPYTERHUB_USER")
    if user:
        c.CourseDirectory.student_id = user
