"""Tests for pkicourse.session_keys (lesson 02): real AES-GCM, RSA-OAEP and X25519, no mocks.

Every "it works" test has a twin showing that it fails when the key, the data or the
associated data is wrong.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from pkicourse import session_keys
from pkicourse.errors import (
    ArgumentError,
    DecryptionError,
    KeyAgreementError,
    NotBytesError,
    UnknownKeyTypeError,
    WrongKeyTypeError,
)
from pkicourse.session_keys import (
    SpeedResult,
    derive_session_key,
    measure_speeds,
    new_ephemeral_key,
    new_session_key,
    open_sealed,
    seal,
    unwrap_session_key,
    wrap_session_key,
)

PAGE = b"<html>Your balance: 1,234.56 EUR</html>"
HEADER = b"record 1"


@pytest.fixture(scope="module")
def server() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def impostor() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def key() -> bytes:
    return new_session_key()


# --- new_session_key ------------------------------------------------------------------------


@pytest.mark.parametrize("bits", [128, 192, 256])
def test_new_session_key_has_the_requested_size(bits: int) -> None:
    assert len(new_session_key(bits)) == bits // 8


def test_new_session_keys_are_random() -> None:
    assert len({new_session_key() for _ in range(10)}) == 10


@pytest.mark.parametrize("bits", [0, 64, 255, 512, 2048])
def test_new_session_key_rejects_sizes_aes_does_not_have(bits: int) -> None:
    with pytest.raises(UnknownKeyTypeError):
        new_session_key(bits)


# --- seal / open_sealed ---------------------------------------------------------------------


@pytest.mark.parametrize("bits", [128, 192, 256])
def test_seal_then_open_gives_the_plaintext_back(bits: int) -> None:
    key = new_session_key(bits)
    assert open_sealed(key, seal(key, PAGE)) == PAGE


def test_seal_with_associated_data_opens_with_the_same_associated_data(key: bytes) -> None:
    assert open_sealed(key, seal(key, PAGE, HEADER), HEADER) == PAGE


def test_an_empty_message_still_carries_a_tag(key: bytes) -> None:
    sealed = seal(key, b"")
    assert len(sealed) == 12 + 16
    assert open_sealed(key, sealed) == b""


def test_sealed_layout_is_nonce_ciphertext_tag(key: bytes) -> None:
    sealed = seal(key, PAGE, HEADER)
    assert len(sealed) == 12 + len(PAGE) + 16
    assert PAGE not in sealed
    nonce, rest = sealed[:12], sealed[12:]
    assert AESGCM(key).decrypt(nonce, rest, HEADER) == PAGE


def test_open_sealed_accepts_what_aesgcm_made_directly(key: bytes) -> None:
    nonce = bytes(range(12))
    sealed = nonce + AESGCM(key).encrypt(nonce, PAGE, HEADER)
    assert open_sealed(key, sealed, HEADER) == PAGE


def test_every_seal_uses_a_fresh_nonce(key: bytes) -> None:
    sealed = [seal(key, PAGE) for _ in range(20)]
    assert len({blob[:12] for blob in sealed}) == 20
    assert len(set(sealed)) == 20


def test_the_wrong_session_key_cannot_open(key: bytes) -> None:
    sealed = seal(key, PAGE)
    with pytest.raises(DecryptionError):
        open_sealed(new_session_key(), sealed)


@pytest.mark.parametrize("position", [0, 11, 12, 30, -17, -16, -1])
def test_a_changed_byte_in_nonce_ciphertext_or_tag_is_detected(key: bytes, position: int) -> None:
    sealed = bytearray(seal(key, PAGE))
    sealed[position] ^= 0x01
    with pytest.raises(DecryptionError):
        open_sealed(key, bytes(sealed))


@pytest.mark.parametrize("opened_with", [b"record 2", b"", None])
def test_different_associated_data_is_detected(key: bytes, opened_with: bytes | None) -> None:
    sealed = seal(key, PAGE, HEADER)
    with pytest.raises(DecryptionError):
        open_sealed(key, sealed, opened_with)


def test_associated_data_added_when_opening_is_detected(key: bytes) -> None:
    with pytest.raises(DecryptionError):
        open_sealed(key, seal(key, PAGE), HEADER)


@pytest.mark.parametrize("keep", [0, 11, 27, 12 + len(PAGE) + 15])
def test_a_truncated_blob_is_detected(key: bytes, keep: int) -> None:
    sealed = seal(key, PAGE)
    with pytest.raises(DecryptionError):
        open_sealed(key, sealed[:keep])


def test_a_decryption_error_is_still_a_value_error(key: bytes) -> None:
    with pytest.raises(ValueError):
        open_sealed(key, b"short")


@pytest.mark.parametrize("bad_key", [b"", b"0123456789", bytes(33)])
def test_session_keys_of_the_wrong_size_are_rejected(bad_key: bytes) -> None:
    with pytest.raises(UnknownKeyTypeError):
        seal(bad_key, PAGE)
    with pytest.raises(UnknownKeyTypeError):
        open_sealed(bad_key, bytes(40))


def test_something_that_is_not_a_session_key_is_rejected(server: rsa.RSAPrivateKey) -> None:
    with pytest.raises(WrongKeyTypeError):
        seal("correct horse battery staple", PAGE)  # type: ignore[arg-type]
    with pytest.raises(WrongKeyTypeError):
        seal(server, PAGE)  # type: ignore[arg-type]


# --- wrap / unwrap: the note's story --------------------------------------------------------


def test_the_server_unwraps_the_browsers_session_key(server: rsa.RSAPrivateKey) -> None:
    browser_key = new_session_key()
    wrapped = wrap_session_key(server.public_key(), browser_key)
    assert browser_key not in wrapped
    server_key = unwrap_session_key(server, wrapped)
    assert server_key == browser_key
    assert open_sealed(server_key, seal(browser_key, PAGE)) == PAGE


def test_an_impostor_cannot_unwrap_the_session_key(
    server: rsa.RSAPrivateKey, impostor: rsa.RSAPrivateKey
) -> None:
    wrapped = wrap_session_key(server.public_key(), new_session_key())
    with pytest.raises(DecryptionError):
        unwrap_session_key(impostor, wrapped)


def test_a_changed_wrapped_key_is_detected(server: rsa.RSAPrivateKey) -> None:
    wrapped = bytearray(wrap_session_key(server.public_key(), new_session_key()))
    wrapped[100] ^= 0x01
    with pytest.raises(DecryptionError):
        unwrap_session_key(server, bytes(wrapped))


def test_a_stolen_server_key_opens_recorded_sessions(server: rsa.RSAPrivateKey) -> None:
    """No forward secrecy: the recording plus the server key, stolen later, is enough."""
    browser_key = new_session_key()
    recorded = (wrap_session_key(server.public_key(), browser_key), seal(browser_key, PAGE))
    stolen_key = server
    assert open_sealed(unwrap_session_key(stolen_key, recorded[0]), recorded[1]) == PAGE


def test_without_the_server_key_the_recording_stays_closed(
    server: rsa.RSAPrivateKey, impostor: rsa.RSAPrivateKey
) -> None:
    browser_key = new_session_key()
    wrapped, sealed = wrap_session_key(server.public_key(), browser_key), seal(browser_key, PAGE)
    with pytest.raises(DecryptionError):
        unwrap_session_key(impostor, wrapped)
    with pytest.raises(DecryptionError):
        open_sealed(new_session_key(), sealed)


def test_wrap_needs_an_rsa_public_key(server: rsa.RSAPrivateKey) -> None:
    with pytest.raises(WrongKeyTypeError):
        wrap_session_key(server, new_session_key())  # type: ignore[arg-type]
    ec_key = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(WrongKeyTypeError):
        wrap_session_key(ec_key.public_key(), new_session_key())


def test_wrap_only_carries_real_session_keys(server: rsa.RSAPrivateKey) -> None:
    with pytest.raises(UnknownKeyTypeError):
        wrap_session_key(server.public_key(), b"hunter2")


# --- ephemeral X25519 + HKDF: TLS 1.3's way -------------------------------------------------


def test_both_sides_derive_the_same_session_key() -> None:
    browser, website = new_ephemeral_key(), new_ephemeral_key()
    browser_key = derive_session_key(browser, website.public_key())
    website_key = derive_session_key(website, browser.public_key())
    assert browser_key == website_key
    assert len(browser_key) == 32
    assert open_sealed(website_key, seal(browser_key, PAGE)) == PAGE


def test_a_third_party_derives_a_different_key() -> None:
    browser, website, eve = new_ephemeral_key(), new_ephemeral_key(), new_ephemeral_key()
    browser_key = derive_session_key(browser, website.public_key())
    # Eve saw both public keys on the wire, but she only has her own private key.
    assert derive_session_key(eve, website.public_key()) != browser_key
    assert derive_session_key(eve, browser.public_key()) != browser_key


def test_a_new_handshake_gives_a_new_session_key() -> None:
    website = new_ephemeral_key()
    first = derive_session_key(new_ephemeral_key(), website.public_key())
    second = derive_session_key(new_ephemeral_key(), website.public_key())
    assert first != second


def test_info_and_length_shape_the_derived_key() -> None:
    browser, website = new_ephemeral_key(), new_ephemeral_key()
    default = derive_session_key(browser, website.public_key())
    other = derive_session_key(browser, website.public_key(), info=b"another purpose")
    short = derive_session_key(browser, website.public_key(), length=16)
    assert other != default
    assert len(short) == 16
    assert short == default[:16]  # plain HKDF: a shorter output is a prefix of a longer one


def test_derive_session_key_wants_the_peers_public_key() -> None:
    browser, website = new_ephemeral_key(), new_ephemeral_key()
    with pytest.raises(WrongKeyTypeError):
        derive_session_key(browser, website)  # type: ignore[arg-type]
    with pytest.raises(WrongKeyTypeError):
        derive_session_key(browser.public_key(), website.public_key())  # type: ignore[arg-type]


def test_derive_session_key_rejects_other_key_kinds(server: rsa.RSAPrivateKey) -> None:
    browser = new_ephemeral_key()
    with pytest.raises(WrongKeyTypeError):
        derive_session_key(browser, server.public_key())  # type: ignore[arg-type]
    with pytest.raises(WrongKeyTypeError):
        derive_session_key(server, browser.public_key())  # type: ignore[arg-type]


def test_new_ephemeral_key_is_a_fresh_x25519_key() -> None:
    first, second = new_ephemeral_key(), new_ephemeral_key()
    assert isinstance(first, x25519.X25519PrivateKey)
    assert first.public_key().public_bytes_raw() != second.public_key().public_bytes_raw()


# --- measure_speeds -------------------------------------------------------------------------


def test_speed_result_megabytes_per_second() -> None:
    assert SpeedResult("x", 3_000_000, 1.5).megabytes_per_second == 2.0


def test_speed_result_is_frozen() -> None:
    result = SpeedResult("x", 1, 1.0)
    with pytest.raises(AttributeError):
        result.seconds = 2.0  # type: ignore[misc]


def test_measure_speeds_measures_for_real_and_fast() -> None:
    session_keys._measurement_rsa_key.cache_clear()  # the worst case: the key is made too
    start = time.perf_counter()
    results = measure_speeds()
    elapsed = time.perf_counter() - start
    assert elapsed < 1.5
    speeds = {result.operation: result for result in results}
    assert set(speeds) == {
        "AES-256-GCM seal",
        "RSA-2048 OAEP encrypt",
        "RSA-2048 OAEP decrypt",
        "X25519 agreement",
    }
    assert all(r.bytes_processed > 0 and r.seconds > 0 for r in results)
    assert all(r.megabytes_per_second > 0 for r in results)
    aes = speeds["AES-256-GCM seal"].megabytes_per_second
    assert aes > 10 * speeds["RSA-2048 OAEP encrypt"].megabytes_per_second
    assert aes > 100 * speeds["RSA-2048 OAEP decrypt"].megabytes_per_second
    assert speeds["RSA-2048 OAEP encrypt"].bytes_processed % 190 == 0
    assert speeds["X25519 agreement"].bytes_processed % 32 == 0


def test_a_smaller_budget_finishes_sooner_but_still_measures_each_operation() -> None:
    start = time.perf_counter()
    results = measure_speeds(budget_seconds=0.0)
    assert time.perf_counter() - start < 0.5
    assert len(results) == 4
    assert all(r.bytes_processed > 0 and r.seconds > 0 for r in results)


def test_importing_the_module_makes_no_keys() -> None:
    code = (
        "import pkicourse.session_keys as s; "
        "assert s._measurement_rsa_key.cache_info().currsize == 0"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# --- str mistakes, bad shares, budgets (issue 5 §6) ----------------------------------------------


def test_seal_and_open_with_str_say_encode() -> None:
    key = session_keys.new_session_key()
    with pytest.raises(NotBytesError, match=r"\.encode\(\)"):
        session_keys.seal(key, "hello")  # type: ignore[arg-type]
    with pytest.raises(NotBytesError, match="associated_data"):
        session_keys.seal(key, b"hello", "header")  # type: ignore[arg-type]
    sealed = session_keys.seal(key, b"hello", b"header")
    with pytest.raises(NotBytesError):
        session_keys.open_sealed(key, sealed.hex())  # type: ignore[arg-type]
    with pytest.raises(NotBytesError, match="associated_data"):
        session_keys.open_sealed(key, sealed, "header")  # type: ignore[arg-type]
    assert session_keys.open_sealed(key, sealed, b"header") == b"hello"


def test_wrap_and_unwrap_refuse_str() -> None:
    server = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(WrongKeyTypeError):
        session_keys.wrap_session_key(server.public_key(), "k" * 32)  # type: ignore[arg-type]
    with pytest.raises(NotBytesError):
        session_keys.unwrap_session_key(server, "x" * 256)  # type: ignore[arg-type]


def test_an_all_zero_x25519_share_is_refused() -> None:
    zero = x25519.X25519PublicKey.from_public_bytes(bytes(32))
    with pytest.raises(KeyAgreementError, match="low-order"):
        session_keys.derive_session_key(session_keys.new_ephemeral_key(), zero)


def test_a_real_x25519_share_is_accepted() -> None:
    ours, theirs = session_keys.new_ephemeral_key(), session_keys.new_ephemeral_key()
    mine = session_keys.derive_session_key(ours, theirs.public_key())
    assert mine == session_keys.derive_session_key(theirs, ours.public_key())


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"info": "label"}, NotBytesError),
        ({"info": None}, NotBytesError),
        ({"length": "32"}, ArgumentError),
        ({"length": 32.0}, ArgumentError),
        ({"length": 0}, ArgumentError),
        ({"length": 10**6}, ArgumentError),
        ({"length": True}, ArgumentError),
    ],
)
def test_hkdf_info_and_length_are_checked(kwargs: dict[str, object], error: type) -> None:
    ours, theirs = session_keys.new_ephemeral_key(), session_keys.new_ephemeral_key()
    with pytest.raises(error):
        session_keys.derive_session_key(ours, theirs.public_key(), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("budget", [float("inf"), float("nan"), -1, 1e300, "0.6", None, True])
def test_measure_speeds_refuses_budgets_that_never_end(budget: object) -> None:
    with pytest.raises(ArgumentError, match="budget_seconds"):
        session_keys.measure_speeds(budget_seconds=budget)  # type: ignore[arg-type]


def test_measure_speeds_with_zero_budget_returns_quickly() -> None:
    start = time.perf_counter()
    results = session_keys.measure_speeds(budget_seconds=0)
    assert len(results) == 4 and time.perf_counter() - start < 5


def test_new_session_key_refuses_a_float_size() -> None:
    with pytest.raises(UnknownKeyTypeError):
        session_keys.new_session_key(256.0)  # type: ignore[arg-type]
