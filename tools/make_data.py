"""Write data/course/: the certificates, chains, CRL, CSRs and keys the course made itself.

Lessons 03-certificates, 04-csr and 05-certificate-authorities read these files. Run:

    .venv/bin/python tools/make_data.py            # rewrites data/course/
    .venv/bin/python tools/make_data.py --out DIR  # writes somewhere else (tests do this)

The dates are fixed (so inspection and grading are reproducible): every chain is checked at
``pkicourse.data.DATA_TIME`` (2026-06-01 12:00 UTC). Keys and signatures are new on every run;
the files are committed, so lessons always read the same ones. ``data/README.md`` (its
course-made section) lists every file and the OpenSSL verify code each chain gets.

Every key here is a throwaway teaching key: never use one for anything real.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from pkicourse import keys
from pkicourse.ca import CA, LeafCert, internal_constraints
from pkicourse.csr import csr_pem, make_csr, signature_hash
from pkicourse.data import DATA_TIME

UTC = datetime.timezone.utc
ROOT_START = datetime.datetime(2026, 1, 1, tzinfo=UTC)
ROOT_END = datetime.datetime(2036, 1, 1, tzinfo=UTC)
INTERMEDIATE_END = datetime.datetime(2031, 1, 1, tzinfo=UTC)
LEAF_START = datetime.datetime(2026, 3, 1, tzinfo=UTC)
LEAF_END = datetime.datetime(2026, 9, 1, tzinfo=UTC)  # 184 days
EXPIRED_END = datetime.datetime(2026, 5, 1, tzinfo=UTC)
NOT_YET_START = datetime.datetime(2026, 7, 1, tzinfo=UTC)
REVOKED_AT = datetime.datetime(2026, 4, 15, 12, 0, tzinfo=UTC)
CRL_LAST_UPDATE = DATA_TIME - datetime.timedelta(days=1)  # 2026-05-31 12:00, next 2026-06-07

ROOT_NAME = "pkicourse Root CA 2026"
INTERMEDIATE_NAME = "pkicourse Issuing CA 2026"
INTERNAL_NAME = "Corp Example Internal CA"
#: The passphrase of keys/public.pem (an encrypted private key): a throwaway, teaching only.
KEY_PASSPHRASE = "throwaway teaching passphrase"
_VALIDATED_BY = "make_data (stands in for a domain check)"


class Case(NamedTuple):
    """A chain in chains/<name>.pem: checked as ``hostname`` at DATA_TIME."""

    hostname: str
    rule: str  # the rule that fails (pkicourse.validation.RULES), "" for the good chain
    openssl_code: int  # observed with openssl verify (OpenSSL 3.0), see data/README.md
    what: str


#: Every chain case, with the OpenSSL 3.0 verify code observed on it (tests check each).
CASES: dict[str, Case] = {
    "good": Case("bank.example", "", 0, "leaf, then the intermediate: accepted"),
    "expired": Case("bank.example", "expired", 10, "not after 2026-05-01"),
    "not-yet-valid": Case("bank.example", "not-yet-valid", 9, "not before 2026-07-01"),
    "wrong-name": Case("bank.example", "wrong-name", 62, "for www.bank.example only"),
    "self-signed": Case("bank.example", "self-signed", 18, "signed by its own key"),
    "unknown-issuer": Case("bank.example", "unknown-issuer", 20, "from a CA outside the tree"),
    "incomplete-chain": Case("bank.example", "incomplete-chain", 20, "intermediate missing"),
    "not-a-ca": Case("bank.example", "not-a-ca", 79, "signed by a CA:FALSE leaf's key"),
    "path-too-long": Case("bank.example", "path-too-long", 25, "two intermediates, pathlen 0"),
    "cn-only": Case("bank.example", "cn-without-san", 0, "CN bank.example, no SAN"),
    "name-constraint": Case("www.bank.example", "name-constraint", 47, "corp.example CA"),
    "revoked": Case("bank.example", "revoked", 23, "listed in crl.pem (with -crl_check)"),
}


# --- writing files -------------------------------------------------------------------------------


def _pem(*certificates: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    path.chmod(0o644)  # throwaway teaching files, committed to git: readable by all


def _days(start: datetime.datetime, end: datetime.datetime) -> int:
    return (end - start).days


# --- the CAs and the ordinary leaves -------------------------------------------------------------


def make_cas() -> tuple[CA, CA, CA]:
    """The course root, its issuing intermediate, and the internal CA for corp.example."""
    root = CA.root(ROOT_NAME, not_before=ROOT_START, days=_days(ROOT_START, ROOT_END))
    intermediate = root.create_intermediate(
        INTERMEDIATE_NAME, not_before=ROOT_START, days=_days(ROOT_START, INTERMEDIATE_END)
    )
    # An organisation's CA, name-constrained as BR §7.1.2.5.2 asks of a "technically
    # constrained" TLS subordinate CA: permitted DNS corp.example (and below), excluded every
    # IP address (0.0.0.0/0, ::/0), since a constraint binds only the name types it lists.
    # Not technically constrained in every BR detail: no directoryName subtree, no
    # certificatePolicies, no CRL DP (see pkicourse.ca.internal_constraints for why).
    # Verifiers enforce the constraints, not the CA.
    permitted, excluded = internal_constraints("corp.example")
    internal = root.create_intermediate(
        INTERNAL_NAME,
        permitted=permitted,
        excluded=excluded,
        not_before=ROOT_START,
        days=_days(ROOT_START, INTERMEDIATE_END),
    )
    return root, intermediate, internal


def issue(
    ca: CA,
    *names: str,
    start: datetime.datetime = LEAF_START,
    end: datetime.datetime = LEAF_END,
) -> LeafCert:
    """A leaf for ``names`` from ``ca`` through its front door: CSR, validated names, issue."""
    private_key = keys.generate_private_key("ec-p256")
    csr = make_csr(private_key, list(names))
    for name in names:
        ca.record_validated(name, _VALIDATED_BY)
    certificate = ca.issue(csr, not_before=start, days=_days(start, end))
    return LeafCert(private_key, [certificate, *ca.chain[:-1]])


def hand_made_leaf(
    common_name: str,
    san: Sequence[str] | None,
    issuer: tuple[x509.Certificate, keys.PrivateKey] | None,
) -> x509.Certificate:
    """A leaf no well-behaved CA would sign, built by hand (issuer None: self-signed).

    ``san=None`` leaves out subjectAltName (the cn-only case).
    """
    private_key = keys.generate_private_key("ec-p256")
    public_key = private_key.public_key()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    issuer_name, signing_key = (issuer[0].subject, issuer[1]) if issuer else (subject, private_key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(LEAF_START)
        .not_valid_after(LEAF_END)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signing_key.public_key()),
            critical=False,
        )
    )
    if san is not None:
        names = [x509.DNSName(n) for n in san]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(signing_key, signature_hash(signing_key))


# --- the chains ----------------------------------------------------------------------------------


def make_chains(root: CA, intermediate: CA, internal: CA) -> tuple[dict[str, bytes], bytes]:
    """Every chains/<case>.pem (leaf first, then what a server sends), and crl.pem."""
    chains: dict[str, bytes] = {}
    chains["good"] = issue(intermediate, "bank.example", "www.bank.example").cert_chain_pem
    chains["expired"] = issue(intermediate, "bank.example", end=EXPIRED_END).cert_chain_pem
    chains["not-yet-valid"] = issue(
        intermediate, "bank.example", start=NOT_YET_START
    ).cert_chain_pem
    chains["wrong-name"] = issue(intermediate, "www.bank.example").cert_chain_pem
    chains["self-signed"] = _pem(hand_made_leaf("bank.example", ["bank.example"], None))
    # Another CA, not under the course root: the client has never heard of it.
    other_root = CA.root("Some Other Root CA", not_before=ROOT_START, days=3652)
    other = other_root.create_intermediate("Some Other Issuing CA", not_before=ROOT_START)
    chains["unknown-issuer"] = issue(other, "bank.example").cert_chain_pem
    # The server forgot its intermediate: it sends only its own certificate.
    chains["incomplete-chain"] = _pem(issue(intermediate, "bank.example").certificate)
    # shop.bank.example's owner signs a certificate for bank.example with a leaf's key.
    shop = issue(intermediate, "shop.bank.example")
    fake = hand_made_leaf("bank.example", ["bank.example"], (shop.certificate, shop.private_key))
    chains["not-a-ca"] = _pem(fake, *shop.chain)
    # A second intermediate below one with pathLenConstraint 0.
    second = intermediate.create_intermediate(
        "pkicourse Second-level CA", not_before=ROOT_START, days=1826
    )
    chains["path-too-long"] = issue(second, "bank.example").cert_chain_pem
    cn_only = hand_made_leaf(
        "bank.example", None, (intermediate.certificate, intermediate.private_key)
    )
    chains["cn-only"] = _pem(cn_only, intermediate.certificate)
    chains["name-constraint"] = issue(internal, "www.bank.example").cert_chain_pem
    revoked = issue(intermediate, "bank.example")
    chains["revoked"] = revoked.cert_chain_pem
    intermediate.revoke(revoked.certificate, x509.ReasonFlags.key_compromise, when=REVOKED_AT)
    crl = intermediate.crl(last_update=CRL_LAST_UPDATE, next_update_days=7)
    return chains, crl.public_bytes(serialization.Encoding.PEM)


# --- CSRs ----------------------------------------------------------------------------------------


def _tamper(csr_der: bytes) -> bytes:
    """Change a requested name in the signed DER: same length, so it still parses."""
    tampered = csr_der.replace(b"www.bank.example", b"www.evil.example")
    assert tampered != csr_der
    return tampered


def _openssl_req_csr(folder: Path) -> bytes:
    """A CSR made by the openssl command line, exactly as a server admin would."""
    key = folder / "server.key"
    subprocess.run(
        ["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-out", str(key)],
        check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run(
        ["openssl", "req", "-new", "-key", str(key), "-subj", "/O=The Bank/CN=bank.example",
         "-addext", "subjectAltName=DNS:bank.example,DNS:www.bank.example",
         "-out", str(folder / "req.csr")],
        check=True, capture_output=True,
    )  # fmt: skip
    return (folder / "req.csr").read_bytes()


def make_csrs(work: Path) -> dict[str, bytes]:
    private_key = keys.generate_private_key("ec-p256")
    csr = make_csr(private_key, ["bank.example", "www.bank.example"], organization="The Bank")
    der = _tamper(csr.public_bytes(serialization.Encoding.DER))
    tampered = x509.load_der_x509_csr(der)
    return {
        "bank.example.csr.pem": csr_pem(csr),
        "tampered.csr.pem": tampered.public_bytes(serialization.Encoding.PEM),
        "openssl-req.csr.pem": _openssl_req_csr(work),
    }


# --- keys/: which of these files are private keys? ---------------------------------------------


def _encrypted_pkcs8(work: Path, pem: bytes) -> bytes:
    """PKCS#8 encrypted by openssl, PBKDF2 600000 iterations; the passphrase via the env."""
    plain, out = work / "plain.key", work / "encrypted.key"
    plain.touch(mode=0o600)
    plain.write_bytes(pem)
    env = {**os.environ, "PKICOURSE_PASSPHRASE": KEY_PASSPHRASE}
    subprocess.run(
        ["openssl", "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-iter", "600000",
         "-in", str(plain), "-out", str(out), "-passout", "env:PKICOURSE_PASSPHRASE"],
        check=True, capture_output=True, env=env,
    )  # fmt: skip
    plain.unlink()
    return out.read_bytes()


