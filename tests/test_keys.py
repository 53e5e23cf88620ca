"""Tests for pkicourse.keys (lesson 01-asymmetric-keys).

Real keys, real files in tmp_path, and the real openssl command where it is installed.
Every "it works" test has a twin that shows it fails when something is wrong.
"""

from __future__ import annotations

import datetime
import errno
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import x25519
from cryptography.x509.oid import NameOID

from pkicourse.errors import (
    ArgumentError,
    CourseError,
    KeyFileError,
    KeyFileExistsError,
    KeyFileNotFoundError,
    NotAPathError,
    NotBytesError,
    NotPEMError,
    PassphraseError,
    UnknownKeyTypeError,
    WrongKeyTypeError,
)
from pkicourse.keys import (
    KEY_TYPES,
    PrivateKey,
    describe_key,
    fingerprint,
    generate_private_key,
    key_type_of,
    load_private_key,
    load_public_key,
    looks_like_private_key_file,
    openssl_check_command,
    openssl_fingerprint_command,
    openssl_generate_command,
    openssl_public_command,
    private_key_from_pem,
    private_key_pem,
    public_key_from_pem,
    public_key_pem,
    save_private_key,
    save_public_key,
)

PASSPHRASE = "correct horse battery staple"
needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl command")
posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are a POSIX thing")


@pytest.fixture(scope="module")
def key_of() -> Callable[[str], PrivateKey]:
    """A private key of each type, made once for the whole module (RSA-4096 is slow)."""
    made: dict[str, PrivateKey] = {}

    def get(key_type: str) -> PrivateKey:
        if key_type not in made:
            made[key_type] = generate_private_key(key_type)
        return made[key_type]

    return get


@pytest.fixture(scope="module")
def key(key_of: Callable[[str], PrivateKey]) -> PrivateKey:
    return key_of("ec-p256")


@pytest.fixture(scope="module")
def other_key(key_of: Callable[[str], PrivateKey]) -> PrivateKey:
    return key_of("ed25519")


