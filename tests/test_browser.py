"""A learner's first minutes, in a real browser: JupyterLab, "Run All", widgets, pictures.

Needs Chromium at /usr/bin/chromium (`apt-get install -y chromium`; .ci/run installs it) and
the playwright package (the test extra). Never `playwright install`: it downloads a browser.
Each lesson's learner copy is opened in JupyterLab and run with Run All. What must hold:
- every teaching cell runs, and the only errors are the graded test cells of the unsolved
  exercises, each NotImplementedError: they carry the `raises-exception` tag, which JupyterLab
  honours by running on past them, so exercises can sit inside a lesson;
- widgets and pictures render in the page, and 00's tour shows the impostor's warning;
- RSA-4096 in the key explorer shows live progress, then the key.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from support import CHROMIUM, CHROMIUM_ARGS, ROOT, free_port, learner_copies

playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="no Chromium: apt-get install -y chromium"
)
TOKEN = "pkicourse-browser-test"


def _api(base: str, path: str) -> object:
    with urllib.request.urlopen(f"{base}{path}?token={TOKEN}", timeout=10) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """JupyterLab on 127.0.0.1, serving a copy of notebooks/ (runs leave the repo untouched)."""
    home = tmp_path_factory.mktemp("home")
    served = tmp_path_factory.mktemp("served")
    for nb in (ROOT / "notebooks").glob("*.ipynb"):
        shutil.copy(nb, served / nb.name)
    settings = home / "settings"
    settings.mkdir()
    (settings / "overrides.json").write_text(
        json.dumps(
            {
                "@jupyterlab/apputils-extension:notification": {
                    "fetchNews": "false",
                    "checkForUpdates": False,
                },
                # Render every cell, so the page can be read top to bottom.
                "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
            }
        )
    )
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "jupyter"),
            "lab",
            "--no-browser",
            "--allow-root",
            "--ServerApp.ip=127.0.0.1",
            f"--port={port}",
            f"--IdentityProvider.token={TOKEN}",
            f"--ServerApp.root_dir={served}",
            "--LabApp.expose_app_in_browser=True",
        ],
        env={**os.environ, "HOME": str(home), "JUPYTERLAB_SETTINGS_DIR": str(settings)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                _api(base, "/api/status")
                break
            except OSError:
                time.sleep(0.5)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


CELL_STATES = """() => {
    const panel = window.jupyterapp.shell.currentWidget;
    const cells = panel.content.model.cells;
    const states = [];
    for (let i = 0; i < cells.length; i++) {
        const cell = cells.get(i);
        if (cell.type !== 'code') { states.push(null); continue; }
        const error = cell.outputs.toJSON().find(o => o.output_type === 'error');
        const grade = (cell.getMetadata('nbgrader') || {}).grade_id || null;
        states.push([cell.executionCount, error ? error.ename : null, grade]);
    }
    return [panel.sessionContext.session.kernel.status, states];
}"""


def _run_all(browser: object, base: str, name: str) -> tuple[object, list[object], float]:
    """Open a lesson, Run All, wait until it settles; return the page, cell states, seconds.

    A cell state is None for markdown, else [execution count, error name or None, grade id].
    """
    page = browser.new_page(viewport={"width": 1300, "height": 1000})  # type: ignore[attr-defined]
    page.goto(f"{base}/lab/tree/{name}.ipynb?reset&token={TOKEN}")
    page.wait_for_function(
        "() => window.jupyterapp?.shell.currentWidget?.sessionContext?.session?.kernel"
        "?.status === 'idle'",
        timeout=60_000,
    )
    start = time.monotonic()
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    last, settled_since = None, time.monotonic()
    while time.monotonic() - start < 90:
        time.sleep(0.25)
        status, states = page.evaluate(CELL_STATES)
        if status != "idle" or states != last:
            last, settled_since = states, time.monotonic()
        elif any(s and s[0] for s in states) and time.monotonic() - settled_since > 1.5:
            return page, states, settled_since - start
    raise AssertionError(f"{name} did not settle after Run All")


def _graded_tests(name: str) -> list[int]:
    nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    return [i for i, cell in enumerate(nb.cells) if learner_copies.is_graded_test(cell)]


@pytest.mark.parametrize(
    ("name", "widgets", "pictures"),
    [("00-index", 1, 0), ("01-asymmetric-keys", 4, 2), ("02-session-keys", 3, 4)],
)
def test_run_all_reaches_the_exercises(
    lab: str, browser: object, name: str, widgets: int, pictures: int
) -> None:
    page, states, seconds = _run_all(browser, lab, name)
    errors = [(i, s[1]) for i, s in enumerate(states) if s and s[1]]
    print(f"{name}: Run All settled in {seconds:.1f} s in JupyterLab; errors: {errors}")
    assert errors == [(i, "NotImplementedError") for i in _graded_tests(name)]
    not_run = [i for i, s in enumerate(states) if s and not s[0] and i not in _graded_tests(name)]
    assert not not_run, f"Run All did not run cells {not_run}"
    assert page.locator(".jp-OutputArea .jupyter-widgets").count() >= widgets  # type: ignore[attr-defined]
    assert page.locator(".jp-RenderedImage img").count() >= pictures  # type: ignore[attr-defined]
    if name == "00-index":
        assert page.get_by_text("Your connection is not private").count() == 1  # type: ignore[attr-defined]
        assert page.get_by_text("NET::ERR_CERT_AUTHORITY_INVALID").count() == 1  # type: ignore[attr-defined]
    page.close()  # type: ignore[attr-defined]


def test_slow_key_shows_progress_then_the_key(lab: str, browser: object) -> None:
    """Choose RSA-4096 in the key explorer and press Generate: progress first, then the key."""
    page, _, _ = _run_all(browser, lab, "01-asymmetric-keys")
    explorer = page.locator(".jupyter-widgets:has(button:text('Generate'))").first  # type: ignore[attr-defined]
    explorer.locator("select").select_option("rsa-4096")
    # Record every text the widget shows, however briefly, as the browser renders it.
    explorer.evaluate(
        """el => { window.seen = [];
            new MutationObserver(() => window.seen.push(el.innerText))
                .observe(el, {subtree: true, childList: true, characterData: true}); }"""
    )
    explorer.locator("button:text('Generate')").click()
    explorer.get_by_text("RSA 4096-bit private key").wait_for(timeout=30_000)
    seen = page.evaluate("window.seen")  # type: ignore[attr-defined]
    progress = [t for t in seen if "making a rsa-4096 key" in t]
    print(f"{len(progress)} progress updates seen before the key")
    assert progress, f"no progress shown before the key: {seen[:5]}"
    assert seen.index(progress[0]) < min(i for i, t in enumerate(seen) if "RSA 4096-bit" in t)
    page.close()


def test_a_wrong_self_check_explains_itself_in_the_browser(lab: str, browser: object) -> None:
    """In 00-index, pick options of the first question until one is wrong: it says why, with a
    hint; then "Show answer" gives the answer. The feedback is words, not colour alone."""
    page, _, _ = _run_all(browser, lab, "00-index")
    question = page.locator(".jupyter-widgets:has(button:text('Check'))").first  # type: ignore[attr-defined]
    options = question.locator("input[type=radio]")
    feedback = ""
    for i in range(options.count()):
        options.nth(i).check()
        question.locator("button:text('Check')").click()
        page.wait_for_timeout(300)  # type: ignore[attr-defined]
        feedback = question.inner_text()
        if "Not this one" in feedback:
            break
    print(f"wrong-answer feedback: {feedback[-300:]!r}")
    assert "✘ Not this one." in feedback and "Hint:" in feedback
    assert "The answer is" not in feedback
    question.locator("button:text('Show answer')").click()
    question.get_by_text("The answer is").wait_for(timeout=5_000)
    page.close()  # type: ignore[attr-defined]