def make_keys(work: Path, certificate: x509.Certificate, csr: bytes) -> dict[str, bytes]:
    """Throwaway teaching keys and look-alikes; the names mislead on purpose."""
    enc, priv = serialization.Encoding, serialization.PrivateFormat
    ec_key = keys.generate_private_key("ec-p256")
    ed_key = keys.generate_private_key("ed25519")
    rsa_key = keys.generate_private_key("rsa-2048")
    ssh_key = keys.generate_private_key("ed25519")
    none = serialization.NoEncryption()
    ssh_public = ssh_key.public_key().public_bytes(enc.OpenSSH, serialization.PublicFormat.OpenSSH)
    encrypted = _encrypted_pkcs8(work, keys.private_key_pem(keys.generate_private_key("ec-p256")))
    return {
        "server.crt": keys.private_key_pem(ec_key),  # a private key, named like a certificate
        "backup.dat": ed_key.private_bytes(enc.DER, priv.PKCS8, none),  # DER PKCS#8 private key
        "cert.der": rsa_key.private_bytes(enc.DER, priv.TraditionalOpenSSL, none),  # PKCS#1 DER
        "id_ed25519": ssh_key.private_bytes(enc.PEM, priv.OpenSSH, none),  # OpenSSH private key
        "id.pub": ssh_public + b"\n",  # an OpenSSH public key (one line, like ~/.ssh/*.pub)
        "public.pem": encrypted,  # an ENCRYPTED private key: public by name only
        "server-key.pem": keys.public_key_pem(ec_key),  # only the public key
        "notes-key.pem": _pem(certificate),  # a certificate
        "request.txt": csr,  # a CSR
    }  # fmt: skip


