"""tools/make_data.py and the committed data/course/: fixed dates, the stated properties, and
the OpenSSL verify code of each chain case at DATA_TIME (lessons 03-05)."""

from __future__ import annotations

import datetime
import importlib
import ipaddress
import re
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import verification
from support import ROOT

from pkicourse import keys
from pkicourse.ca import COURSE_NAMES, NO_IP_ADDRESSES, load_crl
from pkicourse.csr import csr_names, load_csr, verify_csr
from pkicourse.data import DATA_TIME
from pkicourse.errors import CSRSignatureError

make_data = importlib.import_module("make_data")  # tools/ is on sys.path through support
OPENSSL = "/usr/bin/openssl"
COURSE = ROOT / "data" / "course"
UTC = datetime.timezone.utc


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """make_data run again, into a temporary folder."""
    out = tmp_path_factory.mktemp("data") / "course"
    make_data.write_course_data(out)
    return out


def _relative_files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def _certs(folder: Path, name: str) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates((folder / name).read_bytes())


def _first_code(folder: Path, case: str) -> int:
    """`openssl verify` on chains/<case>.pem as data/README.md shows it: its first code."""
    hostname = make_data.CASES[case].hostname
    chain = f"chains/{case}.pem"
    command = [OPENSSL, "verify", "-attime", str(int(DATA_TIME.timestamp())),
               "-CAfile", "root-ca.pem", "-untrusted", chain]  # fmt: skip
    if case == "revoked":
        command += ["-crl_check", "-CRLfile", "crl.pem"]
    command += ["-verify_hostname", hostname, chain]
    result = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=30)
    if result.returncode == 0:
        return 0
    return int(re.findall(r"error (\d+) at", result.stdout + result.stderr)[0])


@pytest.mark.parametrize("folder", ["committed", "fresh"])
def test_same_files_as_committed(folder: str, fresh: Path) -> None:
    expected = ["crl.pem", "intermediate-ca.pem", "root-ca.pem"]
    expected += [f"chains/{case}.pem" for case in make_data.CASES]
    expected += ["internal/internal-ca.pem", "internal/intranet.corp.example.pem"]
    expected += ["csr/bank.example.csr.pem", "csr/openssl-req.csr.pem", "csr/tampered.csr.pem"]
    key_files = ["backup.dat", "cert.der", "id.pub", "id_ed25519", "notes-key.pem"]
    key_files += ["public.pem", "request.txt", "server-key.pem", "server.crt"]
    expected += [f"keys/{name}" for name in key_files]
    assert _relative_files(COURSE if folder == "committed" else fresh) == sorted(expected)


@pytest.mark.parametrize("folder", ["committed", "fresh"])
def test_fixed_dates_and_ca_properties(folder: str, fresh: Path) -> None:
    base = COURSE if folder == "committed" else fresh
    (root,) = _certs(base, "root-ca.pem")
    (intermediate,) = _certs(base, "intermediate-ca.pem")
    assert root.not_valid_before_utc == datetime.datetime(2026, 1, 1, tzinfo=UTC)
    assert root.not_valid_after_utc == datetime.datetime(2036, 1, 1, tzinfo=UTC)
    assert intermediate.not_valid_before_utc == datetime.datetime(2026, 1, 1, tzinfo=UTC)
    assert intermediate.not_valid_after_utc == datetime.datetime(2031, 1, 1, tzinfo=UTC)
    root_bc = root.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert root_bc.ca and root_bc.path_length is None
    nc = root.extensions.get_extension_for_class(x509.NameConstraints)
    assert nc.critical and list(nc.value.permitted_subtrees or []) == list(COURSE_NAMES)
    inter_bc = intermediate.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert inter_bc.ca and inter_bc.path_length == 0
    intermediate.verify_directly_issued_by(root)
    (internal,) = _certs(base, "internal/internal-ca.pem")
    internal_nc = internal.extensions.get_extension_for_class(x509.NameConstraints)
    assert internal_nc.critical  # RFC 5280 §4.2.1.10: MUST be critical
    assert list(internal_nc.value.permitted_subtrees or []) == [x509.DNSName("corp.example")]
    # BR §7.1.2.5.2: no IP range permitted, so all of IPv4 and IPv6 excluded
    assert list(internal_nc.value.excluded_subtrees or []) == list(NO_IP_ADDRESSES)
    internal.verify_directly_issued_by(root)


