"""Tests for pkicourse.asymmetric (lesson 01): real keys, real openssl, no mocks.

Every "it works" test has a twin showing that it fails when the key, the message or the
signature is wrong.
"""

from __future__ import annotations

import doctest
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, x25519

from pkicourse import asymmetric, keys
from pkicourse.asymmetric import (
    TextbookRSA,
    decrypt,
    encrypt,
    is_valid_signature,
    max_plaintext_size,
    openssl_decrypt_command,
    openssl_encrypt_command,
    openssl_sign_command,
    openssl_verify_command,
    sign,
    textbook_rsa,
    verify,
)
from pkicourse.errors import (
    DecryptionError,
    MessageTooLongError,
    NotBytesError,
    SignatureMismatchError,
    TextbookRSAError,
    UnknownKeyTypeError,
    WrongKeyTypeError,
)

MESSAGE = b"Meet me at the bank at noon."


@pytest.fixture(scope="module")
def alice() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def bob() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def signing_keys(alice: rsa.RSAPrivateKey) -> dict[str, asymmetric.PrivateKey]:
    return {
        "rsa": alice,
        "ec-p256": ec.generate_private_key(ec.SECP256R1()),
        "ec-p384": ec.generate_private_key(ec.SECP384R1()),
        "ed25519": ed25519.Ed25519PrivateKey.generate(),
    }


# --- encrypt / decrypt ----------------------------------------------------------------------


def test_encrypt_then_decrypt_gives_the_message_back(alice: rsa.RSAPrivateKey) -> None:
    ciphertext = encrypt(alice.public_key(), MESSAGE)
    assert len(ciphertext) == 256
    assert MESSAGE not in ciphertext
    assert decrypt(alice, ciphertext) == MESSAGE


def test_another_users_private_key_cannot_decrypt(
    alice: rsa.RSAPrivateKey, bob: rsa.RSAPrivateKey
) -> None:
    ciphertext = encrypt(alice.public_key(), MESSAGE)
    with pytest.raises(DecryptionError):
        decrypt(bob, ciphertext)


def test_oaep_is_randomised_so_the_same_message_encrypts_differently(
    alice: rsa.RSAPrivateKey,
) -> None:
    first = encrypt(alice.public_key(), MESSAGE)
    second = encrypt(alice.public_key(), MESSAGE)
    assert first != second
    assert decrypt(alice, first) == decrypt(alice, second) == MESSAGE


@pytest.mark.parametrize("position", [0, 1, 100, 254, 255])
def test_a_changed_byte_anywhere_in_the_ciphertext_is_detected(
    alice: rsa.RSAPrivateKey, position: int
) -> None:
    ciphertext = bytearray(encrypt(alice.public_key(), MESSAGE))
    ciphertext[position] ^= 0x01
    with pytest.raises(DecryptionError):
        decrypt(alice, bytes(ciphertext))


@pytest.mark.parametrize("cut", [1, 128, 256])
def test_a_truncated_ciphertext_is_a_decryption_error(alice: rsa.RSAPrivateKey, cut: int) -> None:
    ciphertext = encrypt(alice.public_key(), MESSAGE)
    with pytest.raises(DecryptionError):
        decrypt(alice, ciphertext[:-cut])


def test_max_plaintext_size_for_rsa_2048_is_190(alice: rsa.RSAPrivateKey) -> None:
    assert max_plaintext_size(alice.public_key()) == 256 - 2 * 32 - 2 == 190


def test_190_bytes_fit_in_one_block(alice: rsa.RSAPrivateKey) -> None:
    plaintext = bytes(range(190))
    assert decrypt(alice, encrypt(alice.public_key(), plaintext)) == plaintext


def test_191_bytes_are_too_long(alice: rsa.RSAPrivateKey) -> None:
    with pytest.raises(MessageTooLongError):
        encrypt(alice.public_key(), bytes(191))


def test_message_too_long_is_still_a_value_error(alice: rsa.RSAPrivateKey) -> None:
    with pytest.raises(ValueError):
        encrypt(alice.public_key(), bytes(1000))


