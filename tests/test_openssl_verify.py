"""``openssl verify`` agrees with pkicourse.validation, code for code.

For every chain of tests/test_validation.py (each rule's failing chain and its passing twin),
every course chain in data/course/chains/ (at DATA_TIME, against data/course/root-ca.pem) and
the real chains of pkicourse.data.REAL_CHAINS, ``openssl verify -attime T -CAfile roots
-untrusted sent -purpose sslserver -verify_hostname NAME [-crl_check -CRLfile crl] leaf``
gives exactly ``Verdict.openssl_code`` at ``Verdict.depth`` (its first "error N at D depth"
line; exit status 0 when the code is None), and cryptography's verifier accepts exactly when
OpenSSL does, except for the rules OpenSSL does not check (their code is None). Codes are
compared, never message text.
"""

from __future__ import annotations

import ipaddress
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from test_validation import ChainCase, chain_cases, variant_cases

from pkicourse.data import DATA_TIME, REAL_CHAINS, data_files, data_path
from pkicourse.truststore import mozilla_roots
from pkicourse.validation import OPENSSL_CODES, RULES, Verdict, verify_chain

OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"

#: Rules ``openssl verify`` does not check: cryptography refuses, OpenSSL accepts.
OPENSSL_ACCEPTS = {"cn-without-san", "missing-aki", "key-usage", "other"}

#: data/course/chains/<case>.pem → (the name a client asks for, the rule that fails).
COURSE_CHAINS = {
    "good": ("bank.example", None),
    "expired": ("bank.example", "expired"),
    "not-yet-valid": ("bank.example", "not-yet-valid"),
    "wrong-name": ("bank.example", "wrong-name"),
    "self-signed": ("bank.example", "self-signed"),
    "unknown-issuer": ("bank.example", "unknown-issuer"),
    "incomplete-chain": ("bank.example", "incomplete-chain"),
    "not-a-ca": ("bank.example", "not-a-ca"),
    "path-too-long": ("bank.example", "path-too-long"),
    "cn-only": ("bank.example", "cn-without-san"),
    "name-constraint": ("www.bank.example", "name-constraint"),
    "revoked": ("bank.example", "revoked"),
}

pytestmark = pytest.mark.skipif(not Path(OPENSSL).exists(), reason="needs the openssl command")


def _pem(certificates: Sequence[x509.Certificate]) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


def openssl_verify(case: ChainCase, folder: Path) -> int | None:
    """The first error code ``openssl verify`` prints for ``case``; None when it accepts."""
    return openssl_verify_at(case, folder)[0]


def openssl_verify_at(case: ChainCase, folder: Path) -> tuple[int | None, int | None]:
    """(first error code, its depth) from ``openssl verify``; (None, None) when it accepts."""
    (folder / "leaf.pem").write_bytes(_pem([case.leaf]))
    (folder / "roots.pem").write_bytes(_pem(case.roots))
    command = [OPENSSL, "verify", "-attime", str(int(case.at.timestamp()))]
    command += ["-CAfile", str(folder / "roots.pem"), "-purpose", "sslserver"]
    try:
        ipaddress.ip_address(case.hostname)
        command += ["-verify_ip", case.hostname]
    except ValueError:
        command += ["-verify_hostname", case.hostname]
    if case.intermediates:
        (folder / "sent.pem").write_bytes(_pem(case.intermediates))
        command += ["-untrusted", str(folder / "sent.pem")]
    if case.crl is not None:
        crls = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in case.crl)
        (folder / "crl.pem").write_bytes(crls)
        command += ["-crl_check", "-CRLfile", str(folder / "crl.pem")]
    result = subprocess.run(
        [*command, str(folder / "leaf.pem")], capture_output=True, text=True, timeout=30
    )
    errors = re.findall(r"^error (\d+) at (\d+) depth", result.stdout + result.stderr, re.M)
    assert (result.returncode == 0) == (not errors), result.stdout + result.stderr
    return (int(errors[0][0]), int(errors[0][1])) if errors else (None, None)


def _agree(verdict: Verdict, case: ChainCase, folder: Path) -> None:
    """Same code as openssl verify, at the same depth; cryptography refuses when OpenSSL does."""
    code, depth = openssl_verify_at(case, folder)
    assert code == verdict.openssl_code, f"openssl says {code}; {verdict}"
    if code is not None:
        assert depth == verdict.depth, f"openssl says depth {depth}; {verdict}"
    if verdict.ok:
        assert code is None
    elif code is None:
        assert verdict.rule is not None and verdict.rule.name in OPENSSL_ACCEPTS, verdict


@pytest.mark.parametrize("rule", list(chain_cases()))
def test_openssl_gives_the_rules_code_for_its_failing_chain(rule: str, tmp_path: Path) -> None:
    case = chain_cases()[rule][0]
    verdict = case.verify()
    assert verdict.rule is RULES[rule]
    _agree(verdict, case, tmp_path)
    assert verdict.openssl_code == RULES[rule].openssl_code


@pytest.mark.parametrize("rule", list(chain_cases()))
def test_openssl_accepts_each_twin(rule: str, tmp_path: Path) -> None:
    case = chain_cases()[rule][1]
    assert case.verify().ok
    assert openssl_verify(case, tmp_path) is None


@pytest.mark.parametrize("name", list(variant_cases()))
def test_openssl_agrees_on_each_variant(name: str, tmp_path: Path) -> None:
    case, _, code = variant_cases()[name]
    verdict = case.verify()
    _agree(verdict, case, tmp_path)
    assert verdict.openssl_code == code


