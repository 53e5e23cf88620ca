"""Public-key encryption and signatures, the way lesson 01-asymmetric-keys teaches them.

The note's picture is a padlock: the *public key* is an open lock anyone can snap shut, the
*private key* is the only key that opens it. In code:

1. Anyone locks a short message with your public key: :func:`encrypt` (RSA-OAEP).
2. Only you open it, with your private key: :func:`decrypt`.
3. The note's "lock with the private key, anyone opens with the public key" is really a
   *signature*: :func:`sign` (private key) and :func:`verify` (public key), with RSA-PSS,
   ECDSA or Ed25519. Verifying opens nothing: it checks that the signature fits the message.
   Only RSA's bare arithmetic runs both ways.
4. :class:`TextbookRSA` shows both directions of that arithmetic with small numbers and ``pow``.

.. warning::
   FOR LEARNING ONLY — never use textbook RSA for real data (no padding: deterministic,
   malleable, and its "signatures" can be forged). :class:`TextbookRSA` exists to show the
   arithmetic; :func:`encrypt` and :func:`sign` are what real code does.

:data:`SIGNATURE_SCHEMES` is the course's table of which signature goes with which key, by
the TLS 1.3 names of RFC 8446 §4.2.3. For EC keys TLS 1.3 ties the hash to the curve (P-256
with SHA-256, P-384 with SHA-384); RSA keys may use PSS with SHA-256, -384 or -512, and this
course uses SHA-256. RSA-2048 is acceptable through 2030 (NIST SP
800-57 Part 1 Rev. 5); use 3072 bits for keys meant to last beyond.

Each ``openssl_*_command`` function returns the ``openssl`` command that does the same thing
and interoperates with the Python function (same padding, same hash).
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from typing import NamedTuple, TypeAlias

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from pkicourse.errors import (
    DecryptionError,
    MessageTooLongError,
    NotBytesError,
    SignatureMismatchError,
    TextbookRSAError,
    UnknownKeyTypeError,
    WrongKeyTypeError,
)
from pkicourse.keys import (
    _PRIVATE_KEY_CLASSES,
    _PUBLIC_KEY_CLASSES,
    PrivateKey,
    PublicKey,
    _quote,
)

__all__ = [
    "SIGNATURE_SCHEMES",
    "SignatureScheme",
    "TextbookRSA",
    "decrypt",
    "encrypt",
    "is_valid_signature",
    "max_plaintext_size",
    "openssl_decrypt_command",
    "openssl_encrypt_command",
    "openssl_sign_command",
    "openssl_verify_command",
    "sign",
    "textbook_rsa",
    "verify",
]

StrPath: TypeAlias = "str | os.PathLike[str]"

# RSA-OAEP with SHA-256 for the label hash and for MGF1: what TLS-era tools call "OAEP-SHA256".
_OAEP = padding.OAEP(
    mgf=padding.MGF1(algorithm=hashes.SHA256()),
    algorithm=hashes.SHA256(),
    label=None,
)
# RSA-PSS as TLS 1.3's rsa_pss_rsae_sha256 (RFC 8446 §4.2.3): SHA-256, MGF1 with SHA-256, and
# salt length = digest length (32 bytes), openssl's "rsa_pss_saltlen:digest".
_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)
_SHA256 = hashes.SHA256()
# ECDSA hashes with the hash that matches the curve's size: P-256 SHA-256, P-384 SHA-384 (TLS 1.3
# ecdsa_secp384r1_sha384; CA/B Forum baseline requirements 7.1.3.2), P-521 SHA-512.
_ECDSA_BY_CURVE_BITS = (
    (256, ec.ECDSA(hashes.SHA256())),
    (384, ec.ECDSA(hashes.SHA384())),
    (521, ec.ECDSA(hashes.SHA512())),
)


class SignatureScheme(NamedTuple):
    """How one key type signs: the algorithm, its hash, and the TLS 1.3 SignatureScheme name."""

    algorithm: str
    hash: str | None
    tls13_name: str


_RSA_PSS = SignatureScheme("RSA-PSS (MGF1-SHA-256, 32-byte salt)", "SHA-256", "rsa_pss_rsae_sha256")
#: Key type -> how :func:`sign` signs with it (RFC 8446 §4.2.3). Ed25519 hashes inside itself.
SIGNATURE_SCHEMES: dict[str, SignatureScheme] = {
    "rsa-2048": _RSA_PSS,
    "rsa-3072": _RSA_PSS,
    "rsa-4096": _RSA_PSS,
    "ec-p256": SignatureScheme("ECDSA", "SHA-256", "ecdsa_secp256r1_sha256"),
    "ec-p384": SignatureScheme("ECDSA", "SHA-384", "ecdsa_secp384r1_sha384"),
    "ed25519": SignatureScheme("Ed25519", None, "ed25519"),
}

_KEY_NAMES: tuple[tuple[type, str], ...] = (
    (rsa.RSAPrivateKey, "an RSA private key"),
    (rsa.RSAPublicKey, "an RSA public key"),
    (ec.EllipticCurvePrivateKey, "an EC private key"),
    (ec.EllipticCurvePublicKey, "an EC public key"),
    (ed25519.Ed25519PrivateKey, "an Ed25519 private key"),
    (ed25519.Ed25519PublicKey, "an Ed25519 public key"),
)
_SIGNING_ONLY = (
    ec.EllipticCurvePrivateKey,
    ec.EllipticCurvePublicKey,
    ed25519.Ed25519PrivateKey,
    ed25519.Ed25519PublicKey,
)


def _describe(key: object) -> str:
    for key_class, name in _KEY_NAMES:
        if isinstance(key, key_class):
            return name
    return f"a {type(key).__name__}"


# --- Encryption: anyone locks with the public key, only the owner unlocks -------------------


def _rsa_public_key(key: object, action: str) -> rsa.RSAPublicKey:
    if isinstance(key, rsa.RSAPublicKey):
        return key
    if isinstance(key, _SIGNING_ONLY):
        raise WrongKeyTypeError(
            f"{action} needs an RSA key, but this is {_describe(key)}. EC and Ed25519 keys sign; "
            "they do not encrypt. Use an RSA key, or let two parties agree on a shared key "
            "with X25519 (lesson 02: pkicourse.session_keys.derive_session_key)."
        )
    if isinstance(key, rsa.RSAPrivateKey):
        raise WrongKeyTypeError(
            f"{action} takes the recipient's public key, but this is a private key. "
            "Pass key.public_key() instead: the private key never leaves its owner."
        )
    raise WrongKeyTypeError(f"{action} needs an RSA public key, not {_describe(key)}.")


def _rsa_private_key(key: object) -> rsa.RSAPrivateKey:
    if isinstance(key, rsa.RSAPrivateKey):
        return key
    if isinstance(key, _SIGNING_ONLY):
        raise WrongKeyTypeError(
            f"decrypt() needs an RSA private key, but this is {_describe(key)}. "
            "EC and Ed25519 keys sign; they do not encrypt or decrypt."
        )
    if isinstance(key, rsa.RSAPublicKey):
        raise WrongKeyTypeError(
            "decrypt() needs the private key, but this is the public key. The public key only "
            "locks; only the owner's private key opens what it locked."
        )
    raise WrongKeyTypeError(f"decrypt() needs an RSA private key, not {_describe(key)}.")


def _require_bytes(value: object, name: str, function_name: str) -> None:
    """A course error when ``value`` is not bytes-like; called only after a failure."""
    if isinstance(value, bytes):
        return
    if isinstance(value, (bytearray, memoryview)):
        raise NotBytesError(
            f"{function_name}: {name} must be bytes, not {type(value).__name__}: "
            f"pass bytes({name})."
        )
    if isinstance(value, str):
        raise NotBytesError(
            f"{function_name}: {name} must be bytes, not str: write b'...' or "
            f"{name}.encode() (text becomes bytes in UTF-8)."
        )
    raise NotBytesError(
        f"{function_name}: {name} must be bytes, not {type(value).__name__}. Write b'...', "
        f"or turn text into bytes with .encode()."
    )


def max_plaintext_size(public_key: PublicKey) -> int:
    """How many bytes one RSA-OAEP-SHA256 block can carry: 190 for a 2048-bit key.

    The formula is ``k - 2*32 - 2``, where ``k`` is the key size in bytes and 32 is the
    SHA-256 digest size (OAEP spends two digests and two bytes on its padding). A key of
    528 bits or fewer carries nothing: the result is then 0, never negative.
    Lesson 01-asymmetric-keys.
    """
    return _oaep_limit(_rsa_public_key(public_key, "max_plaintext_size()"))


def _oaep_limit(key: rsa.RSAPublicKey) -> int:
    return max(0, (key.key_size + 7) // 8 - 2 * hashes.SHA256.digest_size - 2)


def encrypt(public_key: PublicKey, plaintext: bytes) -> bytes:
    """Lock ``plaintext`` with the recipient's RSA public key (RSA-OAEP, MGF1-SHA256, SHA-256).

    Anyone with the public key can do this; only the matching private key opens the result.
    OAEP adds randomness, so encrypting the same message twice gives different ciphertexts.
    Lesson 01-asymmetric-keys.

    Raises:
        MessageTooLongError: the message does not fit in one block (see :func:`max_plaintext_size`).
        WrongKeyTypeError: an EC or Ed25519 key, or a private key instead of the public one.
        NotBytesError: text (``str``) instead of bytes: ``.encode()`` it.
    """
    try:  # the checks below run only when cryptography refuses: no cost when all is well
        return public_key.encrypt(plaintext, _OAEP)  # type: ignore[union-attr]
    except (AttributeError, TypeError, ValueError):
        key = _rsa_public_key(public_key, "encrypt()")  # an EC, Ed25519 or private key?
        _require_bytes(plaintext, "plaintext", "encrypt()")
        limit = _oaep_limit(key)
        if len(plaintext) <= limit:
            raise
    raise MessageTooLongError(
        f"{len(plaintext)} bytes given, but an RSA-{key.key_size} key with OAEP-SHA256 "
        f"carries at most {limit} bytes. That limit, and RSA's slowness, are why TLS 1.2's "
        "RSA suites encrypted only a short secret with RSA, and the data itself with AES "
        "(lesson 02-session-keys)."
    )


def decrypt(private_key: PrivateKey, ciphertext: bytes) -> bytes:
    """Open a ciphertext made by :func:`encrypt`, with the RSA private key.

    Lesson 01-asymmetric-keys.

    Raises:
        DecryptionError: the wrong private key, or the ciphertext was altered. RSA-OAEP cannot
            tell which, and that is by design: telling would help an attacker.
        WrongKeyTypeError: a public key, or an EC / Ed25519 key.
        NotBytesError: the ciphertext is not bytes.
    """
    key = _rsa_private_key(private_key)
    _require_bytes(ciphertext, "ciphertext", "decrypt()")
    key_bytes = (key.key_size + 7) // 8
    if len(ciphertext) != key_bytes:
        raise DecryptionError(
            f"the ciphertext is {len(ciphertext)} bytes, but an RSA-{key.key_size} ciphertext "
            f"is always {key_bytes} bytes: check that it is complete and meant for this key."
        )
    try:
        return key.decrypt(ciphertext, _OAEP)
    except ValueError:
        raise DecryptionError(
            "decryption failed: either this is the wrong private key, or the ciphertext was "
            "altered. RSA-OAEP cannot tell which, and that is by design. Check that the "
            "message was locked with this key's public key and arrived unchanged."
        ) from None


# --- Signatures: the owner signs with the private key, anyone verifies ------------------------


def _ecdsa_for(curve: ec.EllipticCurve) -> ec.ECDSA:
    """ECDSA with the hash that matches the curve: SHA-256 for P-256, SHA-384 for P-384."""
    for bits, algorithm in _ECDSA_BY_CURVE_BITS:
        if curve.key_size <= bits:
            return algorithm
    return _ECDSA_BY_CURVE_BITS[-1][1]


def sign(private_key: PrivateKey, message: bytes) -> bytes:
    """Sign ``message`` as TLS 1.3 does for the key's type (see :data:`SIGNATURE_SCHEMES`).

    RSA: RSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt (``rsa_pss_rsae_sha256``).
    EC: ECDSA with SHA-256 on P-256, SHA-384 on P-384, SHA-512 on P-521. Ed25519: no
    separate hash. Only the private key's owner can make the signature; anyone with the
    public key checks it with :func:`verify`. This replaces the note's "encrypt with your
    private key and anyone can decrypt". Lesson 01-asymmetric-keys.

    Raises:
        WrongKeyTypeError: a public key (signing needs the private one), or another key kind.
        NotBytesError: text (``str``) instead of bytes: ``.encode()`` it.
    """
    try:  # fastest algorithm first: an isinstance check costs much of an Ed25519 signature
        if isinstance(private_key, ed25519.Ed25519PrivateKey):
            return private_key.sign(message)
        if isinstance(private_key, ec.EllipticCurvePrivateKey):
            return private_key.sign(message, _ecdsa_for(private_key.curve))
        if isinstance(private_key, rsa.RSAPrivateKey):
            return private_key.sign(message, _PSS, _SHA256)
    except TypeError:
        _require_bytes(message, "message", "sign()")
        raise
    if isinstance(private_key, _PUBLIC_KEY_CLASSES):
        raise WrongKeyTypeError(
            f"sign() needs the private key, but this is {_describe(private_key)}. Only the "
            "owner can sign; everyone else verifies with the public key."
        )
    raise WrongKeyTypeError(
        f"sign() needs an RSA, EC or Ed25519 private key, not {_describe(private_key)}."
    )


def _check_signature(public_key: PublicKey, message: bytes, signature: bytes) -> None:
    if isinstance(public_key, ed25519.Ed25519PublicKey):  # fastest first, as in sign()
        public_key.verify(signature, message)
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        public_key.verify(signature, message, _ecdsa_for(public_key.curve))
    elif isinstance(public_key, rsa.RSAPublicKey):
        public_key.verify(signature, message, _PSS, _SHA256)
    elif isinstance(public_key, _PRIVATE_KEY_CLASSES):
        raise WrongKeyTypeError(
            f"verify() takes the signer's public key, but this is {_describe(public_key)}. "
            "Pass key.public_key() instead."
        )
    else:
        raise WrongKeyTypeError(
            f"verify() needs an RSA, EC or Ed25519 public key, not {_describe(public_key)}."
        )


def verify(public_key: PublicKey, message: bytes, signature: bytes) -> None:
    """Check a signature made by :func:`sign`; return ``None`` when it matches.

    Same scheme and hash as :func:`sign` (SHA-384 for P-384 keys). Lesson 01-asymmetric-keys.

    Raises:
        SignatureMismatchError: the message, the signature or the key differs from what was
            signed. Any single changed bit is enough.
        WrongKeyTypeError: a private key (pass ``key.public_key()``), or another key kind.
        NotBytesError: a message or signature that is not bytes (``.encode()`` text).
    """
    try:
        _check_signature(public_key, message, signature)
    except InvalidSignature:
        raise SignatureMismatchError(
            "the signature does not match: the message, the signature or the key differs from "
            "what was signed. Check that you use the signer's public key and the exact bytes "
            "that were signed."
        ) from None
    except TypeError:
        _require_bytes(message, "message", "verify()")
        _require_bytes(signature, "signature", "verify()")
        raise


def is_valid_signature(public_key: PublicKey, message: bytes, signature: bytes) -> bool:
    """``True`` when :func:`verify` accepts the signature, ``False`` when it does not match.

    A wrong kind of key or a ``str`` still raises a course error. Lesson 01-asymmetric-keys.
    """
    try:
        verify(public_key, message, signature)
    except SignatureMismatchError:
        return False
    return True


# --- Textbook RSA: the arithmetic, on small numbers ------------------------------------------

_LARGEST_PRIME_CHECKED = 10**12  # trial division stays fast below this


def _smallest_factor(number: int) -> int:
    """The smallest prime factor of ``number`` (``number`` itself when it is prime)."""
    for divisor in range(2, math.isqrt(number) + 1):
        if number % divisor == 0:
            return divisor
    return number


def _check_prime(name: str, value: int) -> None:
    if not isinstance(value, int) or value < 2:
        raise TextbookRSAError(f"{name} = {value!r} must be a prime number such as 61 or 53.")
    if value >= _LARGEST_PRIME_CHECKED:
        raise TextbookRSAError(
            f"{name} = {value} is too large for textbook RSA here (it checks primes by trial "
            f"division, so keep p and q below {_LARGEST_PRIME_CHECKED:_}). "
            "Real keys come from pkicourse.keys.generate_private_key()."
        )
    factor = _smallest_factor(value)
    if factor != value:
        raise TextbookRSAError(
            f"{name} = {value} is not prime ({value} = {factor} × {value // factor}). "
            "Pick two different primes, such as 61 and 53."
        )


@dataclass(frozen=True)
class TextbookRSA:
    """RSA as arithmetic: ``pow(m, e, n)`` and ``pow(c, d, n)`` on small whole numbers.

    .. warning::
       FOR LEARNING ONLY — never use textbook RSA for real data. Without hashing and padding
       it is deterministic and malleable, and its "signatures" can be forged: anyone picks
       any ``s`` and computes ``m = pow(s, e, n)``, a valid pair nobody signed (existential
       forgery); and signatures multiply: ``s1 * s2 % n`` signs ``m1 * m2 % n``. That is why
       real signatures hash and pad (:func:`sign`).

    Either key can lock, and only the other one opens (lesson 01-asymmetric-keys)::

        >>> pair = TextbookRSA(p=61, q=53, e=17)
        >>> pair.n, pair.phi, pair.d
        (3233, 3120, 2753)
        >>> pair.lock_with_public(65)       # anyone can lock...
        2790
        >>> pair.unlock_with_private(2790)  # ...only the owner opens
        65
        >>> pair.lock_with_private(65)      # only the owner can lock this way...
        588
        >>> pair.unlock_with_public(588)    # ...anyone opens: the idea behind a signature
        65
    """

    p: int
    q: int
    e: int

    def __post_init__(self) -> None:
        _check_prime("p", self.p)
        _check_prime("q", self.q)
        if self.p == self.q:
            raise TextbookRSAError(f"p and q are both {self.p}: pick two different primes.")
        if not isinstance(self.e, int) or self.e < 2 or math.gcd(self.e, self.phi) != 1:
            raise TextbookRSAError(
                f"e = {self.e!r} does not work with phi = {self.phi}: e must be at least 2 and "
                "share no factor with phi, or d = e⁻¹ mod phi does not exist. "
                "Try 17, or 65537."
            )

    @property
    def n(self) -> int:
        """The modulus ``p * q``: part of both keys. Messages are numbers 0 ... n - 1."""
        return self.p * self.q

    @property
    def phi(self) -> int:
        """Euler's totient ``(p - 1) * (q - 1)``: secret, because only the owner knows p and q."""
        return (self.p - 1) * (self.q - 1)

    @property
    def d(self) -> int:
        """The private exponent, ``e⁻¹ mod phi``: ``(e * d) % phi == 1``."""
        return pow(self.e, -1, self.phi)

    def _check_number(self, name: str, value: int) -> None:
        if not isinstance(value, int) or value < 0:
            raise TextbookRSAError(
                f"{name} = {value!r}: textbook RSA works on whole numbers 0 ... {self.n - 1}. "
                "Turn text into a number first, e.g. ord('A') or int.from_bytes(b'hi', 'big')."
            )
        if value >= self.n:
            raise MessageTooLongError(
                f"{name} = {value} is not smaller than n = {self.n}, so it would not come back "
                "unchanged. Use a smaller number or bigger primes; real RSA has the same "
                "limit (see max_plaintext_size)."
            )

    def lock_with_public(self, m: int) -> int:
        """Encrypt: ``pow(m, e, n)``. Anyone can do it; only :meth:`unlock_with_private` opens."""
        self._check_number("m", m)
        return pow(m, self.e, self.n)

    def unlock_with_private(self, c: int) -> int:
        """Decrypt: ``pow(c, d, n)``. Only the owner knows d."""
        self._check_number("c", c)
        return pow(c, self.d, self.n)

    def lock_with_private(self, m: int) -> int:
        """ "Sign": ``pow(m, d, n)``. Anyone opens the result with the public key.

        Not proof of who signed: without hashing and padding anyone can make a valid pair by
        picking ``s`` and computing ``m = pow(s, e, n)`` (see the class warning).
        """
        self._check_number("m", m)
        return pow(m, self.d, self.n)

    def unlock_with_public(self, c: int) -> int:
        """Check: ``pow(c, e, n)``. Anyone can do it (for textbook RSA this proves little)."""
        self._check_number("c", c)
        return pow(c, self.e, self.n)


