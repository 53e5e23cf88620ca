"""A learner's first minutes, in a real browser: JupyterLab, every lesson, widgets, pictures.

Needs Chromium at /usr/bin/chromium (`apt-get install -y chromium`; .ci/run installs it) and
the playwright package (the test extra). Never `playwright install`: it downloads a browser.
JupyterLab runs from the environment Binder would build (tests/binder_support.py: binder/'s
pinned packages and postBuild, in a fresh virtual environment), serving a copy of the repository
with JupyterLab's default settings. Each lesson's learner copy is opened there. What must hold:
- the lesson's first widget is on screen within 5 s of opening the lesson, kernel start and the
  cells above it included (printed per lesson);
- then every teaching cell runs, and the only errors are the graded test cells of the unsolved
  exercises, each NotImplementedError: they carry the `raises-exception` tag, which JupyterLab
  honours by running on past them ("Run All" too), so exercises can sit inside a lesson;
- widgets and pictures render in the page, and 00's tour shows the impostor's warning;
- RSA-4096 in the key explorer shows live progress, then the key;
- a wrong self-check answer explains itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import binder_support
import nbformat
import pytest
from binder_support import BinderEnv
from support import CHROMIUM, CHROMIUM_ARGS, LESSONS, ROOT, learner_copies

playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="no Chromium: apt-get install -y chromium"
)
TOKEN = "pkicourse-browser-test"


@pytest.fixture(scope="module")
def lab(binder_env: BinderEnv) -> Iterator[str]:
    """JupyterLab from the Binder environment (tests/binder_support.py) on 127.0.0.1, serving
    a copy of the repository as Binder does (the lessons are at notebooks/NN-name.ipynb), with
    JupyterLab's default settings plus binder/overrides.json, as learners get it."""
    with binder_support.lab(binder_env, TOKEN) as base:
        yield base


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


#: Open a lesson in the loaded JupyterLab (kernel start included), run its cells one by one
#: until one shows a widget, and wait until the browser has rendered it. Timed in the page.
FIRST_WIDGET = """async (path) => {
    const app = window.jupyterapp;
    const pause = ms => new Promise(r => setTimeout(r, ms));
    const started = performance.now();
    const panel = await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
    await panel.context.ready;
    await panel.sessionContext.ready;
    while (panel.sessionContext.session?.kernel?.status !== 'idle') await pause(10);
    const kernel = performance.now() - started;
    const cells = panel.content.widgets;
    for (let i = 0; i < cells.length; i++) {
        if (cells[i].model.type !== 'code') continue;
        panel.content.activeCellIndex = i;
        await app.commands.execute('notebook:run-cell');
        const shown = cells[i].model.outputs.toJSON().some(
            o => o.data && o.data['application/vnd.jupyter.widget-view+json']);
        if (!shown) continue;
        const limit = performance.now() + 10000;
        while (!cells[i].node.querySelector('.jupyter-widgets') && performance.now() < limit)
            await new Promise(r => requestAnimationFrame(r));
        return [i, (performance.now() - started) / 1000, kernel / 1000];
    }
    return [-1, (performance.now() - started) / 1000, kernel / 1000];
}"""
#: Close the lesson and shut its kernel down (the lesson's servers stop with it).
SHUT_DOWN = """async () => {
    const panel = window.jupyterapp.shell.currentWidget;
    await panel.sessionContext.shutdown();
    panel.dispose();
}"""
#: Issue 9's target: from opening a lesson to its first widget on screen.
MAX_FIRST_WIDGET_S = 5.0


def _open_lab(browser: object, base: str) -> tuple[object, float]:
    """A new page with JupyterLab loaded (no document open); the seconds it took."""
    page = browser.new_page(viewport={"width": 1300, "height": 1000})  # type: ignore[attr-defined]
    started = time.monotonic()
    page.goto(f"{base}/lab?reset&token={TOKEN}")
    page.wait_for_function("() => window.jupyterapp?.shell", timeout=60_000)
    page.evaluate("async () => { await window.jupyterapp.restored; }")
    return page, time.monotonic() - started


def _settle(page: object, name: str, start: float) -> tuple[list[object], float]:
    """Wait until the lesson stops changing after a run; its cell states and the seconds."""
    last, settled_since = None, time.monotonic()
    while time.monotonic() - start < 90:
        time.sleep(0.25)
        status, states = page.evaluate(CELL_STATES)  # type: ignore[attr-defined]
        if status != "idle" or states != last:
            last, settled_since = states, time.monotonic()
        elif any(s and s[0] for s in states) and time.monotonic() - settled_since > 1.5:
            return states, settled_since - start
    raise AssertionError(f"{name} did not settle after running")