@pytest.fixture(scope="module")
def certificate_pem(key: PrivateKey) -> bytes:
    """A real self-signed certificate (lesson 03 explains them), to pass where a key belongs."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "server.example")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM)


def _damaged(pem: bytes) -> bytes:
    """The PEM with one line of base64 left out."""
    lines = pem.splitlines(keepends=True)
    return b"".join(lines[:2] + lines[3:])


def _run(command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run an openssl command line the way a learner would type it in a shell."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        command, shell=True, capture_output=True, text=True, timeout=60, env=full_env
    )


def _assert_no_key_material(message: str, pem: bytes) -> None:
    """No base64 line of the PEM (and so no PEM body) appears in an error message."""
    for line in pem.decode().splitlines():
        if line and not line.startswith("-----"):
            assert line not in message, "an error message shows a line of the key"


# --- generating and naming keys ------------------------------------------------------------------


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_generate_private_key_makes_each_key_type(
    key_of: Callable[[str], PrivateKey], key_type: str
) -> None:
    private_key = key_of(key_type)
    assert key_type_of(private_key) == key_type
    assert key_type_of(private_key.public_key()) == key_type


@pytest.mark.parametrize("key_type", ["rsa-1024", "dsa", "ed448", "ec-p521", "", "rsa"])
def test_generate_private_key_refuses_unknown_key_types(key_type: str) -> None:
    with pytest.raises(UnknownKeyTypeError):
        generate_private_key(key_type)


def test_describe_key_names_type_size_and_half(key_of: Callable[[str], PrivateKey]) -> None:
    assert describe_key(key_of("rsa-2048")) == "RSA 2048-bit private key"
    assert describe_key(key_of("ec-p384").public_key()) == "EC P-384 public key"
    assert describe_key(key_of("ed25519").public_key()) == "Ed25519 public key"


@pytest.mark.parametrize("not_a_key", [b"-----BEGIN PUBLIC KEY-----", "server.key", 42])
def test_key_functions_refuse_things_that_are_not_keys(not_a_key: object) -> None:
    for function in (describe_key, key_type_of, fingerprint, public_key_pem, private_key_pem):
        with pytest.raises(WrongKeyTypeError):
            function(not_a_key)  # type: ignore[arg-type]


# --- PEM -----------------------------------------------------------------------------------------


def test_pem_labels_say_what_is_inside(key: PrivateKey) -> None:
    assert private_key_pem(key).startswith(b"-----BEGIN PRIVATE KEY-----")
    encrypted = private_key_pem(key, PASSPHRASE)
    assert encrypted.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert public_key_pem(key).startswith(b"-----BEGIN PUBLIC KEY-----")
    assert public_key_pem(key) == public_key_pem(key.public_key())


def test_private_key_pem_refuses_a_public_key(key: PrivateKey) -> None:
    with pytest.raises(WrongKeyTypeError):
        private_key_pem(key.public_key())  # type: ignore[arg-type]


@pytest.mark.parametrize("passphrase", ["", b"", 1234])
def test_private_key_pem_refuses_empty_or_odd_passphrases(
    key: PrivateKey, passphrase: object
) -> None:
    with pytest.raises(PassphraseError):
        private_key_pem(key, passphrase)  # type: ignore[arg-type]


# --- round trips through files -------------------------------------------------------------------


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_round_trip_for_each_key_type(
    key_of: Callable[[str], PrivateKey], key_type: str, tmp_path: Path
) -> None:
    private_key = key_of(key_type)
    key_file = save_private_key(private_key, tmp_path / "server.key")
    public_file = save_public_key(private_key, tmp_path / "server.pem")

    loaded = load_private_key(key_file)
    assert private_key_pem(loaded) == private_key_pem(private_key)
    assert public_key_pem(load_public_key(public_file)) == public_key_pem(private_key)


def test_round_trip_tells_keys_apart(
    key: PrivateKey, other_key: PrivateKey, tmp_path: Path
) -> None:
    save_private_key(other_key, tmp_path / "other.key")
    assert private_key_pem(load_private_key(tmp_path / "other.key")) != private_key_pem(key)


def test_from_pem_accepts_pem_bytes_and_text(key: PrivateKey) -> None:
    assert fingerprint(private_key_from_pem(private_key_pem(key))) == fingerprint(key)
    assert fingerprint(public_key_from_pem(public_key_pem(key).decode())) == fingerprint(key)


def test_loaders_refuse_pem_given_as_a_path_and_never_echo_it(key: PrivateKey) -> None:
    pem = private_key_pem(key)
    for source in (pem, pem.decode()):
        with pytest.raises(NotAPathError, match="private_key_from_pem") as caught:
            load_private_key(source)  # type: ignore[arg-type]
        _assert_no_key_material(str(caught.value), pem)


def test_load_refuses_a_key_object_instead_of_a_file(key: PrivateKey) -> None:
    with pytest.raises(NotAPathError, match="already a key"):
        load_private_key(key)  # type: ignore[arg-type]
    with pytest.raises(NotBytesError, match="already a key"):
        private_key_from_pem(key)  # type: ignore[arg-type]


@pytest.mark.parametrize("passphrase", [PASSPHRASE, PASSPHRASE.encode(), "pässwörd ✓"])
def test_encrypted_round_trip_with_str_or_bytes_passphrase(
    key: PrivateKey, passphrase: str | bytes, tmp_path: Path
) -> None:
    key_file = save_private_key(key, tmp_path / "server.key", passphrase=passphrase)
    assert key_file.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert fingerprint(load_private_key(key_file, passphrase=passphrase)) == fingerprint(key)


def test_encrypted_key_needs_the_right_passphrase(key: PrivateKey, tmp_path: Path) -> None:
    key_file = save_private_key(key, tmp_path / "server.key", passphrase=PASSPHRASE)
    with pytest.raises(PassphraseError):
        load_private_key(key_file, passphrase="wrong horse")
    with pytest.raises(PassphraseError):
        load_private_key(key_file)


def test_old_style_encrypted_pem_needs_its_passphrase(key_of: Callable[[str], PrivateKey]) -> None:
    """Keys from `openssl genrsa -aes256` (OpenSSL 1.x) say "Proc-Type: 4,ENCRYPTED" instead."""
    old_style = key_of("rsa-2048").private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.BestAvailableEncryption(PASSPHRASE.encode()),
    )
    assert key_type_of(private_key_from_pem(old_style, passphrase=PASSPHRASE)) == "rsa-2048"
    with pytest.raises(PassphraseError):
        private_key_from_pem(old_style)
    with pytest.raises(PassphraseError):
        private_key_from_pem(old_style, passphrase="wrong horse")


def test_unencrypted_key_refuses_a_passphrase(key: PrivateKey, tmp_path: Path) -> None:
    key_file = save_private_key(key, tmp_path / "server.key")
    with pytest.raises(PassphraseError):
        load_private_key(key_file, passphrase=PASSPHRASE)


# --- file modes and overwriting ------------------------------------------------------------------


@posix_only
def test_private_key_file_is_only_readable_by_its_owner(key: PrivateKey, tmp_path: Path) -> None:
    key_file = save_private_key(key, tmp_path / "server.key")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


@posix_only
def test_overwrite_replaces_a_world_readable_file_with_a_private_one(
    key: PrivateKey, tmp_path: Path
) -> None:
    key_file = tmp_path / "server.key"
    key_file.write_text("an old file anyone could read\n")
    key_file.chmod(0o644)

    save_private_key(key, key_file, overwrite=True)

    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert fingerprint(load_private_key(key_file)) == fingerprint(key)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["server.key"]  # no temp file left


def test_save_private_key_refuses_to_overwrite_and_loses_nothing(
    key: PrivateKey, other_key: PrivateKey, tmp_path: Path
) -> None:
    key_file = save_private_key(key, tmp_path / "server.key")
    before = key_file.read_bytes()

    with pytest.raises(KeyFileExistsError):
        save_private_key(other_key, key_file)

    assert key_file.read_bytes() == before


def test_save_public_key_refuses_to_overwrite_and_loses_nothing(
    key: PrivateKey, other_key: PrivateKey, tmp_path: Path
) -> None:
    public_file = save_public_key(key, tmp_path / "server.pem")
    before = public_file.read_bytes()

    with pytest.raises(KeyFileExistsError):
        save_public_key(other_key, public_file)

    assert public_file.read_bytes() == before
    save_public_key(other_key, public_file, overwrite=True)
    assert fingerprint(load_public_key(public_file)) == fingerprint(other_key)


# --- the naming convention -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["server.key", "server-key.pem", "privkey.pem", "CA.KEY", "id_rsa", "id_ed25519", "a/b.key"],
)
def test_private_key_names(name: str) -> None:
    assert looks_like_private_key_file(name)
    assert looks_like_private_key_file(Path(name))


@pytest.mark.parametrize(
    "name", ["server.pem", "server.crt", "ca.pem", "id_rsa.pub", "keys/ca.pem"]
)
def test_public_names(name: str) -> None:
    assert not looks_like_private_key_file(name)


def test_save_private_key_warns_about_a_public_name_and_saves(
    key: PrivateKey, tmp_path: Path
) -> None:
    with pytest.warns(UserWarning, match="convention"):
        saved = save_private_key(key, tmp_path / "tls.pem")
    assert fingerprint(load_private_key(saved)) == fingerprint(key)


def test_save_private_key_does_not_warn_about_a_conventional_name(
    key: PrivateKey, tmp_path: Path
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        save_private_key(key, tmp_path / "tls.key")


def test_save_public_key_warns_about_a_private_name_and_saves(
    key: PrivateKey, tmp_path: Path
) -> None:
    with pytest.warns(UserWarning, match="private key"):
        saved = save_public_key(key, tmp_path / "keycloak.pem")
    assert fingerprint(load_public_key(saved)) == fingerprint(key)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        save_public_key(key, tmp_path / "server.pem")


def test_save_private_key_refuses_a_public_key(key: PrivateKey, tmp_path: Path) -> None:
    with pytest.raises(WrongKeyTypeError):
        save_private_key(key.public_key(), tmp_path / "server.key")  # type: ignore[arg-type]
    assert not (tmp_path / "server.key").exists()


# --- bad input for the loaders -------------------------------------------------------------------


def _der_private_key(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _not_pem_inputs(key: PrivateKey) -> dict[str, bytes]:
    return {
        "text": b"hello, this is not a key\n",
        "empty": b"",
        "der": _der_private_key(key),
        "file name as bytes": b"server.key",
        "openssh public key": b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA me@laptop\n",
    }


@pytest.mark.parametrize(
    "case", ["text", "empty", "der", "file name as bytes", "openssh public key"]
)
def test_loaders_refuse_what_is_not_pem(key: PrivateKey, case: str, tmp_path: Path) -> None:
    data = _not_pem_inputs(key)[case]
    key_file = tmp_path / "server.key"
    key_file.write_bytes(data)
    with pytest.raises(NotPEMError):
        load_private_key(key_file)
    with pytest.raises(NotPEMError):
        load_public_key(key_file)
    with pytest.raises(NotPEMError):
        private_key_from_pem(data)
    with pytest.raises(NotPEMError):
        public_key_from_pem(data)


def test_loaders_refuse_damaged_pem(key_of: Callable[[str], PrivateKey]) -> None:
    for key_type in ("rsa-2048", "ec-p384"):
        private_key = key_of(key_type)
        with pytest.raises(NotPEMError):
            private_key_from_pem(_damaged(private_key_pem(private_key)))
        cut_off = private_key_pem(private_key).rsplit(b"-----END", 1)[0]
        with pytest.raises(NotPEMError):
            private_key_from_pem(cut_off)
    with pytest.raises(NotPEMError):
        public_key_from_pem(_damaged(public_key_pem(key_of("rsa-2048"))))


def test_load_private_key_refuses_a_certificate(certificate_pem: bytes) -> None:
    with pytest.raises(WrongKeyTypeError):
        private_key_from_pem(certificate_pem)


def test_load_private_key_refuses_a_public_key(key: PrivateKey, tmp_path: Path) -> None:
    public_file = save_public_key(key, tmp_path / "server.pem")
    with pytest.raises(WrongKeyTypeError):
        load_private_key(public_file)


def test_load_public_key_refuses_a_certificate(certificate_pem: bytes) -> None:
    with pytest.raises(WrongKeyTypeError):
        public_key_from_pem(certificate_pem)


@pytest.mark.parametrize("passphrase", [None, PASSPHRASE])
def test_load_public_key_refuses_a_private_key(
    key: PrivateKey, passphrase: str | None, tmp_path: Path
) -> None:
    key_file = save_private_key(key, tmp_path / "server.key", passphrase=passphrase)
    with pytest.raises(WrongKeyTypeError):
        load_public_key(key_file)


def test_loaders_refuse_key_types_the_course_does_not_use() -> None:
    x25519_key = x25519.X25519PrivateKey.generate()
    private_pem = x25519_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = x25519_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(UnknownKeyTypeError):
        private_key_from_pem(private_pem)
    with pytest.raises(UnknownKeyTypeError):
        public_key_from_pem(public_pem)


def test_every_loader_error_is_a_course_error_with_its_cause_kept(key: PrivateKey) -> None:
    with pytest.raises(CourseError) as caught:
        private_key_from_pem(_damaged(private_key_pem(key)))
    assert str(caught.value)
    assert caught.value.__cause__ is not None  # cryptography's own error, chained


# --- fingerprints --------------------------------------------------------------------------------


def test_fingerprint_is_sha256_hex_pairs_and_same_for_both_halves(key: PrivateKey) -> None:
    assert re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2}){31}", fingerprint(key))
    assert fingerprint(key) == fingerprint(key.public_key())


def test_fingerprint_differs_between_keys(key: PrivateKey, other_key: PrivateKey) -> None:
    assert fingerprint(key) != fingerprint(other_key)


# --- openssl command strings ---------------------------------------------------------------------


def test_openssl_generate_command_strings() -> None:
    rsa = openssl_generate_command("rsa-2048", "server.key")
    assert rsa == "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out server.key"
    assert "rsa_keygen_bits:4096" in openssl_generate_command("rsa-4096", "server.key")
    assert "ec_paramgen_curve:P-256" in openssl_generate_command("ec-p256", "server.key")
    assert "-algorithm ED25519" in openssl_generate_command("ed25519", "server.key")
    assert "-aes-256-cbc" in openssl_generate_command("ed25519", "server.key", encrypted=True)
    assert "-aes-256-cbc" not in openssl_generate_command("ed25519", "server.key")


def test_openssl_generate_command_refuses_unknown_key_types() -> None:
    with pytest.raises(UnknownKeyTypeError):
        openssl_generate_command("rsa-1024", "server.key")


def test_openssl_commands_quote_paths() -> None:
    assert openssl_check_command("my keys/server.key") == (
        "openssl pkey -in 'my keys/server.key' -check -noout"
    )
    assert "'my keys/server.pem'" in openssl_public_command("server.key", "my keys/server.pem")
    assert "'a;b.pem'" in openssl_fingerprint_command("a;b.pem")


# --- interop with the real openssl ---------------------------------------------------------------


@pytest.fixture
def key_folder(tmp_path: Path) -> Path:
    """A folder whose name needs shell quoting, like a learner's "My Documents"."""
    folder = tmp_path / "my keys"
    folder.mkdir()
    return folder