def textbook_rsa(p: int = 61, q: int = 53, e: int = 17) -> TextbookRSA:
    """The classic small example: n = 3233, d = 2753. FOR LEARNING ONLY (lesson 01)."""
    return TextbookRSA(p=p, q=q, e=e)


# --- The same with the openssl command line ---------------------------------------------------

_OAEP_OPTIONS = (
    "-pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256"
)
_PSS_OPTIONS = "-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest"


# openssl's digest option for each curve: the hash sign() uses (see SIGNATURE_SCHEMES).
_OPENSSL_EC_DIGESTS = {"ec-p256": "-sha256", "ec-p384": "-sha384", "ec-p521": "-sha512"}


def _openssl_scheme(key_type: object) -> tuple[str, str]:
    """("rsa" | "ec" | "ed25519", openssl's digest option) for a key type name, as sign() signs.

    UnknownKeyTypeError for anything else, "ec" included: the hash depends on the curve.
    """
    name = key_type.strip().lower() if isinstance(key_type, str) else ""
    if name == "rsa" or re.fullmatch(r"rsa-[0-9]{3,5}", name):
        return "rsa", "-sha256"
    if name in _OPENSSL_EC_DIGESTS:
        return "ec", _OPENSSL_EC_DIGESTS[name]
    if name == "ed25519":
        return "ed25519", ""
    if name == "ec":
        raise UnknownKeyTypeError(
            "key_type 'ec' does not say which curve, and the hash depends on it: "
            "'ec-p256' signs with SHA-256, 'ec-p384' with SHA-384. Use keys.key_type_of(key)."
        )
    raise UnknownKeyTypeError(
        f"unknown key type {key_type!r}: use one of {', '.join(SIGNATURE_SCHEMES)} "
        "(keys.key_type_of(key) gives it), or 'rsa' for any RSA key."
    )


