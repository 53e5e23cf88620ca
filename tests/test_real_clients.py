"""Real clients against the local badssl gallery (lesson 06): curl and ``openssl s_client``.

What they really do, measured with curl 7.88.1 and OpenSSL 3.0.19, and kept in
``gallery.CASES`` (the ``curl`` and ``s_client`` columns), which the lesson shows:
- curl refuses every bad certificate with exit 60, but accepts the CN-only certificate (it falls
  back to the common name when there is no subjectAltName) and the revoked one (it checks a CRL
  only when given ``--crlfile``), and the TLS 1.2 RSA key-transport site.
- ``s_client -verify_return_error -verify_hostname`` refuses with the verify code, accepts the
  CN-only certificate too; without ``-verify_hostname`` it checks no name at all (wrong.host
  passes); the revoked leaf is refused only with ``-crl_check -CRL <file>`` (s_client's option
  is ``-CRL``; ``-CRLfile`` belongs to ``openssl verify``).

The verdicts compare exit and verify codes, parsed from CASES's own words so the table cannot
drift. A few findings also check message text (curl's "(matched)", "certificate revoked", "no
alternative certificate subject name matches"; s_client's "Unknown option"): those words are
curl 7.88.1's and OpenSSL 3.0.19's and may change with other versions (CURRICULUM.md: compare
codes, not words); they document what the lesson's text quotes.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from pkicourse.gallery import CASES, Gallery, open_gallery

CURL, OPENSSL = shutil.which("curl"), shutil.which("openssl")


def _expected_code(words: str, pattern: str) -> int:
    """The code CASES's words give for a plain run (before any "; ..." finding): the number
    they name, or 0 for "accepted" with no number. A "refused" without a number fails."""
    plain = words.split(";")[0]
    found = re.search(pattern, plain)
    if found:
        return int(found.group(1))
    assert plain.startswith("accepted"), f"no code in {words!r}"
    return 0


_CURL_CODE, _S_CLIENT_CODE = r"exit (\d+)", r"(?:verify error|Verify return code:) (\d+)"
#: What each client does, as CASES says: curl's exit code; s_client's verify code (0 = ok).
CURL_EXIT = {case: _expected_code(CASES[case].curl, _CURL_CODE) for case in CASES}
S_CLIENT_CODE = {case: _expected_code(CASES[case].s_client, _S_CLIENT_CODE) for case in CASES}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Gallery, Path, Path]]:
    folder = tmp_path_factory.mktemp("gallery")
    with open_gallery() as gallery:
        root, crl = folder / "root.pem", folder / "crl.pem"
        root.write_bytes(gallery.root_pem)
        crl.write_bytes(gallery.crl_pem)
        yield gallery, root, crl


def _curl(gallery: Gallery, case: str, *options: str) -> subprocess.CompletedProcess[str]:
    assert CURL is not None
    name, port = CASES[case].hostname, gallery.sites[case].port
    command = [CURL, "-sS", "-v", "--max-time", "5", *options,
               "--resolve", f"{name}:{port}:127.0.0.1", gallery.url(case)]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=10)


def _s_client(
    gallery: Gallery, case: str, root: Path, *options: str
) -> tuple[int, int | None, str]:
    """Exit status, the "Verify return code", and the output of one s_client run."""
    assert OPENSSL is not None
    command = [
        OPENSSL, "s_client", "-connect", f"127.0.0.1:{gallery.sites[case].port}",
        "-servername", CASES[case].hostname, "-verify_return_error", "-CAfile", str(root),
        *options,
    ]  # fmt: skip
    done = subprocess.run(command, input="", capture_output=True, text=True, timeout=10)
    output = done.stdout + done.stderr
    found = re.search(r"Verify return code: (\d+)", output)
    return done.returncode, int(found.group(1)) if found else None, output


@pytest.mark.skipif(CURL is None, reason="no curl: apt-get install -y curl")
@pytest.mark.parametrize("case", list(CASES))
def test_curl(site: tuple[Gallery, Path, Path], case: str) -> None:
    gallery, root, _ = site
    done = _curl(gallery, case, "--cacert", str(root))
    print(f"curl {case}: exit {done.returncode} {done.stderr.splitlines()[-1][:100]!r}")
    assert done.returncode == CURL_EXIT[case], done.stderr[-500:]
    assert CASES[case].curl.startswith("accepted" if done.returncode == 0 else "refused")
    if done.returncode == 0:
        assert done.stdout == f"Welcome to {CASES[case].hostname}\n"  # the HTTPS body
    else:
        assert "SSL" in done.stderr and f"({done.returncode})" in done.stderr


@pytest.mark.skipif(CURL is None, reason="no curl: apt-get install -y curl")
def test_curl_findings(site: tuple[Gallery, Path, Path]) -> None:
    """CN-only accepted (CN fallback), revoked refused only with --crlfile, static RSA used."""
    gallery, root, crl = site
    cn_only = _curl(gallery, "cn-only-no-san", "--cacert", str(root))
    assert cn_only.returncode == 0
    assert re.search(r"common name: cn-only-no-san\.badssl\.test \(matched\)", cn_only.stderr)
    revoked = _curl(gallery, "revoked", "--cacert", str(root), "--crlfile", str(crl))
    finding = re.search(r"refused with --crlfile \(exit (\d+)\)", CASES["revoked"].curl)
    assert finding, CASES["revoked"].curl
    assert revoked.returncode == int(finding.group(1)) and "certificate revoked" in revoked.stderr
    rsa = _curl(gallery, "static-rsa", "--cacert", str(root))
    assert "TLSv1.2 / AES128-GCM-SHA256" in rsa.stderr
    wrong = _curl(gallery, "wrong.host", "--cacert", str(root))
    assert "no alternative certificate subject name matches" in wrong.stderr


@pytest.mark.skipif(OPENSSL is None, reason="no openssl: apt-get install -y openssl")
@pytest.mark.parametrize("case", list(CASES))
def test_s_client_with_verify_hostname(site: tuple[Gallery, Path, Path], case: str) -> None:
    gallery, root, _ = site
    status, code, output = _s_client(gallery, case, root, "-verify_hostname", CASES[case].hostname)
    print(f"s_client {case}: exit {status}, verify return code {code}")
    assert code == S_CLIENT_CODE[case], output[-800:]
    assert (status == 0) == (code == 0)
    assert CASES[case].s_client.startswith("accepted" if status == 0 else "refused")
    if code:
        assert f"verify error {code}" in CASES[case].s_client


@pytest.mark.skipif(OPENSSL is None, reason="no openssl: apt-get install -y openssl")
def test_s_client_findings(site: tuple[Gallery, Path, Path]) -> None:
    """No -verify_hostname: no name checked. The CRL: only with -crl_check -CRL."""
    gallery, root, crl = site
    status, code, _ = _s_client(gallery, "wrong.host", root)
    assert (status, code) == (0, 0)
    assert "accepted without -verify_hostname" in CASES["wrong.host"].s_client
    name = CASES["revoked"].hostname
    status, code, output = _s_client(
        gallery, "revoked", root, "-verify_hostname", name, "-crl_check", "-CRL", str(crl)
    )
    finding = re.search(r"-crl_check -CRL <file> \(verify error (\d+)\)", CASES["revoked"].s_client)
    assert finding, CASES["revoked"].s_client
    assert (status, code) == (1, int(finding.group(1))), output[-800:]
    assert code == CASES["revoked"].verify_code  # the same code Python's ssl gets with the CRL
    assert "certificate revoked" in output
    status, _, output = _s_client(gallery, "revoked", root, "-crl_check", "-CRLfile", str(crl))
    assert status == 1 and "Unknown option: -CRLfile" in output  # that is openssl verify's
    rsa_name = CASES["static-rsa"].hostname
    status, code, output = _s_client(gallery, "static-rsa", root, "-verify_hostname", rsa_name)
    assert (status, code) == (0, 0)
    assert "Cipher is AES128-GCM-SHA256" in output and "Server Temp Key" not in output