def test_the_internal_ca_cannot_vouch_for_an_ip_address(tmp_path: Path) -> None:
    """127.0.0.1 is inside the course root's names, but the internal CA excludes every IP."""
    root, intermediate, internal = make_data.make_cas()
    (tmp_path / "root.pem").write_bytes(root.cert_pem)
    codes = {}
    for name, ca in (("internal", internal), ("issuing (the twin)", intermediate)):
        rogue = make_data.issue(ca, "127.0.0.1")
        (tmp_path / "chain.pem").write_bytes(rogue.cert_chain_pem)
        command = [OPENSSL, "verify", "-attime", str(int(DATA_TIME.timestamp())),
                   "-CAfile", "root.pem", "-untrusted", "chain.pem", "-verify_ip", "127.0.0.1",
                   "chain.pem"]  # fmt: skip
        result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=30)
        found = re.findall(r"error (\d+) at", result.stdout + result.stderr)
        codes[name] = int(found[0]) if result.returncode else 0
        store = verification.Store([root.certificate])
        verifier = (
            verification.PolicyBuilder().store(store).time(DATA_TIME)
            .build_server_verifier(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
        )  # fmt: skip
        if ca is internal:
            with pytest.raises(verification.VerificationError, match="excluded"):
                verifier.verify(rogue.certificate, rogue.chain[1:])
        else:
            verifier.verify(rogue.certificate, rogue.chain[1:])
    assert codes == {"internal": 48, "issuing (the twin)": 0}  # 48: excluded subtree violation


@pytest.mark.parametrize("folder", ["committed", "fresh"])
def test_leaf_dates(folder: str, fresh: Path) -> None:
    base = COURSE if folder == "committed" else fresh
    start, end = (
        datetime.datetime(2026, 3, 1, tzinfo=UTC),
        datetime.datetime(2026, 9, 1, tzinfo=UTC),
    )
    special = {
        "expired": (start, datetime.datetime(2026, 5, 1, tzinfo=UTC)),
        "not-yet-valid": (datetime.datetime(2026, 7, 1, tzinfo=UTC), end),
    }
    for case in make_data.CASES:
        leaf = _certs(base, f"chains/{case}.pem")[0]
        dates = (leaf.not_valid_before_utc, leaf.not_valid_after_utc)
        assert dates == special.get(case, (start, end)), case
    assert end - start == datetime.timedelta(days=184)


def test_chains_fail_with_their_openssl_codes(fresh: Path) -> None:
    for folder in (COURSE, fresh):
        codes = {case: _first_code(folder, case) for case in make_data.CASES}
        assert codes == {case: c.openssl_code for case, c in make_data.CASES.items()}


def test_good_and_intranet_chains_pass_and_revoked_needs_the_crl() -> None:
    at = str(int(DATA_TIME.timestamp()))
    base = [OPENSSL, "verify", "-attime", at, "-CAfile", "root-ca.pem"]
    runs = {
        "good+crl": [*base, "-untrusted", "chains/good.pem", "-crl_check", "-CRLfile", "crl.pem",
                     "-verify_hostname", "bank.example", "chains/good.pem"],
        "intranet": [*base, "-untrusted", "internal/intranet.corp.example.pem", "-verify_hostname",
                     "intranet.corp.example", "internal/intranet.corp.example.pem"],
        "revoked without CRL": [*base, "-untrusted", "chains/revoked.pem", "-verify_hostname",
                                "bank.example", "chains/revoked.pem"],
    }  # fmt: skip
    for name, command in runs.items():
        result = subprocess.run(command, cwd=COURSE, capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, (name, result.stdout, result.stderr)


def test_cryptography_verifier_on_each_case() -> None:
    """cryptography's verifier accepts good (and revoked: no revocation check), rejects the rest."""
    (root,) = _certs(COURSE, "root-ca.pem")
    store = verification.Store([root])
    accepted = set()
    for case, info in make_data.CASES.items():
        chain = _certs(COURSE, f"chains/{case}.pem")
        builder = verification.PolicyBuilder().store(store).time(DATA_TIME)
        verifier = builder.build_server_verifier(x509.DNSName(info.hostname))
        try:
            verifier.verify(chain[0], chain[1:])
        except verification.VerificationError:
            continue
        accepted.add(case)
    assert accepted == {"good", "revoked"}


def test_crl_lists_the_revoked_leaf() -> None:
    crl = load_crl(COURSE / "crl.pem")
    (intermediate,) = _certs(COURSE, "intermediate-ca.pem")
    assert crl.is_signature_valid(intermediate.public_key())  # type: ignore[arg-type]
    assert crl.last_update_utc <= DATA_TIME < crl.next_update_utc  # type: ignore[operator]
    revoked = _certs(COURSE, "chains/revoked.pem")[0]
    good = _certs(COURSE, "chains/good.pem")[0]
    assert crl.get_revoked_certificate_by_serial_number(revoked.serial_number) is not None
    assert crl.get_revoked_certificate_by_serial_number(good.serial_number) is None
    text = subprocess.run([OPENSSL, "crl", "-in", "crl.pem", "-noout", "-text"], cwd=COURSE,
                          capture_output=True, text=True, timeout=30)  # fmt: skip
    assert text.returncode == 0


def test_every_certificate_is_read_by_openssl_x509() -> None:
    """Every certificate of every bundle, one at a time (`openssl x509` reads the first only)."""
    count = 0
    for path in sorted(COURSE.rglob("*.pem")):
        if path.parent.name in ("csr", "keys") or path.name == "crl.pem":
            continue
        for cert in _certs(COURSE, str(path.relative_to(COURSE))):
            result = subprocess.run([OPENSSL, "x509", "-noout", "-text"], input=cert.public_bytes(
                serialization.Encoding.PEM), capture_output=True, timeout=30)  # fmt: skip
            assert result.returncode == 0, path
            count += 1
    assert count == 29  # 5 in root, intermediate and internal/, 24 in chains/


def test_csrs() -> None:
    good = load_csr(COURSE / "csr" / "bank.example.csr.pem")
    verify_csr(good)
    assert csr_names(good) == ["bank.example", "www.bank.example"]
    made_by_openssl = load_csr(COURSE / "csr" / "openssl-req.csr.pem")
    verify_csr(made_by_openssl)
    assert csr_names(made_by_openssl) == ["bank.example", "www.bank.example"]
    tampered = load_csr(COURSE / "csr" / "tampered.csr.pem")
    assert "www.evil.example" in csr_names(tampered)
    with pytest.raises(CSRSignatureError):
        verify_csr(tampered)
    for name, ok in (("bank.example.csr.pem", True), ("openssl-req.csr.pem", True),
                     ("tampered.csr.pem", False)):  # fmt: skip
        result = subprocess.run([OPENSSL, "req", "-verify", "-noout", "-in", f"csr/{name}"],
                                cwd=COURSE, capture_output=True, text=True, timeout=30)  # fmt: skip
        # OpenSSL 3.0 exits 0 either way: its message is the only signal here.
        assert ("verify OK" in result.stderr) is ok, name


def test_keys_folder_holds_what_the_readme_says() -> None:
    folder = COURSE / "keys"
    load_pem_private = serialization.load_pem_private_key
    assert isinstance(keys.load_private_key(folder / "server.crt"), keys._PRIVATE_KEY_CLASSES)
    assert load_pem_private((folder / "server.crt").read_bytes(), None) is not None
    for name in ("backup.dat", "cert.der"):
        assert serialization.load_der_private_key((folder / name).read_bytes(), None) is not None
    assert serialization.load_ssh_private_key((folder / "id_ed25519").read_bytes(), None)
    assert serialization.load_ssh_public_key((folder / "id.pub").read_bytes())
    encrypted = (folder / "public.pem").read_bytes()
    assert encrypted.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert load_pem_private(encrypted, make_data.KEY_PASSPHRASE.encode()) is not None
    assert serialization.load_pem_public_key((folder / "server-key.pem").read_bytes())
    x509.load_pem_x509_certificate((folder / "notes-key.pem").read_bytes())
    x509.load_pem_x509_csr((folder / "request.txt").read_bytes())
    # The passphrase never appears on a command line: openssl read it from the environment.
    source = Path(str(make_data.__file__)).read_text()
    assert "pass:" not in source and "env:PKICOURSE_PASSPHRASE" in source


def test_readme_section_lists_every_file_and_code() -> None:
    readme = (ROOT / "data" / "README.md").read_text()
    section = readme.split("<!-- course-made: begin -->")[1].split("<!-- course-made: end -->")[0]
    for name in _relative_files(COURSE):
        assert f"`course/{name}`" in section or f"`{name}`" in section, name
    for case, info in make_data.CASES.items():
        row = next(
            line for line in section.splitlines() if line.startswith(f"| `chains/{case}.pem`")
        )
        assert f"| {info.openssl_code}" in row or f"| **{info.openssl_code}**" in row, case
        assert f"| {info.hostname} |" in row, case
    assert "throwaway" in section.lower()