@needs_openssl
@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_openssl_accepts_the_keys_the_course_writes(
    key_of: Callable[[str], PrivateKey], key_type: str, key_folder: Path
) -> None:
    key_file = save_private_key(key_of(key_type), key_folder / "server.key")
    checked = _run(openssl_check_command(key_file))
    assert checked.returncode == 0, checked.stderr
    if key_type.startswith("rsa-"):
        checked_rsa = _run(f"openssl rsa -in {shlex.quote(str(key_file))} -check -noout")
        assert checked_rsa.returncode == 0, checked_rsa.stderr


@needs_openssl
def test_openssl_check_fails_on_a_damaged_key(key: PrivateKey, key_folder: Path) -> None:
    key_file = key_folder / "server.key"
    key_file.write_bytes(_damaged(private_key_pem(key)))
    assert _run(openssl_check_command(key_file)).returncode != 0


@needs_openssl
def test_openssl_opens_an_encrypted_key_with_its_passphrase(
    key: PrivateKey, key_folder: Path
) -> None:
    key_file = save_private_key(key, key_folder / "server.key", passphrase="s3cret")
    command = openssl_check_command(key_file)
    passin = " -passin env:PKICOURSE_TEST_PASS"  # never pass: (visible in ps)
    assert _run(command + passin, env={"PKICOURSE_TEST_PASS": "s3cret"}).returncode == 0
    assert _run(command + passin, env={"PKICOURSE_TEST_PASS": "wrong"}).returncode != 0


