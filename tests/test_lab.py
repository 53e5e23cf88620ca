"""The README's first command, `make lab`, headless: JupyterLab serves the learner's own copies.

The root a learner sees is their own folder (MY_NOTEBOOKS, my-notebooks/ by default; here a
temporary one), copied from the committed notebooks/ on the first run, and the URL that `make lab`
opens or prints goes straight to 00-index.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
from support import ROOT, free_port


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - 127.0.0.1 only
        return response.status, response.read()


def test_make_lab_serves_the_index(tmp_path: Path) -> None:
    port, token = free_port(), "pkicourse-test"
    flags = f"--no-browser --ServerApp.ip=127.0.0.1 --port={port} --IdentityProvider.token={token}"
    env = {**os.environ, "HOME": str(tmp_path), "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt")}
    mine = tmp_path / "my-notebooks"
    lab = subprocess.Popen(
        ["make", "-s", "lab", f"VENV={sys.prefix}", f"LAB_FLAGS={flags}", f"MY_NOTEBOOKS={mine}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                status, body = _get(f"{base}/api/contents/00-index.ipynb?token={token}")
                break
            except OSError:
                if lab.poll() is not None:
                    raise AssertionError(f"make lab exited: {lab.communicate()[0]}") from None
                time.sleep(0.5)
        else:
            raise AssertionError(f"JupyterLab did not answer on {base} within 90 s")
        assert status == 200
        assert json.loads(body)["content"]["cells"][0]["source"].startswith("# 00 ·")
        # What is served is the learner's copy: a change to it shows, notebooks/ stays as it was.
        index = nbformat.read(mine / "00-index.ipynb", as_version=4)
        index.cells[0].source = "# 00 · my own notes"
        nbformat.write(index, mine / "00-index.ipynb")
        status, body = _get(f"{base}/api/contents/00-index.ipynb?token={token}")
        assert json.loads(body)["content"]["cells"][0]["source"] == "# 00 · my own notes"
        assert "my own notes" not in (ROOT / "notebooks" / "00-index.ipynb").read_text()
        status, page = _get(f"{base}/lab/tree/00-index.ipynb?token={token}")
        assert status == 200 and b"JupyterLab" in page
        notification = "@jupyterlab/apputils-extension:notification"
        status, body = _get(f"{base}/lab/api/settings/{notification}?token={token}")
        defaults = {
            k: v.get("default") for k, v in json.loads(body)["schema"]["properties"].items()
        }
        assert defaults["fetchNews"] == "false" and defaults["checkForUpdates"] is False
        try:  # the twin: a lesson that does not exist is not served
            _get(f"{base}/api/contents/99-missing.ipynb?token={token}")
            raise AssertionError("a missing notebook was served")
        except urllib.error.HTTPError as err:
            assert err.code == 404
    finally:
        if lab.poll() is None:
            os.killpg(lab.pid, signal.SIGTERM)
        output = lab.communicate(timeout=30)[0]
    assert f"127.0.0.1:{port}/lab/tree/00-index.ipynb?token=" in output, "print the URL"
    assert "Made your own copies of the lessons in my-notebooks/" in output, output
    assert len(list(mine.glob("*.ipynb"))) == len(list((ROOT / "notebooks").glob("*.ipynb")))
