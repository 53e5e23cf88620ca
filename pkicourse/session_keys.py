"""Session keys: how TLS uses both kinds of encryption, as lesson 02-session-keys teaches it.

The note's story (TLS 1.2's ``TLS_RSA_*`` cipher suites, "RSA key transport"):

1. The browser makes a random symmetric *session key*: :func:`new_session_key`.
2. It locks the session key with the server's RSA public key: :func:`wrap_session_key`.
3. The server opens it with its private key: :func:`unwrap_session_key`.
4. Both sides protect the data with the fast symmetric key: :func:`seal` / :func:`open_sealed`
   (AES-GCM).

The modern truth (TLS 1.3): nobody sends the session key. Each side makes a throw-away
(ephemeral) X25519 key pair, they swap public keys, and both *derive* the same session key:
:func:`new_ephemeral_key`, :func:`derive_session_key`. :func:`measure_speeds` shows why the
data itself never goes through RSA.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from pkicourse.asymmetric import _require_bytes, decrypt, encrypt
from pkicourse.errors import (
    ArgumentError,
    DecryptionError,
    KeyAgreementError,
    UnknownKeyTypeError,
    WrongKeyTypeError,
)
from pkicourse.keys import PrivateKey, PublicKey

__all__ = [
    "SpeedResult",
    "derive_session_key",
    "measure_speeds",
    "new_ephemeral_key",
    "new_session_key",
    "open_sealed",
    "seal",
    "unwrap_session_key",
    "wrap_session_key",
]

_AES_KEY_BITS = (128, 192, 256)
_NONCE_SIZE = 12  # bytes: the size GCM is designed for
_TAG_SIZE = 16  # bytes: GCM's authentication tag
_HKDF_SHA256_MAX = 255 * 32  # bytes: the most HKDF-SHA256 can derive (RFC 5869)
_MAX_BUDGET_SECONDS = 60.0


# --- The symmetric part: one session key protects all the data ------------------------------


def new_session_key(bits: int = 256) -> bytes:
    """A fresh random AES key of 128, 192 or 256 bits (16, 24 or 32 bytes).

    Lesson 02-session-keys. Raises UnknownKeyTypeError for any other size.
    """
    if type(bits) is not int or bits not in _AES_KEY_BITS:
        raise UnknownKeyTypeError(
            f"AES keys are 128, 192 or 256 bits, not {bits!r}. Use new_session_key(256)."
        )
    return AESGCM.generate_key(bit_length=bits)


def _aesgcm(session_key: bytes) -> AESGCM:
    if not isinstance(session_key, bytes):
        raise WrongKeyTypeError(
            f"a session key is 16, 24 or 32 random bytes, not {type(session_key).__name__}. "
            "Make one with new_session_key()."
        )
    if len(session_key) * 8 not in _AES_KEY_BITS:
        raise UnknownKeyTypeError(
            f"this session key is {len(session_key)} bytes; AES keys are 16, 24 or 32 bytes. "
            "Make one with new_session_key()."
        )
    return AESGCM(session_key)


def seal(session_key: bytes, plaintext: bytes, associated_data: bytes | None = None) -> bytes:
    """Encrypt and authenticate with AES-GCM; returns ``nonce (12) || ciphertext || tag (16)``.

    Every call draws a fresh random 12-byte nonce. Never reuse a nonce with the same key:
    two messages under one (key, nonce) pair leak the XOR of their plaintexts, and let an
    attacker recover GCM's authentication key and forge messages. ``associated_data`` is
    authenticated but not encrypted (TLS puts its record header there). Lesson 02-session-keys.
    """
    nonce = os.urandom(_NONCE_SIZE)
    aesgcm = _aesgcm(session_key)
    try:  # the types are checked only when AES-GCM refuses them: no cost when all is well
        return nonce + aesgcm.encrypt(nonce, plaintext, associated_data)
    except TypeError:
        _check_data(plaintext, associated_data, "seal()", "plaintext")
        raise


def open_sealed(session_key: bytes, sealed: bytes, associated_data: bytes | None = None) -> bytes:
    """Check and decrypt what :func:`seal` made. Lesson 02-session-keys.

    Raises:
        DecryptionError: the wrong session key, a changed byte anywhere, different associated
            data, or a truncated blob. GCM does not say which: check all four.
    """
    aesgcm = _aesgcm(session_key)
    _check_data(sealed, associated_data, "open_sealed()", "sealed")
    if len(sealed) < _NONCE_SIZE + _TAG_SIZE:
        raise DecryptionError(
            f"the sealed data is {len(sealed)} bytes, shorter than a nonce and a tag "
            f"({_NONCE_SIZE + _TAG_SIZE} bytes): it was truncated. Pass the whole output of seal()."
        )
    nonce, ciphertext = sealed[:_NONCE_SIZE], sealed[_NONCE_SIZE:]
    try:
        return aesgcm.decrypt(nonce, ciphertext, associated_data)
    except InvalidTag:
        raise DecryptionError(
            "the authentication tag does not match. Check that the session key is the one "
            "used to seal, that the associated data is the same, and that the sealed bytes "
            "arrived complete and unchanged."
        ) from None


def _check_data(data: object, associated_data: object, function_name: str, name: str) -> None:
    """A course error when the data or the associated data is not bytes."""
    _require_bytes(data, name, function_name)
    if associated_data is not None:
        _require_bytes(associated_data, "associated_data", function_name)


# --- The note's story: RSA key transport (TLS 1.2 TLS_RSA_*) ----------------------------------


def wrap_session_key(server_public_key: PublicKey, session_key: bytes) -> bytes:
    """The browser locks the session key with the server's RSA public key (RSA-OAEP).

    This is the note's story, and what TLS 1.2's ``TLS_RSA_*`` cipher suites did. TLS 1.3
    removed it: anyone who records the traffic and later steals the server's private key can
    unwrap every recorded session key (no forward secrecy). Lesson 02-session-keys.
    """
    _aesgcm(session_key)  # only real AES keys travel this way
    return encrypt(server_public_key, session_key)


def unwrap_session_key(server_private_key: PrivateKey, wrapped: bytes) -> bytes:
    """The server opens the wrapped session key with its private key. Lesson 02-session-keys.

    Raises DecryptionError for the wrong private key or an altered wrapped key.
    """
    session_key = decrypt(server_private_key, wrapped)
    if len(session_key) * 8 not in _AES_KEY_BITS:
        raise DecryptionError(
            f"this opened to {len(session_key)} bytes, not a 16, 24 or 32-byte AES key: it was "
            "not made by wrap_session_key(). Wrap a key from new_session_key()."
        )
    return session_key


# --- The modern truth: ephemeral key agreement (TLS 1.3) --------------------------------------


def new_ephemeral_key() -> x25519.X25519PrivateKey:
    """A throw-away X25519 key pair for one handshake. Lesson 02-session-keys."""
    return x25519.X25519PrivateKey.generate()


def derive_session_key(
    own_private: x25519.X25519PrivateKey,
    peer_public: x25519.X25519PublicKey,
    *,
    info: bytes = b"pkicourse session key",
    length: int = 32,
) -> bytes:
    """Agree on a session key: X25519 gives both sides the same secret, HKDF-SHA256 shapes it.

    The browser calls it with its private key and the server's public key, the server with
    its private key and the browser's public key: both get the same bytes, and the key never
    crosses the network. The ephemeral keys are thrown away after the handshake, so a
    server key stolen later cannot recover recorded sessions: forward secrecy. (TLS 1.2's
    ECDHE suites had it already; TLS 1.3 made it mandatory, except where both sides choose the
    PSK-only mode psk_ke; 0-RTT early data is never forward secret.)
    ``info`` is bytes; ``length`` is 16 ... 8160 bytes. Lesson 02-session-keys.

    Raises:
        KeyAgreementError: a peer share such as all zeros (a low-order point) that would give
            an all-zero secret anyone can compute: abort the handshake.
        WrongKeyTypeError, NotBytesError, ArgumentError: wrong keys, ``info`` or ``length``.
    """
    if type(info) is not bytes:
        _require_bytes(info, "info", "derive_session_key()")
    if type(length) is not int or not 16 <= length <= _HKDF_SHA256_MAX:
        raise ArgumentError(
            f"length is the session key's size in bytes, a whole number from 16 to "
            f"{_HKDF_SHA256_MAX} (you gave {type(length).__name__} {length!r}). Use 32 for AES-256."
        )
    try:  # checked only when it fails: the happy path costs nothing extra
        shared_secret = own_private.exchange(peer_public)
    except (AttributeError, TypeError):
        raise _agreement_error(own_private, peer_public) from None
    except ValueError:  # cryptography refuses an all-zero shared secret
        raise KeyAgreementError(
            "the peer's X25519 public key is a low-order point (such as 32 zero bytes): the "
            "shared secret would be all zeros, which an attacker knows too. Abort the handshake; "
            "a real peer sends a share from new_ephemeral_key().public_key()."
        ) from None
    hkdf = HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=bytes(info))
    return hkdf.derive(shared_secret)


def _agreement_error(own_private: object, peer_public: object) -> WrongKeyTypeError:
    """Which of the two keys given to derive_session_key is not what it should be."""
    if not isinstance(own_private, x25519.X25519PrivateKey):
        return WrongKeyTypeError(
            f"own_private must be your X25519 private key (new_ephemeral_key()), "
            f"not {type(own_private).__name__}."
        )
    if isinstance(peer_public, x25519.X25519PrivateKey):
        return WrongKeyTypeError(
            "peer_public is a private key, but each side only ever sends its public key. "
            "Pass peer_key.public_key()."
        )
    return WrongKeyTypeError(
        f"peer_public must be the other side's X25519 public key, not {type(peer_public).__name__}."
    )


# --- Why the data never goes through RSA: measured speeds -------------------------------------


@dataclass(frozen=True)
class SpeedResult:
    """One measured operation: how many bytes it processed in how many seconds (lesson 02)."""

    operation: str
    bytes_processed: int
    seconds: float

    @property
    def megabytes_per_second(self) -> float:
        """Throughput in MB/s (1 MB = 1,000,000 bytes)."""
        return self.bytes_processed / self.seconds / 1_000_000


@functools.cache
def _measurement_rsa_key() -> rsa.RSAPrivateKey:
    """The RSA-2048 key measure_speeds uses: made on first use, never at import."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _time(
    operation: str, bytes_per_call: int, call: Callable[[], object], seconds: float
) -> SpeedResult:
    """Repeat ``call`` for about ``seconds`` (at least once) and count the bytes it handled."""
    calls = 0
    start = now = time.perf_counter()
    while calls == 0 or now - start < seconds:
        call()
        calls += 1
        now = time.perf_counter()
    return SpeedResult(operation, calls * bytes_per_call, now - start)


