"""A real JupyterHub on 127.0.0.1 for tests/test_hub.py, configured by deploy/jupyterhub/.

The hub loads the shipped jupyterhub_config.py (load_subconfig) and overrides only what a test
must: the dummy authenticator, the simple spawner (every user's server runs as this test's uid,
in a temporary home), free ports on 127.0.0.1, temporary state, and a service token to drive it.
The proxy, configurable-http-proxy, comes from the npm registry into .venv/hub-node/ once.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from support import ROOT, free_port

DEPLOY = ROOT / "deploy" / "jupyterhub"
NODE_CACHE = Path(sys.prefix) / "hub-node"
PROXY = NODE_CACHE / "node_modules" / ".bin" / "configurable-http-proxy"
BIN = Path(sys.executable).parent


def proxy_command() -> Path:
    """configurable-http-proxy, installed from the npm registry into .venv/hub-node/ if absent."""
    if PROXY.exists():
        return PROXY
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("the hub test needs Node.js and npm (.ci/run installs them)")
    NODE_CACHE.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["npm", "install", "--prefix", str(NODE_CACHE), "--no-audit", "--no-fund"]
        + ["--loglevel=error", "configurable-http-proxy@^4"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0 or not PROXY.exists():
        pytest.skip(f"could not install configurable-http-proxy with npm: {done.stderr[-500:]}")
    return PROXY


class HTTPFailure(AssertionError):
    def __init__(self, method: str, url: str, status: int, body: str) -> None:
        super().__init__(f"{method} {url} -> {status}: {body[:2000]}")
        self.status = status


def call(
    method: str, url: str, token: str, body: Any = None, timeout: float = 120
) -> tuple[int, Any]:
    """One HTTP request with `Authorization: token ...`; JSON in, JSON (or text) out."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Authorization", f"token {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - 127.0.0.1
            status, raw = response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        raise HTTPFailure(method, url, err.code, err.read().decode(errors="replace")) from None
    try:
        return status, json.loads(raw) if raw else None
    except json.JSONDecodeError:
        return status, raw


OVERRIDES = """\
# tests/hub_support.py: the shipped hub, with only what a test on 127.0.0.1 must change.
load_subconfig({shipped!r})
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {password!r}
# Every server runs as this test's uid (root here), each in its own temporary home.
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = {homes!r} + "/{{username}}"
c.Spawner.cmd = [{singleuser!r}]
c.Spawner.args = {args!r}
c.Spawner.environment = {{"PATH": {path!r}}}
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
# POST /users/NAME/server answers at once, so the servers start side by side.
c.JupyterHub.tornado_settings = {{"slow_spawn_timeout": 0}}
c.JupyterHub.pid_file = {state!r} + "/jupyterhub.pid"
c.JupyterHub.services = [{{"name": "pkicourse-test", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [
    {{
        "name": "pkicourse-test",
        "scopes": ["admin:users", "admin:servers", "tokens", "access:servers",
                   "list:groups", "read:groups"],
        "services": ["pkicourse-test"],
    }}
]
"""


class Hub:
    """A running hub: `url`, `api(...)` with the service token, `stop()` (idempotent)."""

    def __init__(self, tmp: Path, env: dict[str, str]) -> None:
        self.tmp = tmp
        self.homes = tmp / "home"
        self.state = tmp / "hub"
        self.homes.mkdir(exist_ok=True)
        self.state.mkdir(exist_ok=True)
        self.startup = 0.0  # seconds until the API answered
        self.token = secrets.token_hex(32)
        self.password = secrets.token_hex(8)
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        config = self.state / "test_config.py"
        config.write_text(
            OVERRIDES.format(
                shipped=str(DEPLOY / "jupyterhub_config.py"),
                password=self.password,
                homes=str(self.homes),
                singleuser=str(BIN / "jupyterhub-singleuser"),
                args=["--allow-root"] if os.getuid() == 0 else [],
                path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
                port=port,
                hub_port=free_port(),
                proxy_api_port=free_port(),
                proxy=str(proxy_command()),
                state=str(self.state),
                token=self.token,
            )
        )
        self.log = (self.state / "hub.log").open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(config)],
            cwd=self.state,
            env={
                **os.environ,
                **env,
                "PKICOURSE_HUB_STATE": str(self.state),
                "HOME": str(self.state),
                "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            },
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, seconds: float = 60) -> float:
        """Wait for the hub's API to answer; returns the seconds it took."""
        started = time.monotonic()
        deadline = started + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the hub exited {self.process.returncode}:\n{self.tail()}")
            try:
                self.api("GET", "/")
                return time.monotonic() - started
            except (OSError, HTTPFailure):
                time.sleep(0.3)
        raise AssertionError(f"the hub did not answer within {seconds} s:\n{self.tail()}")

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """The hub's REST API (/hub/api/...) with the service token."""
        return call(method, f"{self.url}/hub/api{path}", self.token, body)[1]

    def tail(self, chars: int = 6000) -> str:
        self.log.flush()
        return (self.state / "hub.log").read_text(errors="replace")[-chars:]

    def stop(self) -> None:
        """SIGTERM: the hub stops the users' servers and the proxy; then SIGKILL if needed."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()


def processes_under(folder: Path) -> dict[int, str]:
    """{pid: command line} of live processes whose working folder or command names `folder`."""
    found = {}
    mine = str(folder)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # gone, or not ours to read
            continue
        if cwd.startswith(mine) or mine in cmdline:
            found[int(entry.name)] = cmdline.strip()
    return found


def kill(pids: dict[int, str]) -> None:
    """SIGKILL exactly these processes (left over by a failed run)."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