# RSA-3072 and RSA-4096 take openssl seconds to make; their command differs from rsa-2048 only
# in the bit count (checked in test_openssl_generate_command_strings).
@needs_openssl
@pytest.mark.parametrize("key_type", ["rsa-2048", "ec-p256", "ec-p384", "ed25519"])
def test_keys_made_by_openssl_genpkey_load(key_type: str, key_folder: Path) -> None:
    key_file = key_folder / "server.key"
    made = _run(openssl_generate_command(key_type, key_file))
    assert made.returncode == 0, made.stderr
    assert key_type_of(load_private_key(key_file)) == key_type


@needs_openssl
def test_encrypted_keys_made_by_openssl_need_their_passphrase(key_folder: Path) -> None:
    key_file = key_folder / "server.key"
    command = openssl_generate_command("ec-p256", key_file, encrypted=True)
    made = _run(command + " -pass env:PKICOURSE_TEST_PASS", env={"PKICOURSE_TEST_PASS": "s3cret"})
    assert made.returncode == 0, made.stderr
    assert key_type_of(load_private_key(key_file, passphrase="s3cret")) == "ec-p256"
    with pytest.raises(PassphraseError):
        load_private_key(key_file)
    with pytest.raises(PassphraseError):
        load_private_key(key_file, passphrase="wrong")