@pytest.mark.parametrize("kind", ["ec-p256", "ec-p384", "ed25519"])
def test_signing_only_keys_cannot_encrypt_or_decrypt(
    signing_keys: dict[str, asymmetric.PrivateKey], kind: str
) -> None:
    private_key = signing_keys[kind]
    with pytest.raises(WrongKeyTypeError):
        encrypt(private_key.public_key(), MESSAGE)
    with pytest.raises(WrongKeyTypeError):
        decrypt(private_key, bytes(256))
    with pytest.raises(WrongKeyTypeError):
        max_plaintext_size(private_key.public_key())


def test_encrypt_wants_the_public_key_not_the_private_one(alice: rsa.RSAPrivateKey) -> None:
    with pytest.raises(WrongKeyTypeError):
        encrypt(alice, MESSAGE)  # type: ignore[arg-type]


def test_decrypt_wants_the_private_key_not_the_public_one(alice: rsa.RSAPrivateKey) -> None:
    ciphertext = encrypt(alice.public_key(), MESSAGE)
    with pytest.raises(WrongKeyTypeError):
        decrypt(alice.public_key(), ciphertext)  # type: ignore[arg-type]


def test_an_x25519_key_is_the_wrong_key_type(alice: rsa.RSAPrivateKey) -> None:
    x_key = x25519.X25519PrivateKey.generate()
    with pytest.raises(WrongKeyTypeError):
        encrypt(x_key.public_key(), MESSAGE)  # type: ignore[arg-type]
    with pytest.raises(WrongKeyTypeError):
        sign(x_key, MESSAGE)  # type: ignore[arg-type]
    with pytest.raises(WrongKeyTypeError):
        verify(x_key.public_key(), MESSAGE, b"")  # type: ignore[arg-type]


# --- sign / verify --------------------------------------------------------------------------