def _course_case(name: str) -> ChainCase:
    hostname, _ = COURSE_CHAINS[name]
    leaf, *sent = x509.load_pem_x509_certificates(
        data_path(f"course/chains/{name}.pem").read_bytes()
    )
    root = x509.load_pem_x509_certificate(data_path("course/root-ca.pem").read_bytes())
    crl = None
    if name == "revoked":
        crl = [x509.load_pem_x509_crl(data_path("course/crl.pem").read_bytes())]
    return ChainCase(leaf, sent, [root], hostname, crl, DATA_TIME)


def test_every_course_chain_is_checked() -> None:
    on_disk = {Path(name).stem for name in data_files("course/chains")}
    assert on_disk == set(COURSE_CHAINS)


@pytest.mark.parametrize("name", list(COURSE_CHAINS))
def test_course_chains_get_the_same_code_from_openssl(name: str, tmp_path: Path) -> None:
    case = _course_case(name)
    verdict = case.verify()
    expected = COURSE_CHAINS[name][1]
    assert (verdict.rule.name if verdict.rule else None) == expected, verdict
    _agree(verdict, case, tmp_path)


def test_the_revoked_course_chain_passes_without_a_crl(tmp_path: Path) -> None:
    """cryptography's verifier does not check revocation: only the CRL check catches it."""
    case = _course_case("revoked")
    case.crl = None
    assert case.verify().ok
    assert openssl_verify(case, tmp_path) is None


def _real_case(name: str, roots: list[x509.Certificate] | None = None) -> ChainCase:
    real = REAL_CHAINS[name]
    leaf, *sent = x509.load_pem_x509_certificates(data_path(real.chain).read_bytes())
    if roots is None:
        roots = x509.load_pem_x509_certificates(data_path(real.root).read_bytes())
    return ChainCase(leaf, sent, roots, real.hostname, None, real.at)


@pytest.mark.parametrize("name", list(REAL_CHAINS))
def test_real_chains_against_their_root_at_their_time(name: str, tmp_path: Path) -> None:
    case = _real_case(name)
    verdict = case.verify()
    _agree(verdict, case, tmp_path)
    assert verdict.ok or verdict.openssl_code is None, verdict  # OpenSSL accepts all of them
    assert name != "cryptography.io" or verdict.ok


@pytest.mark.parametrize("name", list(REAL_CHAINS))
def test_real_chains_whose_root_left_the_store_have_an_unknown_issuer(
    name: str, tmp_path: Path
) -> None:
    today = mozilla_roots()
    root = x509.load_pem_x509_certificates(data_path(REAL_CHAINS[name].root).read_bytes())[0]
    if root in today:
        pytest.skip(f"{name}'s root is still in certifi's store")
    case = _real_case(name, today)
    verdict = case.verify()
    assert verdict.rule is RULES["unknown-issuer"], verdict
    _agree(verdict, case, tmp_path)


def test_a_wrong_code_would_be_noticed(tmp_path: Path) -> None:
    """The comparison can fail: an expired chain is not OpenSSL's 'not yet valid'."""
    case = chain_cases()["expired"][0]
    assert openssl_verify(case, tmp_path) != RULES["not-yet-valid"].openssl_code


def test_verify_chain_works_on_the_course_files_directly() -> None:
    root = x509.load_pem_x509_certificate(data_path("course/root-ca.pem").read_bytes())
    leaf, *sent = x509.load_pem_x509_certificates(data_path("course/chains/good.pem").read_bytes())
    verdict = verify_chain(leaf, sent, roots=[root], hostname="bank.example", at=DATA_TIME)
    assert verdict.ok and verdict.chain[-1] == root


def test_openssl_code_names_match_this_machines_openssl_header() -> None:
    header = Path("/usr/include/openssl/x509_vfy.h")
    if not header.exists():
        pytest.skip("no OpenSSL development header on this machine")
    defined = dict(
        (int(code), name)
        for name, code in re.findall(
            r"#\s*define\s+(X509_V_ERR_\w+)\s+(\d+)\s*$", header.read_text(), re.M
        )
    )
    for code, words in OPENSSL_CODES.items():
        assert defined.get(code) == words.split()[0], (code, words)


def test_a_partial_wildcard_is_62_for_python_but_the_openssl_command_accepts_it(
    tmp_path: Path,
) -> None:
    """OpenSSL matches w*.bank.example unless NO_PARTIAL_WILDCARDS (which Python's ssl sets)."""
    from test_validation import make_cert, pki

    p = pki()
    partial = make_cert("www.bank.example", p.issuing, dns=["w*.bank.example"]).certificate
    case = p.case(partial, hostname="www.bank.example")
    verdict = case.verify()
    assert verdict.rule is RULES["wrong-name"] and verdict.openssl_code == 62
    assert "partial wildcard" in verdict.explanation and "openssl command accepts" in str(verdict)
    assert openssl_verify(case, tmp_path) is None
    whole = make_cert("www.bank.example", p.issuing, dns=["*.bank.example"]).certificate
    twin = p.case(whole, hostname="www.bank.example")  # a whole-label wildcard: both accept
    assert twin.verify().ok and openssl_verify(twin, tmp_path) is None
    other = p.case(partial, hostname="shop.bank.example")  # no match for anyone: no note
    assert "partial wildcard" not in other.verify().explanation
    assert openssl_verify(other, tmp_path) == 62
