"""Property-based tests (hypothesis): random and mutated input lets only course errors out.

Every loader gets random paths and files and random or mutated real PEM (flipped bytes, cut
off, extra lines, CRLF, Bag Attributes); every bytes-taking helper gets random values of odd
types. A helper may return normally or raise a CourseError subclass, nothing else.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pkicourse import asymmetric, keys, session_keys
from pkicourse.errors import CourseError

FAST = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
_KEYS = {name: keys.generate_private_key(name) for name in ("rsa-2048", "ec-p384", "ed25519")}
_PEMS = (
    [keys.private_key_pem(k) for k in _KEYS.values()]
    + [keys.public_key_pem(k) for k in _KEYS.values()]
    + [keys.private_key_pem(_KEYS["ec-p384"], "pw")]
)


def _only_course_errors(call: Callable[[], object]) -> None:
    try:
        call()
    except CourseError:
        pass


@st.composite
def mutated_pem(draw: st.DrawFn) -> bytes:
    pem = bytearray(draw(st.sampled_from(_PEMS)))
    how = draw(st.sampled_from(["flip", "cut", "extra", "crlf", "bag", "insert"]))
    at = draw(st.integers(0, len(pem) - 1))
    if how == "flip":
        pem[at] ^= 1 << draw(st.integers(0, 7))
    elif how == "cut":
        del pem[at:]
    elif how == "extra":
        pem[at:at] = draw(st.binary(max_size=80)) + b"\n"
    elif how == "crlf":
        pem = bytearray(bytes(pem).replace(b"\n", b"\r\n"))
    elif how == "bag":
        pem[0:0] = b"Bag Attributes\n    friendlyName: x\n"
    else:
        pem[at:at] = draw(st.sampled_from([b"-----BEGIN PRIVATE KEY-----\n", b"-----END ", b"\0"]))
    return bytes(pem)


ANYTHING = st.one_of(
    st.none(),
    st.integers(),
    st.floats(),
    st.text(max_size=60),
    st.binary(max_size=60),
    st.binary(max_size=60).map(bytearray),
    st.binary(max_size=60).map(memoryview),
    st.booleans(),
)


@FAST
@given(pem=st.one_of(mutated_pem(), st.binary(max_size=300), st.text(max_size=300), ANYTHING))
def test_from_pem_lets_only_course_errors_out(pem: object) -> None:
    _only_course_errors(lambda: keys.private_key_from_pem(pem))  # type: ignore[arg-type]
    _only_course_errors(lambda: keys.private_key_from_pem(pem, passphrase="pw"))  # type: ignore[arg-type]
    _only_course_errors(lambda: keys.public_key_from_pem(pem))  # type: ignore[arg-type]
    if isinstance(pem, bytes):
        _only_course_errors(lambda: keys.private_key_from_pem(pem.decode("latin-1")))


@FAST
@given(content=st.one_of(mutated_pem(), st.binary(max_size=300)), name=st.text(max_size=40))
def test_loaders_let_only_course_errors_out(content: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        key_file = Path(folder) / "server.key"
        key_file.write_bytes(content)
        _only_course_errors(lambda: keys.load_private_key(key_file))
        _only_course_errors(lambda: keys.load_public_key(str(key_file)))
        _only_course_errors(lambda: keys.load_private_key(Path(folder) / name))
        _only_course_errors(lambda: keys.load_private_key(name))


@FAST
@given(path=ANYTHING, passphrase=ANYTHING, overwrite=ANYTHING)
def test_savers_let_only_course_errors_out(
    path: object, passphrase: object, overwrite: object
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / str(path)[:50] if isinstance(path, str) and path else path
        key = _KEYS["ed25519"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a name off the note's convention only warns
            _only_course_errors(
                lambda: keys.save_private_key(
                    key, target, passphrase=passphrase, overwrite=overwrite
                )  # type: ignore[arg-type]
            )
            _only_course_errors(lambda: keys.save_public_key(key, target, overwrite=overwrite))  # type: ignore[arg-type]


@FAST
@given(data=ANYTHING, other=ANYTHING)
def test_bytes_taking_helpers_let_only_course_errors_out(data: object, other: object) -> None:
    rsa_key = _KEYS["rsa-2048"]
    for key in _KEYS.values():
        _only_course_errors(lambda key=key: asymmetric.sign(key, data))  # type: ignore[arg-type]
        _only_course_errors(lambda key=key: asymmetric.verify(key.public_key(), data, other))  # type: ignore[arg-type]
        _only_course_errors(
            lambda key=key: asymmetric.is_valid_signature(key.public_key(), data, other)
        )  # type: ignore[arg-type]
    _only_course_errors(lambda: asymmetric.encrypt(rsa_key.public_key(), data))  # type: ignore[arg-type]
    _only_course_errors(lambda: asymmetric.decrypt(rsa_key, data))  # type: ignore[arg-type]
    session_key = session_keys.new_session_key()
    _only_course_errors(lambda: session_keys.seal(session_key, data, other))  # type: ignore[arg-type]
    _only_course_errors(lambda: session_keys.open_sealed(session_key, data, other))  # type: ignore[arg-type]
    _only_course_errors(lambda: session_keys.seal(data, b"x"))  # type: ignore[arg-type]
    _only_course_errors(lambda: session_keys.wrap_session_key(rsa_key.public_key(), data))  # type: ignore[arg-type]
    _only_course_errors(lambda: session_keys.unwrap_session_key(rsa_key, data))  # type: ignore[arg-type]
    ours, theirs = session_keys.new_ephemeral_key(), session_keys.new_ephemeral_key().public_key()
    _only_course_errors(
        lambda: session_keys.derive_session_key(ours, theirs, info=data, length=other)
    )  # type: ignore[arg-type]
    _only_course_errors(lambda: session_keys.derive_session_key(ours, data))  # type: ignore[arg-type]
    _only_course_errors(lambda: session_keys.new_session_key(data))  # type: ignore[arg-type]
    _only_course_errors(lambda: asymmetric._openssl_scheme(data))  # type: ignore[arg-type]


@FAST
@given(share=st.binary(min_size=32, max_size=32))
def test_any_x25519_share_gives_a_key_or_a_course_error(share: bytes) -> None:
    from cryptography.hazmat.primitives.asymmetric import x25519

    peer = x25519.X25519PublicKey.from_public_bytes(share)
    _only_course_errors(
        lambda: session_keys.derive_session_key(session_keys.new_ephemeral_key(), peer)
    )


# --- real files from openssl and ssh-keygen ------------------------------------------------------


def _openssl_files(folder: Path) -> list[Path]:
    def run(*args: str) -> None:
        env = {**os.environ, "PKICOURSE_TEST_PASS": "x"}  # never pass: (visible in ps)
        subprocess.run(args, check=True, capture_output=True, cwd=folder, env=env)

    run(
        "openssl",
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-384",
        "-out",
        "ec.key",
    )
    run(
        "openssl",
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        "rsa.key",
    )
    run("openssl", "rsa", "-in", "rsa.key", "-traditional", "-out", "rsa-trad.key")
    run("openssl", "ec", "-in", "ec.key", "-out", "ec-trad.key")
    run("openssl", "pkey", "-in", "ec.key", "-pubout", "-out", "ec.pem")
    run(
        "openssl",
        "req",
        "-x509",
        "-new",
        "-key",
        "rsa.key",
        "-subj",
        "/CN=t",
        "-days",
        "1",
        "-out",
        "cert.pem",
    )
    run(
        "openssl",
        "pkcs12",
        "-export",
        "-inkey",
        "rsa.key",
        "-in",
        "cert.pem",
        "-passout",
        "env:PKICOURSE_TEST_PASS",
        "-out",
        "b.p12",
    )
    run(
        "openssl",
        "pkcs12",
        "-in",
        "b.p12",
        "-nodes",
        "-passin",
        "env:PKICOURSE_TEST_PASS",
        "-out",
        "bundle.pem",
    )
    files = [
        folder / n
        for n in (
            "ec.key",
            "rsa.key",
            "rsa-trad.key",
            "ec-trad.key",
            "ec.pem",
            "cert.pem",
            "bundle.pem",
        )
    ]
    if shutil.which("ssh-keygen"):
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", "id_ed25519")
        files += [folder / "id_ed25519", folder / "id_ed25519.pub"]
    return files


@pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl command")
def test_real_openssl_and_ssh_files_load_or_give_course_errors(tmp_path: Path) -> None:
    loaded = 0
    for key_file in _openssl_files(tmp_path):
        for loader in (keys.load_private_key, keys.load_public_key):
            try:
                loader(key_file)
                loaded += 1
            except CourseError:
                pass
    bundle = (tmp_path / "bundle.pem").read_bytes()
    assert b"Bag Attributes" in bundle
    assert keys.key_type_of(keys.load_private_key(tmp_path / "bundle.pem")) == "rsa-2048"
    assert loaded >= 5