def openssl_encrypt_command(public_path: StrPath, infile: StrPath, outfile: StrPath) -> str:
    """The ``openssl`` command that does what :func:`encrypt` does (lesson 01)."""
    return (
        f"openssl pkeyutl -encrypt -pubin -inkey {_quote(public_path)} "
        f"-in {_quote(infile)} -out {_quote(outfile)} {_OAEP_OPTIONS}"
    )


def openssl_decrypt_command(key_path: StrPath, infile: StrPath, outfile: StrPath) -> str:
    """The ``openssl`` command that does what :func:`decrypt` does (lesson 01)."""
    return (
        f"openssl pkeyutl -decrypt -inkey {_quote(key_path)} "
        f"-in {_quote(infile)} -out {_quote(outfile)} {_OAEP_OPTIONS}"
    )


def openssl_sign_command(
    key_path: StrPath, infile: StrPath, sigfile: StrPath, *, key_type: str = "rsa"
) -> str:
    """The ``openssl`` command that does what :func:`sign` does (lesson 01).

    ``key_type`` (``keys.key_type_of(key)``) picks the algorithm and hash, as in
    :data:`SIGNATURE_SCHEMES`: ``"rsa-2048"`` (PSS, ``-sha256``), ``"ec-p256"`` (``-sha256``),
    ``"ec-p384"`` (``-sha384``), ``"ed25519"`` (signs the raw message, OpenSSL 3's
    ``-rawin``). openssl asks for an encrypted key's passphrase at its prompt (in a script:
    ``-passin env:VAR`` or ``file:PATH``, never ``pass:``, which ``ps`` shows).
    """
    key, message, signature = _quote(key_path), _quote(infile), _quote(sigfile)
    family, digest = _openssl_scheme(key_type)
    if family == "ed25519":
        return f"openssl pkeyutl -sign -rawin -inkey {key} -in {message} -out {signature}"
    options = f" {_PSS_OPTIONS}" if family == "rsa" else ""
    return f"openssl dgst {digest} -sign {key}{options} -out {signature} {message}"


def openssl_verify_command(
    public_path: StrPath, infile: StrPath, sigfile: StrPath, *, key_type: str = "rsa"
) -> str:
    """The ``openssl`` command that does what :func:`verify` does (lesson 01).

    Same ``key_type`` names and hashes as :func:`openssl_sign_command` (``-sha384`` for
    ``"ec-p384"``). It prints "Verified OK" (or "Signature Verified Successfully" for
    Ed25519) and exits 0 when the signature matches, 1 when it does not.
    """
    key, message, signature = _quote(public_path), _quote(infile), _quote(sigfile)
    family, digest = _openssl_scheme(key_type)
    if family == "ed25519":
        return (
            f"openssl pkeyutl -verify -rawin -pubin -inkey {key} -in {message} -sigfile {signature}"
        )
    options = f" {_PSS_OPTIONS}" if family == "rsa" else ""
    return f"openssl dgst {digest} -verify {key}{options} -signature {signature} {message}"