KINDS = ["rsa", "ec-p256", "ec-p384", "ed25519"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_signature_verifies_with_the_signers_public_key(
    signing_keys: dict[str, asymmetric.PrivateKey], kind: str
) -> None:
    key = signing_keys[kind]
    signature = sign(key, MESSAGE)
    verify(key.public_key(), MESSAGE, signature)  # returns None, raises on a mismatch
    assert is_valid_signature(key.public_key(), MESSAGE, signature) is True


@pytest.mark.parametrize("kind", KINDS)
def test_a_changed_message_breaks_the_signature(
    signing_keys: dict[str, asymmetric.PrivateKey], kind: str
) -> None:
    key = signing_keys[kind]
    signature = sign(key, MESSAGE)
    forged = MESSAGE.replace(b"noon", b"five")
    with pytest.raises(SignatureMismatchError):
        verify(key.public_key(), forged, signature)
    assert is_valid_signature(key.public_key(), forged, signature) is False


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_a_changed_signature_byte_is_detected(
    signing_keys: dict[str, asymmetric.PrivateKey], kind: str, where: str
) -> None:
    key = signing_keys[kind]
    signature = bytearray(sign(key, MESSAGE))
    position = {"first": 0, "middle": len(signature) // 2, "last": -1}[where]
    signature[position] ^= 0x80
    with pytest.raises(SignatureMismatchError):
        verify(key.public_key(), MESSAGE, bytes(signature))


@pytest.mark.parametrize("kind", KINDS)
def test_a_truncated_signature_is_a_mismatch(
    signing_keys: dict[str, asymmetric.PrivateKey], kind: str
) -> None:
    key = signing_keys[kind]
    signature = sign(key, MESSAGE)
    assert is_valid_signature(key.public_key(), MESSAGE, signature[:-1]) is False


def test_another_users_public_key_rejects_the_signature(
    alice: rsa.RSAPrivateKey, bob: rsa.RSAPrivateKey
) -> None:
    signature = sign(alice, MESSAGE)
    with pytest.raises(SignatureMismatchError):
        verify(bob.public_key(), MESSAGE, signature)


def test_rsa_signatures_use_pss_with_a_digest_length_salt(alice: rsa.RSAPrivateKey) -> None:
    signature = sign(alice, MESSAGE)
    pss_32 = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    alice.public_key().verify(signature, MESSAGE, pss_32, hashes.SHA256())


def test_rsa_signatures_with_another_salt_length_are_rejected(alice: rsa.RSAPrivateKey) -> None:
    pss_max = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.MAX_LENGTH)
    signature = alice.sign(MESSAGE, pss_max, hashes.SHA256())
    with pytest.raises(SignatureMismatchError):
        verify(alice.public_key(), MESSAGE, signature)


@pytest.mark.parametrize("kind", KINDS)
def test_signing_needs_the_private_key(
    signing_keys: dict[str, asymmetric.PrivateKey], kind: str
) -> None:
    with pytest.raises(WrongKeyTypeError):
        sign(signing_keys[kind].public_key(), MESSAGE)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", KINDS)
def test_verify_wants_the_public_key_not_the_private_one(
    signing_keys: dict[str, asymmetric.PrivateKey], kind: str
) -> None:
    key = signing_keys[kind]
    signature = sign(key, MESSAGE)
    with pytest.raises(WrongKeyTypeError):
        verify(key, MESSAGE, signature)  # type: ignore[arg-type]
    with pytest.raises(WrongKeyTypeError):
        is_valid_signature(key, MESSAGE, signature)  # type: ignore[arg-type]


# --- textbook RSA ---------------------------------------------------------------------------


def test_textbook_rsa_numbers_of_the_classic_example() -> None:
    pair = textbook_rsa()
    assert (pair.p, pair.q, pair.e) == (61, 53, 17)
    assert (pair.n, pair.phi, pair.d) == (3233, 3120, 2753)
    assert pair.e * pair.d % pair.phi == 1


def test_textbook_rsa_lock_with_public_unlock_with_private() -> None:
    pair = TextbookRSA(p=61, q=53, e=17)
    assert pair.lock_with_public(65) == 2790
    assert pair.unlock_with_private(2790) == 65
    assert all(pair.unlock_with_private(pair.lock_with_public(m)) == m for m in range(pair.n))


def test_textbook_rsa_lock_with_private_unlock_with_public() -> None:
    pair = TextbookRSA(p=61, q=53, e=17)
    assert pair.lock_with_private(65) == 588
    assert pair.unlock_with_public(588) == 65
    assert all(pair.unlock_with_public(pair.lock_with_private(m)) == m for m in range(pair.n))


def test_textbook_rsa_the_same_key_does_not_open_its_own_lock() -> None:
    pair = textbook_rsa()
    assert pair.unlock_with_public(pair.lock_with_public(65)) != 65
    assert pair.unlock_with_private(pair.lock_with_private(65)) != 65


def test_textbook_rsa_another_pairs_key_does_not_open_the_lock() -> None:
    mine, theirs = textbook_rsa(), TextbookRSA(p=67, q=71, e=17)
    assert theirs.unlock_with_private(mine.lock_with_public(65)) != 65


def test_textbook_rsa_is_deterministic_unlike_oaep() -> None:
    pair = textbook_rsa()
    assert pair.lock_with_public(65) == pair.lock_with_public(65)


def test_textbook_rsa_is_frozen() -> None:
    pair = textbook_rsa()
    with pytest.raises(AttributeError):
        pair.e = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    ("p", "q", "e"),
    [
        (60, 53, 17),  # p not prime
        (61, 51, 17),  # q not prime (3 x 17)
        (1, 53, 17),  # 1 is not prime
        (-61, 53, 17),  # negative
        (61, 61, 17),  # p == q
        (61, 53, 3),  # gcd(3, 3120) == 3
        (61, 53, 1),  # e = 1 locks nothing
        (61, 53, 0),
        (10**12 + 39, 53, 17),  # too large to check by trial division
    ],
)
def test_textbook_rsa_rejects_unfit_numbers(p: int, q: int, e: int) -> None:
    with pytest.raises(TextbookRSAError):
        TextbookRSA(p=p, q=q, e=e)