@needs_openssl
@pytest.mark.parametrize("key_type", ["rsa-2048", "ec-p256", "ed25519"])
def test_openssl_public_key_and_fingerprint_match_the_course(
    key_of: Callable[[str], PrivateKey], key_type: str, key_folder: Path
) -> None:
    private_key = key_of(key_type)
    key_file = save_private_key(private_key, key_folder / "server.key")
    public_file = key_folder / "server.pem"
    made = _run(openssl_public_command(key_file, public_file))
    assert made.returncode == 0, made.stderr
    assert public_key_pem(load_public_key(public_file)) == public_key_pem(private_key)

    printed = _run(openssl_fingerprint_command(public_file))
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.split("= ")[-1].strip() == fingerprint(private_key)


@needs_openssl
def test_openssl_fingerprint_differs_for_another_key(
    key: PrivateKey, other_key: PrivateKey, key_folder: Path
) -> None:
    public_file = save_public_key(other_key, key_folder / "server.pem")
    printed = _run(openssl_fingerprint_command(public_file))
    assert printed.stdout.split("= ")[-1].strip() != fingerprint(key)
    assert printed.stdout.split("= ")[-1].strip() == fingerprint(other_key)


def test_loading_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(KeyFileNotFoundError) as info:
        load_private_key(tmp_path / "nope.key")
    assert isinstance(info.value, FileNotFoundError)
    with pytest.raises(KeyFileNotFoundError):
        load_public_key(str(tmp_path / "nope.pem"))


def test_loading_an_existing_file_by_str_path_works(tmp_path: Path) -> None:
    path = save_public_key(generate_private_key("ed25519"), tmp_path / "server.pem")
    assert key_type_of(load_public_key(str(path))) == "ed25519"