def measure_speeds(*, budget_seconds: float = 0.6) -> list[SpeedResult]:
    """Time AES-GCM against RSA-2048 and X25519 on this machine, within ``budget_seconds``.

    ``budget_seconds`` is a number from 0 to 60 (each operation runs at least once, so 0
    still returns a result); anything else (inf, nan, negative, text) raises ArgumentError.

    Measured for real with ``time.perf_counter``: AES-256-GCM sealing 1 MiB buffers,
    RSA-2048 OAEP encrypting and decrypting 190-byte blocks (the most one block carries),
    and X25519 agreements, each counted as the 32-byte shared secret it produces. Keys are
    made before the clock starts; the RSA key is made once, on the first call, and its time
    comes out of the budget. Lesson 02-session-keys.
    """
    _check_budget(budget_seconds)
    start = time.perf_counter()
    rsa_key = _measurement_rsa_key()
    rsa_public = rsa_key.public_key()
    block = os.urandom(190)
    wrapped = encrypt(rsa_public, block)
    session_key, buffer = new_session_key(256), os.urandom(1 << 20)
    ours, theirs = new_ephemeral_key(), new_ephemeral_key().public_key()

    share = max(budget_seconds - (time.perf_counter() - start), 0.0) / 4
    return [
        _time("AES-256-GCM seal", len(buffer), lambda: seal(session_key, buffer), share),
        _time("RSA-2048 OAEP encrypt", len(block), lambda: encrypt(rsa_public, block), share),
        _time("RSA-2048 OAEP decrypt", len(block), lambda: decrypt(rsa_key, wrapped), share),
        _time("X25519 agreement", 32, lambda: ours.exchange(theirs), share),
    ]


def _check_budget(budget_seconds: object) -> None:
    """An ArgumentError unless ``budget_seconds`` is a number of seconds from 0 to 60."""
    number = isinstance(budget_seconds, (int, float)) and not isinstance(budget_seconds, bool)
    if not number or not 0 <= budget_seconds <= _MAX_BUDGET_SECONDS:  # type: ignore[operator]
        kind = type(budget_seconds).__name__
        shown = repr(budget_seconds) if number else kind
        raise ArgumentError(
            f"budget_seconds is a time in seconds from 0 to {_MAX_BUDGET_SECONDS:.0f}, not "
            f"{shown} (inf or nan would never end). Try measure_speeds(budget_seconds=0.6)."
        )
