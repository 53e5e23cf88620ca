"""The local badssl gallery in a real Chromium: the net::ERR_* it really shows (lesson 06).

Chromium on Linux trusts only its own NSS database, ``$HOME/.pki/nssdb``: the test makes one
under a temporary HOME with ``certutil`` (Debian's libnss3-tools) and adds the gallery root
there, as "trusted to issue server certificates" (``-t "C,,"``). Playwright drives the
system's /usr/bin/chromium (never ``playwright install``); ``--host-resolver-rules`` sends
every ``*.badssl.test`` name to 127.0.0.1, so nothing leaves the machine.

What Chromium showed must equal ``gallery.CASES[case].chrome`` for every case: the course's
table of browser errors is measured, never guessed. With ``PKICOURSE_UPDATE_SCREENSHOTS=1``
the test also saves the real interstitial of the self-signed site to
``data/browser/interstitial-self-signed.png`` for the lesson.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support import CHROMIUM
from support import CHROMIUM_ARGS as BROWSER_ARGS

from pkicourse.gallery import CASES, DOMAIN, Gallery, open_gallery

CERTUTIL = shutil.which("certutil")
SCREENSHOT_CASE = "self-signed"
SCREENSHOT = Path(__file__).resolve().parent.parent / "data" / "browser"
SCREENSHOT = SCREENSHOT / f"interstitial-{SCREENSHOT_CASE}.png"
playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
pytestmark = [
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="no Chromium: apt-get install -y chromium"
    ),
    pytest.mark.skipif(CERTUTIL is None, reason="no certutil: apt-get install -y libnss3-tools"),
]
CHROMIUM_ARGS = [*BROWSER_ARGS, "--host-resolver-rules=MAP *.badssl.test 127.0.0.1"]


def _trust_in_nss(home: Path, root_pem: bytes) -> None:
    """A fresh NSS database in ``home`` that trusts the gallery root for TLS servers."""
    assert CERTUTIL is not None
    database = home / ".pki" / "nssdb"
    database.mkdir(parents=True)
    root = home / "gallery-root.pem"
    root.write_bytes(root_pem)
    for command in (
        ["-N", "--empty-password"],
        ["-A", "-n", "pkicourse-gallery", "-t", "C,,", "-i", str(root)],
    ):
        subprocess.run([CERTUTIL, "-d", f"sql:{database}", *command], check=True, timeout=30)
    listed = subprocess.run(
        [CERTUTIL, "-d", f"sql:{database}", "-L"], capture_output=True, text=True, check=True
    )
    assert re.search(r"pkicourse-gallery\s+C,,", listed.stdout), listed.stdout


@pytest.fixture(scope="module")
def driver() -> Iterator[object]:
    """One Playwright for the module (a second one cannot start while it runs)."""
    with playwright.sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def chromium(
    tmp_path_factory: pytest.TempPathFactory, driver: object
) -> Iterator[tuple[Gallery, object]]:
    """The whole gallery running, and Chromium with its root in a temporary HOME's NSS db."""
    home = tmp_path_factory.mktemp("home")
    p: Any = driver
    with open_gallery() as gallery:
        _trust_in_nss(home, gallery.root_pem)
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, env={**os.environ, "HOME": str(home)}
        )
        try:
            yield gallery, browser
        finally:
            browser.close()


def _open(browser: object, url: str) -> tuple[object, str]:
    """A new page at ``url``: the page and the net::ERR_* Chromium reported ("" = loaded)."""
    page = browser.new_page(viewport={"width": 900, "height": 560})  # type: ignore[attr-defined]
    try:
        page.goto(url, timeout=15_000)
    except playwright.Error as error:
        found = re.search(r"net::ERR_[A-Z_]+", str(error))
        assert found, f"Chromium failed without a net error: {error}"
        return page, found.group(0)
    return page, ""


def test_chromium_shows_the_errors_of_the_table(chromium: tuple[Gallery, object]) -> None:
    gallery, browser = chromium
    start = time.monotonic()
    seen: dict[str, str] = {}
    for case in CASES:
        page, error = _open(browser, gallery.url(case))
        seen[case] = error
        if error:  # the interstitial itself shows the code, as NET::ERR_...
            page.get_by_text(error.upper()).wait_for(timeout=5_000)  # type: ignore[attr-defined]
        else:
            body = page.inner_text("body")  # type: ignore[attr-defined]
            assert body.strip() == f"Welcome to {CASES[case].hostname}"
        page.close()  # type: ignore[attr-defined]
    print(f"\nChromium visited {len(seen)} sites in {time.monotonic() - start:.1f} s")
    for case, error in seen.items():
        print(f"  {CASES[case].hostname:30} {error or '(no error: the page loads)'}")
    assert seen == {case: CASES[case].chrome for case in CASES}


def test_the_interstitial_screenshot(chromium: tuple[Gallery, object]) -> None:
    """The real "Your connection is not private" page; saved for the lesson when asked."""
    gallery, browser = chromium
    page, error = _open(browser, gallery.url(SCREENSHOT_CASE))
    assert error == CASES[SCREENSHOT_CASE].chrome
    page.get_by_text("Your connection is not private").wait_for(timeout=5_000)  # type: ignore[attr-defined]
    assert page.get_by_text(CASES[SCREENSHOT_CASE].hostname).count() >= 1  # type: ignore[attr-defined]
    if os.environ.get("PKICOURSE_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOT.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOT))  # type: ignore[attr-defined]
        print(f"saved {SCREENSHOT} ({SCREENSHOT.stat().st_size} bytes)")
    page.close()  # type: ignore[attr-defined]


def test_rsa_key_transport_needs_key_encipherment_in_chromium(
    tmp_path: Path, driver: object
) -> None:
    """RFC 5246 §7.4.2, measured: a TLS 1.2 RSA key-transport server whose certificate has
    digitalSignature only is refused (ERR_SSL_KEY_USAGE_INCOMPATIBLE); the same server with
    ``issue_cert(..., key_encipherment=True)`` (what the static-rsa site and lesson 06's
    recording use) loads. OpenSSL and Python's ssl accept both: they do not check the bit."""
    import ssl

    from pkicourse.ca import CA
    from pkicourse.tls import tls_server

    root = CA.root("pkicourse Key Usage Test Root")
    rsa_only = {"maximum_version": ssl.TLSVersion.TLSv1_2, "ciphers": "AES128-GCM-SHA256"}
    home = tmp_path / "home"
    _trust_in_nss(home, root.cert_pem)
    seen: dict[str, str] = {}
    with (
        tls_server(
            root.issue_cert(f"ku-signing.{DOMAIN}", key_type="rsa"), http=True, **rsa_only
        ) as signing,  # type: ignore[arg-type]
        tls_server(
            root.issue_cert(f"ku-key-transport.{DOMAIN}", key_type="rsa", key_encipherment=True),
            http=True,
            **rsa_only,  # type: ignore[arg-type]
        ) as transport,
    ):
        p: Any = driver
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, env={**os.environ, "HOME": str(home)}
        )
        try:
            for name, server in (("ku-signing", signing), ("ku-key-transport", transport)):
                page, seen[name] = _open(browser, f"https://{name}.{DOMAIN}:{server.port}/")
                page.close()  # type: ignore[attr-defined]
        finally:
            browser.close()
    print(f"\nChromium, TLS 1.2 RSA key transport: {seen}")
    assert seen == {"ku-signing": "net::ERR_SSL_KEY_USAGE_INCOMPATIBLE", "ku-key-transport": ""}
