"""Re-create data/real/: real certificates from the public web, and old, odd or broken ones.

    python tools/fetch_real_data.py              # download the two wheels, rewrite data/real/
    python tools/fetch_real_data.py --check      # exit 1 if data/real/ differs from the wheels
    python tools/fetch_real_data.py --wheels DIR # use wheels already in DIR (no download)

Every file comes, byte for byte, out of one of two wheels from the Python package index
(downloaded with ``pip download --no-deps``):

- ``cryptography_vectors==50.0.2`` (Apache-2.0 OR BSD-3-Clause): the test vectors of pyca/
  cryptography, the same version as the course's ``cryptography``. Its ``x509/`` folder holds
  certificates collected from the public web (and some made by hand to be odd or broken).
- ``certifi==2020.6.20`` (MPL-2.0): Mozilla's root store as it was in June 2020, which still had
  two roots that have since left it: GeoTrust Global CA and DST Root CA X3.

A chain file (``chains/*.pem``) is the leaf's file followed by its intermediate's file, as a
server sends them. A root from certifi is the PEM block under its ``# Label:`` line. data/README.md
says what is special about each file; lessons 03 and 05 read them (``pkicourse.data``).
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "data" / "real"

VECTORS = ("cryptography_vectors", "50.0.2")
CERTIFI = ("certifi", "2020.6.20")

# data/real/<name>: the files inside cryptography_vectors' wheel whose bytes it is (joined).
X509 = "cryptography_vectors/x509/"
FROM_VECTORS: dict[str, tuple[str, ...]] = {
    # Real chains from the public web (leaf, then the intermediate a server sends).
    "chains/www.cryptography.io-2014.pem": (X509 + "cryptography.io.chain.pem",),
    "chains/cryptography.io-2018.pem": (
        X509 + "cryptography-scts.pem",
        X509 + "letsencryptx3.pem",
    ),
    # Roots.
    "roots/digicert-global-root-g3.pem": (X509 + "ecdsa_root.pem",),
    "roots/verisign-class3-md2-root.pem": (X509 + "verisign_md2_root.pem",),
    # Real, but odd.
    "odd/ssleay-v1-1995.pem": (X509 + "v1_cert.pem",),
    "odd/big-oid.pem": (X509 + "bigoid.pem",),
    "odd/utf8-names-netlock.pem": (X509 + "utf8-dnsname.pem",),
    "odd/utf8-common-name.pem": (X509 + "custom/utf8_common_name.pem",),
    "odd/negative-serial.pem": (X509 + "custom/negative_serial.pem",),
    "odd/wildcard-san.pem": (X509 + "wildcard_san.pem",),
    "odd/precertificate-ct-poison.pem": (X509 + "cryptography.io.precert.pem",),
    "odd/ocsp-must-staple.pem": (X509 + "tls-feature-ocsp-staple.pem",),
    "odd/russian-root-cyrillic.der": (X509 + "e-trust.ru.der",),
    "odd/us-state-department-name-constraints.pem": (X509 + "department-of-state-root.pem",),
    "odd/ed25519-ietf-demo.pem": (X509 + "ed25519/root-ed25519.pem",),
    # Broken: cryptography refuses them, or parses them and then fails on one field.
    "broken/bad-asn1-time.pem": (X509 + "badasn1time.pem",),
    "broken/invalid-version.pem": (X509 + "custom/invalid_version.pem",),
    "broken/invalid-utf8-common-name.pem": (X509 + "custom/invalid_utf8_common_name.pem",),
    "broken/duplicate-basic-constraints.pem": (X509 + "custom/two_basic_constraints.pem",),
    "broken/malformed-san.pem": (X509 + "custom/malformed-san.pem",),
    "broken/wosign-invalid-basic-constraints.pem": (X509 + "wosign-bc-invalid.pem",),
    # Certificate signing requests (lesson 04) and revocation lists (lesson 05).
    "csr/rsa-sha256.pem": (X509 + "requests/rsa_sha256.pem",),
    "csr/ec-sha256.der": (X509 + "requests/ec_sha256.der",),
    "csr/invalid-signature.pem": (X509 + "requests/invalid_signature.pem",),
    "crl/crl-all-reasons.pem": (X509 + "custom/crl_all_reasons.pem",),
    "crl/crl-signer.pem": (X509 + "custom/valid_signature_cert.pem",),
    "crl/crl-valid-signature.pem": (X509 + "custom/valid_signature_crl.pem",),
    "crl/crl-invalid-signature.pem": (X509 + "custom/invalid_signature_crl.pem",),
}

# data/real/<name>: the ``# Label:`` of the root in certifi's cacert.pem.
FROM_CERTIFI: dict[str, str] = {
    "roots/geotrust-global-ca.pem": "GeoTrust Global CA",
    "roots/dst-root-ca-x3.pem": "DST Root CA X3",
}


def download(folder: Path) -> None:
    """``pip download --no-deps`` both wheels into ``folder`` (from the package index)."""
    for name, version in (VECTORS, CERTIFI):
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet"]
        subprocess.run([*command, "-d", str(folder), f"{name}=={version}"], check=True)


def wheel(folder: Path, name: str, version: str) -> zipfile.ZipFile:
    """The wheel ``name==version`` in ``folder``."""
    found = sorted(folder.glob(f"{name}-{version}-*.whl"))
    if not found:
        sys.exit(f"no {name}-{version} wheel in {folder}: run without --wheels to download it")
    return zipfile.ZipFile(found[0])


def certifi_root(cacert: bytes, label: str) -> bytes:
    """The PEM block that follows ``# Label: "<label>"`` in certifi's cacert.pem."""
    start = cacert.index(f'# Label: "{label}"'.encode())
    begin = cacert.index(b"-----BEGIN CERTIFICATE-----", start)
    end = cacert.index(b"-----END CERTIFICATE-----", begin) + len(b"-----END CERTIFICATE-----")
    return cacert[begin:end] + b"\n"


def wanted_files(wheels: Path) -> dict[str, bytes]:
    """Every file of data/real/ (its name under data/real/ → its bytes), out of the wheels."""
    files: dict[str, bytes] = {}
    with wheel(wheels, *VECTORS) as vectors:
        for name, members in FROM_VECTORS.items():
            files[name] = b"".join(_ends_with_newline(vectors.read(m)) for m in members)
    with wheel(wheels, *CERTIFI) as certifi:
        cacert = certifi.read("certifi/cacert.pem")
        for name, label in FROM_CERTIFI.items():
            files[name] = certifi_root(cacert, label)
    return files


def _ends_with_newline(data: bytes) -> bytes:
    """PEM files joined into a bundle need a line break between them (DER is kept as it is)."""
    return data if data.endswith(b"\n") or b"-----BEGIN" not in data else data + b"\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheels", type=Path, help="a folder that already holds both wheels")
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        wheels = args.wheels or Path(temp)
        if args.wheels is None:
            download(wheels)
        files = wanted_files(wheels)
    differ = 0
    for name, data in sorted(files.items()):
        target = REAL / name
        if args.check:
            same = target.is_file() and target.read_bytes() == data
            differ += not same
            print(f"{'ok  ' if same else 'DIFF'} data/real/{name}")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        target.chmod(0o644)
        print(f"wrote data/real/{name}  sha256 {hashlib.sha256(data).hexdigest()[:16]}…")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