@pytest.mark.parametrize("name", ["id_dsa", "id_ecdsa_sk", "id_ed25519_sk", "/home/a/.ssh/id_rsa"])
def test_openssh_private_key_names_look_private(name: str) -> None:
    assert looks_like_private_key_file(name)
    assert not looks_like_private_key_file(name + ".pub")


# --- path vs PEM, odd files, and messages without key material (issue 5 §6) ----------------------


def _bag_attributes_pem(key: PrivateKey) -> bytes:
    """What `openssl pkcs12 -nodes` writes: Bag Attributes lines before each block."""
    return (
        b"Bag Attributes\n    localKeyID: 01 02 03\n    friendlyName: server\n"
        b"Key Attributes: <No Attributes>\n"
        + private_key_pem(key)
        + b"# a comment line\n"
        + public_key_pem(key)
    )


def test_multi_block_pem_gives_the_block_that_fits(
    key: PrivateKey, certificate_pem: bytes, tmp_path: Path
) -> None:
    bundle = _bag_attributes_pem(key)
    assert fingerprint(private_key_from_pem(bundle)) == fingerprint(key)
    assert fingerprint(public_key_from_pem(bundle)) == fingerprint(key)
    crlf = (certificate_pem + private_key_pem(key)).replace(b"\n", b"\r\n")
    assert fingerprint(private_key_from_pem(crlf)) == fingerprint(key)
    (tmp_path / "bundle.key").write_bytes(bundle)
    assert fingerprint(load_private_key(tmp_path / "bundle.key")) == fingerprint(key)


def test_multi_block_pem_without_the_wanted_block_is_refused(
    key: PrivateKey, certificate_pem: bytes
) -> None:
    with pytest.raises(WrongKeyTypeError):
        private_key_from_pem(certificate_pem + public_key_pem(key))


def test_loaders_refuse_bag_attributes_text_as_a_path_without_echoing_it(key: PrivateKey) -> None:
    bundle = _bag_attributes_pem(key)
    for text in (bundle.decode(), bundle.decode().split("-----BEGIN")[1], "x" * 5000):
        for loader in (load_private_key, load_public_key):
            with pytest.raises(NotAPathError, match="_from_pem") as caught:
                loader(text)
            _assert_no_key_material(str(caught.value), private_key_pem(key))


def test_a_single_base64_line_as_a_path_is_not_shown(key: PrivateKey, tmp_path: Path) -> None:
    pem = private_key_pem(key)
    line = pem.decode().splitlines()[1]
    with pytest.raises(KeyFileNotFoundError) as caught:
        load_private_key(line)
    _assert_no_key_material(str(caught.value), pem)


@pytest.mark.parametrize("bad", [None, 42, b"server.key", bytearray(b"x"), 3.5])
def test_loaders_say_what_to_pass_for_a_non_path(bad: object) -> None:
    with pytest.raises(NotAPathError, match="str or Path"):
        load_private_key(bad)  # type: ignore[arg-type]
    with pytest.raises(NotAPathError, match="str or Path"):
        load_public_key(bad)  # type: ignore[arg-type]


def test_from_pem_refuses_a_path_object(tmp_path: Path) -> None:
    with pytest.raises(NotBytesError, match="load_private_key"):
        private_key_from_pem(tmp_path / "server.key")  # type: ignore[arg-type]