# --- all of it -----------------------------------------------------------------------------------


def write_course_data(out: Path) -> list[Path]:
    """Write every file of data/course/ into ``out`` (replacing what is there); return them."""
    if out.exists():
        shutil.rmtree(out)
    root, intermediate, internal = make_cas()
    chains, crl = make_chains(root, intermediate, internal)
    intranet = issue(internal, "intranet.corp.example")
    files: dict[str, bytes] = {
        "root-ca.pem": root.cert_pem,
        "intermediate-ca.pem": intermediate.cert_pem,
        "crl.pem": crl,
        "internal/internal-ca.pem": internal.cert_pem,
        "internal/intranet.corp.example.pem": intranet.cert_chain_pem,
    }  # fmt: skip
    files.update({f"chains/{name}.pem": data for name, data in chains.items()})
    with tempfile.TemporaryDirectory(prefix="pkicourse-make-data-") as folder:
        work = Path(folder)
        csrs = make_csrs(work)
        files.update({f"csr/{name}": data for name, data in csrs.items()})
        good_leaf = x509.load_pem_x509_certificate(chains["good"])
        key_files = make_keys(work, good_leaf, csrs["bank.example.csr.pem"])
        files.update({f"keys/{name}": data for name, data in key_files.items()})
    for name, data in files.items():
        _write(out / name, data)
    return sorted(out / name for name in files)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parent.parent / "data" / "course"
    parser.add_argument("--out", type=Path, default=default, help="folder to write (replaced)")
    args = parser.parse_args(argv)
    for path in write_course_data(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