def _graded_tests(name: str) -> list[int]:
    nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    return [i for i, cell in enumerate(nb.cells) if learner_copies.is_graded_test(cell)]


#: The widgets and pictures a lesson shows at least once it has run (00: the tour's warning).
SHOWN = {"00-index": (1, 0), "01-asymmetric-keys": (4, 2), "02-session-keys": (3, 4)}


@pytest.mark.parametrize("name", LESSONS)
def test_first_widget_then_every_cell_in_the_binder_environment(
    lab: str, browser: object, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each lesson, in JupyterLab from Binder's environment: the first widget is on screen
    within 5 s of opening the lesson (kernel start and the cells above it included); then the
    rest of the lesson runs, and the only errors are the unsolved exercises' test cells."""
    page, load_s = _open_lab(browser, lab)
    path = f"notebooks/{name}.ipynb"
    index, first_s, kernel_s = page.evaluate(FIRST_WIDGET, path)  # type: ignore[attr-defined]
    print(
        f"{name}: first widget (cell #{index}) on screen {first_s:.2f} s after opening the "
        f"lesson (kernel ready after {kernel_s:.2f} s; JupyterLab itself loaded in {load_s:.1f} s)"
    )
    if first_s > MAX_FIRST_WIDGET_S:  # a busy machine: measure once more, from a new kernel
        page.evaluate(SHUT_DOWN)  # type: ignore[attr-defined]
        page.close()  # type: ignore[attr-defined]
        page, _ = _open_lab(browser, lab)
        index, first_s, kernel_s = page.evaluate(FIRST_WIDGET, path)  # type: ignore[attr-defined]
        print(f"{name}: measured again: {first_s:.2f} s (kernel ready after {kernel_s:.2f} s)")
    with capsys.disabled():  # the figure belongs in the test log, passed or not
        print(f"\n{name}: first widget on screen {first_s:.2f} s after opening (target 5 s)")
    assert index >= 0, f"{name} showed no widget"
    assert first_s <= MAX_FIRST_WIDGET_S, (
        f"{name}: the first widget took {first_s:.1f} s to appear (target {MAX_FIRST_WIDGET_S} s)"
    )
    start = time.monotonic()
    page.evaluate(  # type: ignore[attr-defined]
        "(i) => { const app = window.jupyterapp;"
        " app.shell.currentWidget.content.activeCellIndex = i;"
        " app.commands.execute('notebook:run-all-below'); }",
        index + 1,
    )
    states, seconds = _settle(page, name, start)
    errors = [(i, s[1]) for i, s in enumerate(states) if s and s[1]]
    print(f"{name}: the rest ran and settled in {seconds:.1f} s; errors: {errors}")
    assert errors == [(i, "NotImplementedError") for i in _graded_tests(name)]
    not_run = [i for i, s in enumerate(states) if s and not s[0] and i not in _graded_tests(name)]
    assert not not_run, f"the cells {not_run} did not run"
    widgets, pictures = SHOWN.get(name, (1, 0))
    assert page.locator(".jp-OutputArea .jupyter-widgets").count() >= widgets  # type: ignore[attr-defined]
    assert page.locator(".jp-RenderedImage img").count() >= pictures  # type: ignore[attr-defined]
    if name == "00-index":
        assert page.get_by_text("Your connection is not private").count() == 1  # type: ignore[attr-defined]
        assert page.get_by_text("NET::ERR_CERT_AUTHORITY_INVALID").count() == 1  # type: ignore[attr-defined]
    # On the same page, what a learner then does with the lesson's widgets:
    if name in AFTERWARDS:
        AFTERWARDS[name](page)
    page.evaluate(SHUT_DOWN)  # type: ignore[attr-defined]
    page.close()  # type: ignore[attr-defined]


def _slow_key_shows_progress_then_the_key(page: object) -> None:
    """Choose RSA-4096 in 01's key explorer and press Generate: progress first, then the key."""
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


def _a_wrong_self_check_explains_itself(page: object) -> None:
    """In 00-index, pick options of the first question until one is wrong: it says why, with a
    hint; then "Show answer" gives the answer. The feedback is words, not colour alone."""
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


#: Checks of a lesson's widgets once the lesson has run, on the same page.
AFTERWARDS: dict[str, Callable[[object], None]] = {
    "00-index": _a_wrong_self_check_explains_itself,
    "01-asymmetric-keys": _slow_key_shows_progress_then_the_key,
}