def test_loaders_expand_the_home_folder(
    key: PrivateKey, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    save_private_key(key, "~/server.key")
    assert fingerprint(load_private_key("~/server.key")) == fingerprint(key)
    assert (tmp_path / "server.key").exists()


def test_loaders_refuse_a_folder_a_missing_folder_and_odd_names(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="folder"):
        load_private_key(tmp_path)
    with pytest.raises(KeyFileNotFoundError, match="does not exist"):
        load_private_key(tmp_path / "no-such-folder" / "server.key")
    for odd in ("", "a\0b", "server\ud800.key"):
        with pytest.raises(NotAPathError):
            load_private_key(odd)


def test_a_file_larger_than_any_key_is_refused_unread(tmp_path: Path) -> None:
    huge = tmp_path / "huge.key"
    with open(huge, "wb") as sparse:
        sparse.truncate(4 << 30)  # 4 GiB, sparse: costs no disk
    with pytest.raises(KeyFileError, match="not read"):
        load_private_key(huge)
    small = tmp_path / "small.key"
    small.write_bytes(b"x" * 1000)
    with pytest.raises(NotPEMError):  # a small file is read (and is not PEM)
        load_private_key(small)


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.key"
    os.mkfifo(fifo)
    with pytest.raises(KeyFileError, match="regular"):
        load_private_key(fifo)


_AS_NOBODY = """
import os, sys
from pkicourse.errors import KeyFileError
from pkicourse.keys import load_private_key
os.setgid(65534); os.setuid(65534)  # after the imports: the venv may be unreadable to nobody
try:
    load_private_key(sys.argv[1])
except KeyFileError as err:
    print("KeyFileError:", err)
"""


@posix_only
def test_an_unreadable_key_file_is_a_course_error(key: PrivateKey) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to switch to the unprivileged user 'nobody'")
    with tempfile.TemporaryDirectory() as folder:
        os.chmod(folder, 0o755)
        key_file = save_private_key(key, Path(folder) / "server.key")  # 0600, owned by root
        done = subprocess.run(
            [sys.executable, "-c", _AS_NOBODY, str(key_file)],
            capture_output=True,
            text=True,
            timeout=60,
            cwd="/",
        )
    assert "KeyFileError:" in done.stdout and "permission denied" in done.stdout, done.stderr
    _assert_no_key_material(done.stdout, private_key_pem(key))


@pytest.mark.parametrize(
    "passphrase, problem",
    [("", "empty"), ("x" * 1024, "1023"), ("\ud800abc", "surrogate"), (1234, "not int")],
)
def test_odd_passphrases_are_course_errors(
    key: PrivateKey, passphrase: object, problem: str, tmp_path: Path
) -> None:
    with pytest.raises(PassphraseError, match=problem):
        save_private_key(key, tmp_path / "a.key", passphrase=passphrase)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []
    encrypted = private_key_pem(key, "right")
    with pytest.raises(PassphraseError, match=problem):
        private_key_from_pem(encrypted, passphrase=passphrase)  # type: ignore[arg-type]


def test_a_1023_byte_passphrase_still_works(key: PrivateKey) -> None:
    encrypted = private_key_pem(key, "p" * 1023)
    assert fingerprint(private_key_from_pem(encrypted, passphrase="p" * 1023)) == fingerprint(key)


def test_no_loader_error_shows_key_material(key: PrivateKey, tmp_path: Path) -> None:
    pem = private_key_pem(key)
    encrypted = private_key_pem(key, PASSPHRASE)
    calls: list[Callable[[], object]] = [
        lambda: load_private_key(pem.decode()),
        lambda: load_public_key(pem.decode()),
        lambda: load_private_key(pem),  # type: ignore[arg-type]
        lambda: public_key_from_pem(pem),
        lambda: private_key_from_pem(_damaged(pem)),
        lambda: private_key_from_pem(pem.rsplit(b"-----END", 1)[0]),
        lambda: private_key_from_pem(pem, passphrase="x"),
        lambda: private_key_from_pem(encrypted),
        lambda: private_key_from_pem(encrypted, passphrase="wrong"),
        lambda: public_key_from_pem(encrypted),
        lambda: load_private_key(tmp_path / pem.decode().splitlines()[1].replace("/", "_")),
    ]
    for call in calls:
        with pytest.raises(CourseError) as caught:
            call()
        _assert_no_key_material(str(caught.value), pem)
        _assert_no_key_material(str(caught.value), encrypted)


# --- saving: atomic, no symlinks, exact modes (issue 5 §6) ---------------------------------------


@posix_only
@pytest.mark.parametrize("overwrite", [False, True])
def test_saving_never_follows_a_symlink(
    key: PrivateKey, other_key: PrivateKey, tmp_path: Path, overwrite: bool
) -> None:
    victim = save_private_key(other_key, tmp_path / "victim.key")
    before = victim.read_bytes()
    link = tmp_path / "server.pem"
    link.symlink_to(victim)
    with pytest.raises(KeyFileError, match="symbolic link"):
        save_public_key(key, link, overwrite=overwrite)
    with pytest.raises(KeyFileError, match="symbolic link"):
        save_private_key(key, tmp_path / "server.pem", overwrite=overwrite)
    assert victim.read_bytes() == before and link.is_symlink()


def test_saving_over_a_regular_file_with_overwrite_replaces_it(
    key: PrivateKey, tmp_path: Path
) -> None:
    target = tmp_path / "server.pem"
    target.write_bytes(b"old")
    save_public_key(key, target, overwrite=True)
    assert fingerprint(load_public_key(target)) == fingerprint(key)


@pytest.mark.parametrize("overwrite", ["no", 0, None, 1])
def test_overwrite_must_be_a_real_bool(key: PrivateKey, tmp_path: Path, overwrite: object) -> None:
    (tmp_path / "server.key").write_bytes(b"keep me")
    with pytest.raises(ArgumentError, match="True or False"):
        save_private_key(key, tmp_path / "server.key", overwrite=overwrite)  # type: ignore[arg-type]
    assert (tmp_path / "server.key").read_bytes() == b"keep me"


def test_saving_into_a_missing_folder_or_onto_a_folder_says_what_to_do(
    key: PrivateKey, tmp_path: Path
) -> None:
    with pytest.raises(KeyFileError, match="mkdir"):
        save_private_key(key, tmp_path / "missing" / "server.key")
    (tmp_path / "server.key").mkdir()
    with pytest.raises(KeyFileError, match="folder"):
        save_private_key(key, tmp_path / "server.key", overwrite=True)


@pytest.mark.parametrize(
    ("fails", "overwrite"),
    [("write", False), ("link", False), ("fsync", False), ("replace", True)],
)
def test_a_failed_save_leaves_nothing_behind_and_a_retry_works(
    key: PrivateKey, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fails: str, overwrite: bool
) -> None:
    def disk_full(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(os, fails, disk_full)
        with pytest.raises(KeyFileError, match="disk is full"):
            save_private_key(key, tmp_path / "server.key", overwrite=overwrite)
    assert list(tmp_path.iterdir()) == [], "a temporary or partial file was left behind"
    save_private_key(key, tmp_path / "server.key")
    assert fingerprint(load_private_key(tmp_path / "server.key")) == fingerprint(key)


def test_a_file_that_appears_during_a_save_is_not_replaced(
    key: PrivateKey, other_key: PrivateKey, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check says "free", then another program writes the file before ours is in place:
    without overwrite=True, that file is kept and the save fails."""
    target = tmp_path / "server.key"
    real_fsync = os.fsync

    def someone_else_writes_first(descriptor: int) -> None:
        real_fsync(descriptor)
        target.write_bytes(b"written by someone else")

    monkeypatch.setattr(os, "fsync", someone_else_writes_first)
    with pytest.raises(KeyFileExistsError):
        save_private_key(key, target)
    assert target.read_bytes() == b"written by someone else"
    assert [p.name for p in tmp_path.iterdir()] == ["server.key"]


def test_a_failed_overwrite_keeps_the_old_file(
    key: PrivateKey, other_key: PrivateKey, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = save_private_key(other_key, tmp_path / "server.key")
    before = target.read_bytes()
    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError(errno.EIO, "I/O")))
        with pytest.raises(KeyFileError):
            save_private_key(key, target, overwrite=True)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["server.key"]


@posix_only
@pytest.mark.parametrize("umask", [0o000, 0o077, 0o022])
def test_modes_are_0600_and_0644_whatever_the_umask(
    key: PrivateKey, tmp_path: Path, umask: int
) -> None:
    old = os.umask(umask)
    try:
        private_file = save_private_key(key, tmp_path / "server.key")
        public_file = save_public_key(key, tmp_path / "server.pem")
        save_public_key(key, public_file, overwrite=True)
    finally:
        os.umask(old)
    assert stat.S_IMODE(private_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(public_file.stat().st_mode) == 0o644


def _tiny_tmpfs(folder: Path) -> bool:
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8k", "tmpfs", str(folder)], capture_output=True
    )
    return done.returncode == 0


@posix_only
def test_a_full_disk_leaves_nothing_behind(
    key_of: Callable[[str], PrivateKey], tmp_path: Path
) -> None:
    folder = tmp_path / "tiny"
    folder.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None or not _tiny_tmpfs(folder):
        pytest.skip("cannot mount a tiny tmpfs here (needs root and CAP_SYS_ADMIN)")
    try:
        (folder / "filler").write_bytes(b"x" * 6000)
        with pytest.raises(KeyFileError):
            save_private_key(key_of("rsa-4096"), folder / "server.key")
        assert [p.name for p in folder.iterdir()] == ["filler"]
    finally:
        subprocess.run(["umount", str(folder)], check=False)