def test_textbook_rsa_rejects_non_integers() -> None:
    with pytest.raises(TextbookRSAError):
        TextbookRSA(p=61.0, q=53, e=17)  # type: ignore[arg-type]
    with pytest.raises(TextbookRSAError):
        textbook_rsa().lock_with_public("A")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "method", ["lock_with_public", "unlock_with_private", "lock_with_private", "unlock_with_public"]
)
def test_textbook_rsa_numbers_must_be_smaller_than_n(method: str) -> None:
    pair = textbook_rsa()
    assert isinstance(getattr(pair, method)(pair.n - 1), int)
    with pytest.raises(MessageTooLongError):
        getattr(pair, method)(pair.n)
    with pytest.raises(TextbookRSAError):
        getattr(pair, method)(-1)


def test_the_learning_only_warning_is_visible() -> None:
    warning = "FOR LEARNING ONLY"
    assert asymmetric.__doc__ is not None and warning in asymmetric.__doc__
    assert TextbookRSA.__doc__ is not None and warning in TextbookRSA.__doc__
    assert textbook_rsa.__doc__ is not None and warning in textbook_rsa.__doc__


def test_the_textbook_rsa_docstring_example_runs() -> None:
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner()
    for test in finder.find(TextbookRSA, "TextbookRSA", globs={"TextbookRSA": TextbookRSA}):
        runner.run(test)
    assert runner.summarize(verbose=False) == (0, 6)


# --- openssl commands -----------------------------------------------------------------------


def test_openssl_commands_quote_paths_with_spaces() -> None:
    command = openssl_encrypt_command("my keys/alice.pem", "in file.txt", "out.bin")
    words = shlex.split(command)
    assert words[:3] == ["openssl", "pkeyutl", "-encrypt"]
    assert "my keys/alice.pem" in words and "in file.txt" in words


@pytest.mark.parametrize(
    "key_type", ["rsa", "rsa-2048", "ec-p384", "ec-p256", "ed25519", "ED25519"]
)
def test_openssl_sign_and_verify_commands_know_the_key_types(key_type: str) -> None:
    assert openssl_sign_command("a.key", "m", "m.sig", key_type=key_type).startswith("openssl ")
    assert openssl_verify_command("a.pem", "m", "m.sig", key_type=key_type).startswith("openssl ")


@pytest.mark.parametrize(
    "key_type", ["dsa", "rsa2048", "x25519", "", "rsa-banana", "ec", "ec-banana", "ed448"]
)
def test_openssl_sign_and_verify_commands_reject_unknown_key_types(key_type: str) -> None:
    with pytest.raises(UnknownKeyTypeError):
        openssl_sign_command("a.key", "m", "m.sig", key_type=key_type)
    with pytest.raises(UnknownKeyTypeError):
        openssl_verify_command("a.pem", "m", "m.sig", key_type=key_type)


needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl command")


def _run(command: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(shlex.split(command), capture_output=True, timeout=30)


def _write_key_pair(folder: Path, name: str, key: asymmetric.PrivateKey) -> tuple[Path, Path]:
    """Write ``name.key`` (PKCS#8) and ``name.pem`` (public) for openssl to use."""
    private_path, public_path = folder / f"{name}.key", folder / f"{name}.pem"
    private_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public_path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private_path, public_path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    spaced = tmp_path / "my keys"  # paths with spaces prove the quoting
    spaced.mkdir()
    return spaced


@needs_openssl
def test_openssl_encrypts_and_python_decrypts(alice: rsa.RSAPrivateKey, folder: Path) -> None:
    key_path, public_path = _write_key_pair(folder, "alice", alice)
    (folder / "plain text").write_bytes(MESSAGE)
    result = _run(openssl_encrypt_command(public_path, folder / "plain text", folder / "c.bin"))
    assert result.returncode == 0, result.stderr
    assert decrypt(alice, (folder / "c.bin").read_bytes()) == MESSAGE


@needs_openssl
def test_python_encrypts_and_openssl_decrypts(alice: rsa.RSAPrivateKey, folder: Path) -> None:
    key_path, _ = _write_key_pair(folder, "alice", alice)
    (folder / "c.bin").write_bytes(encrypt(alice.public_key(), MESSAGE))
    result = _run(openssl_decrypt_command(key_path, folder / "c.bin", folder / "out.txt"))
    assert result.returncode == 0, result.stderr
    assert (folder / "out.txt").read_bytes() == MESSAGE


@needs_openssl
def test_openssl_cannot_decrypt_with_another_users_key(
    alice: rsa.RSAPrivateKey, bob: rsa.RSAPrivateKey, folder: Path
) -> None:
    bob_key_path, _ = _write_key_pair(folder, "bob", bob)
    (folder / "c.bin").write_bytes(encrypt(alice.public_key(), MESSAGE))
    result = _run(openssl_decrypt_command(bob_key_path, folder / "c.bin", folder / "out.txt"))
    assert result.returncode != 0


@needs_openssl
@pytest.mark.parametrize("kind", KINDS)
def test_openssl_signs_and_python_verifies(
    signing_keys: dict[str, asymmetric.PrivateKey], kind: str, folder: Path
) -> None:
    key = signing_keys[kind]
    key_path, _ = _write_key_pair(folder, kind, key)
    (folder / "message.txt").write_bytes(MESSAGE)
    command = openssl_sign_command(
        key_path, folder / "message.txt", folder / "m.sig", key_type=kind
    )
    result = _run(command)
    assert result.returncode == 0, result.stderr
    signature = (folder / "m.sig").read_bytes()
    verify(key.public_key(), MESSAGE, signature)
    assert not is_valid_signature(key.public_key(), MESSAGE + b"!", signature)


@needs_openssl
@pytest.mark.parametrize("kind", KINDS)
def test_python_signs_and_openssl_verifies(
    signing_keys: dict[str, asymmetric.PrivateKey], kind: str, folder: Path
) -> None:
    key = signing_keys[kind]
    _, public_path = _write_key_pair(folder, kind, key)
    (folder / "message.txt").write_bytes(MESSAGE)
    (folder / "m.sig").write_bytes(sign(key, MESSAGE))
    command = openssl_verify_command(
        public_path, folder / "message.txt", folder / "m.sig", key_type=kind
    )
    assert _run(command).returncode == 0


@needs_openssl
@pytest.mark.parametrize("kind", KINDS)
def test_openssl_rejects_a_signature_for_a_changed_message(
    signing_keys: dict[str, asymmetric.PrivateKey], kind: str, folder: Path
) -> None:
    key = signing_keys[kind]
    _, public_path = _write_key_pair(folder, kind, key)
    (folder / "message.txt").write_bytes(MESSAGE + b"!")
    (folder / "m.sig").write_bytes(sign(key, MESSAGE))
    command = openssl_verify_command(
        public_path, folder / "message.txt", folder / "m.sig", key_type=kind
    )
    assert _run(command).returncode == 1


# --- schemes, hashes and str mistakes (issue 5 §4, §6) -------------------------------------------


def test_signature_schemes_table_matches_tls13() -> None:
    schemes = asymmetric.SIGNATURE_SCHEMES
    assert schemes["ec-p384"] == ("ECDSA", "SHA-384", "ecdsa_secp384r1_sha384")
    assert schemes["ec-p256"].tls13_name == "ecdsa_secp256r1_sha256"
    assert schemes["rsa-2048"].tls13_name == "rsa_pss_rsae_sha256"
    assert schemes["ed25519"].hash is None


def test_p384_signatures_use_sha384(signing_keys: dict[str, asymmetric.PrivateKey]) -> None:
    key = signing_keys["ec-p384"]
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    signature = asymmetric.sign(key, b"transcript")
    key.public_key().verify(signature, b"transcript", ec.ECDSA(hashes.SHA384()))


def test_p384_signatures_are_not_sha256(signing_keys: dict[str, asymmetric.PrivateKey]) -> None:
    key = signing_keys["ec-p384"]
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    signature = asymmetric.sign(key, b"transcript")
    with pytest.raises(InvalidSignature):
        key.public_key().verify(signature, b"transcript", ec.ECDSA(hashes.SHA256()))


def test_openssl_p384_commands_use_sha384() -> None:
    assert " -sha384 " in openssl_sign_command("a.key", "m", "s", key_type="ec-p384")
    assert " -sha384 " in openssl_verify_command("a.pem", "m", "s", key_type="ec-p384")
    assert " -sha256 " in openssl_sign_command("a.key", "m", "s", key_type="ec-p256")


@pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl command")
def test_openssl_dgst_sha384_accepts_a_p384_signature(
    signing_keys: dict[str, asymmetric.PrivateKey], tmp_path: Path
) -> None:
    key = signing_keys["ec-p384"]
    (tmp_path / "m").write_bytes(b"hello")
    (tmp_path / "s").write_bytes(asymmetric.sign(key, b"hello"))
    (tmp_path / "p.pem").write_bytes(keys.public_key_pem(key))
    folder = str(tmp_path)
    ok = subprocess.run(
        f"openssl dgst -sha384 -verify {folder}/p.pem -signature {folder}/s {folder}/m",
        shell=True,
        capture_output=True,
    )
    assert ok.returncode == 0, ok.stderr
    wrong = subprocess.run(
        f"openssl dgst -sha256 -verify {folder}/p.pem -signature {folder}/s {folder}/m",
        shell=True,
        capture_output=True,
    )
    assert wrong.returncode != 0


def test_no_printed_command_has_a_passphrase_on_the_command_line() -> None:
    commands = [
        keys.openssl_generate_command("ec-p256", "a.key", encrypted=True),
        keys.openssl_check_command("a.key"),
        openssl_sign_command("a.key", "m", "s", key_type="rsa"),
        asymmetric.openssl_decrypt_command("a.key", "c", "m"),
    ]
    for command in commands:
        assert "pass:" not in command


@pytest.mark.parametrize("kind", KINDS)
def test_str_message_says_encode(kind: str, signing_keys: dict[str, asymmetric.PrivateKey]) -> None:
    key = signing_keys[kind]
    with pytest.raises(NotBytesError, match=r"\.encode\(\)"):
        asymmetric.sign(key, "hello")  # type: ignore[arg-type]
    signature = asymmetric.sign(key, b"hello")
    with pytest.raises(NotBytesError, match=r"\.encode\(\)"):
        asymmetric.verify(key.public_key(), "hello", signature)  # type: ignore[arg-type]
    with pytest.raises(NotBytesError):
        asymmetric.is_valid_signature(key.public_key(), b"hello", signature.hex())  # type: ignore[arg-type]


def test_str_plaintext_and_ciphertext_say_encode(alice: rsa.RSAPrivateKey) -> None:
    with pytest.raises(NotBytesError, match=r"\.encode\(\)"):
        asymmetric.encrypt(alice.public_key(), "hi")  # type: ignore[arg-type]
    with pytest.raises(NotBytesError):
        asymmetric.encrypt(alice.public_key(), "x" * 300)  # type: ignore[arg-type]
    with pytest.raises(NotBytesError):
        asymmetric.decrypt(alice, "x" * 256)  # type: ignore[arg-type]
    assert asymmetric.decrypt(alice, asymmetric.encrypt(alice.public_key(), b"hi")) == b"hi"


def test_max_plaintext_size_is_never_negative(tmp_path: Path) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("no openssl command")
    small = tmp_path / "small.key"
    subprocess.run(
        [
            "openssl",
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:512",
            "-out",
            str(small),
        ],
        check=True,
        capture_output=True,
    )
    key = keys.load_private_key(small)
    assert asymmetric.max_plaintext_size(key.public_key()) == 0  # type: ignore[arg-type]
    with pytest.raises(MessageTooLongError, match="at most 0"):
        asymmetric.encrypt(key.public_key(), b"x")  # type: ignore[arg-type]


@pytest.mark.parametrize("key_type", ["rsa-banana", "ec", "ec-p999", "rsa-", 7])
def test_openssl_scheme_refuses_unknown_names(key_type: object) -> None:
    with pytest.raises(UnknownKeyTypeError):
        asymmetric._openssl_scheme(key_type)  # type: ignore[arg-type]
