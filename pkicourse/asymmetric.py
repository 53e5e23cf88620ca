"""Public-key encryption and signatures, the way lesson 01-asymmetric-keys teaches them.

The note's picture is a padlock: the *public key* is an open lock anyone can snap shut, the
*private key* is the only key that opens it. In code:

1. Anyone locks a short message with your public key: :func:`encrypt` (RSA-OAEP).
2. Only you open it, with your private key: :func:`decrypt`.
3. You "lock" with your private key and anyone opens with your public key: that is a
   signature. Real libraries call it :func:`sign` and :func:`verify` (RSA-PSS, ECDSA, Ed25519).
4. :class:`TextbookRSA` shows both directions with small numbers and plain ``pow``.

.. warning::
   FOR LEARNING ONLY — never use textbook RSA for real data (no padding: deterministic,
   malleable). :class:`TextbookRSA` exists to show the arithmetic; :func:`encrypt` and
   :func:`sign` are what real code does.

Each ``openssl_*_command`` function returns the ``openssl`` command that does the same thing
and interoperates with the Python function (same padding, same hash).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import TypeAlias

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from pkicourse.errors import (
    DecryptionError,
    MessageTooLongError,
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
# RSA-PSS with salt length = digest length (32 bytes), openssl's "rsa_pss_saltlen:digest".
_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)

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


def max_plaintext_size(public_key: PublicKey) -> int:
    """How many bytes one RSA-OAEP-SHA256 block can carry: 190 for a 2048-bit key.

    The formula is ``k - 2*32 - 2``, where ``k`` is the key size in bytes and 32 is the
    SHA-256 digest size (OAEP spends two digests and two bytes on its padding).
    Lesson 01-asymmetric-keys.
    """
    return _oaep_limit(_rsa_public_key(public_key, "max_plaintext_size()"))


def _oaep_limit(key: rsa.RSAPublicKey) -> int:
    return (key.key_size + 7) // 8 - 2 * hashes.SHA256.digest_size - 2


def encrypt(public_key: PublicKey, plaintext: bytes) -> bytes:
    """Lock ``plaintext`` with the recipient's RSA public key (RSA-OAEP, MGF1-SHA256, SHA-256).

    Anyone with the public key can do this; only the matching private key opens the result.
    OAEP adds randomness, so encrypting the same message twice gives different ciphertexts.
    Lesson 01-asymmetric-keys.

    Raises:
        MessageTooLongError: the message does not fit in one block (see :func:`max_plaintext_size`).
        WrongKeyTypeError: an EC or Ed25519 key, or a private key instead of the public one.
    """
    try:  # the checks below run only when cryptography refuses: no cost when all is well
        return public_key.encrypt(plaintext, _OAEP)  # type: ignore[union-attr]
    except (AttributeError, TypeError, ValueError):
        key = _rsa_public_key(public_key, "encrypt()")  # an EC, Ed25519 or private key?
        limit = _oaep_limit(key)
        if len(plaintext) <= limit:
            raise
    raise MessageTooLongError(
        f"{len(plaintext)} bytes given, but an RSA-{key.key_size} key with OAEP-SHA256 "
        f"carries at most {limit} bytes. That limit is exactly why TLS encrypts only a "
        "short symmetric session key with RSA, and the data itself with AES "
        "(lesson 02-session-keys)."
    )


def decrypt(private_key: PrivateKey, ciphertext: bytes) -> bytes:
    """Open a ciphertext made by :func:`encrypt`, with the RSA private key.

    Lesson 01-asymmetric-keys.

    Raises:
        DecryptionError: the wrong private key, or the ciphertext was altered. RSA-OAEP cannot
            tell which, and that is by design: telling would help an attacker.
        WrongKeyTypeError: a public key, or an EC / Ed25519 key.
    """
    key = _rsa_private_key(private_key)
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


# --- Signatures: the owner "locks" with the private key, anyone checks -----------------------


def sign(private_key: PrivateKey, message: bytes) -> bytes:
    """Sign ``message``: RSA-PSS-SHA256 (salt = 32 bytes), ECDSA-SHA256, or Ed25519.

    Only the private key's owner can make the signature; anyone with the public key can check
    it with :func:`verify`. This is the real form of the note's "encrypt with your private key
    and anyone can decrypt". Lesson 01-asymmetric-keys.

    Raises:
        WrongKeyTypeError: a public key (signing needs the private one), or another key kind.
    """
    # Fastest algorithm first: an isinstance check costs more than 5 % of an Ed25519 signature.
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        return private_key.sign(message)
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        return private_key.sign(message, ec.ECDSA(hashes.SHA256()))
    if isinstance(private_key, rsa.RSAPrivateKey):
        return private_key.sign(message, _PSS, hashes.SHA256())
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
        public_key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
    elif isinstance(public_key, rsa.RSAPublicKey):
        public_key.verify(signature, message, _PSS, hashes.SHA256())
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

    Lesson 01-asymmetric-keys.

    Raises:
        SignatureMismatchError: the message, the signature or the key differs from what was
            signed. Any single changed bit is enough.
        WrongKeyTypeError: a private key (pass ``key.public_key()``), or another key kind.
    """
    try:
        _check_signature(public_key, message, signature)
    except InvalidSignature:
        raise SignatureMismatchError(
            "the signature does not match: the message, the signature or the key differs from "
            "what was signed. Check that you use the signer's public key and the exact bytes "
            "that were signed."
        ) from None


def is_valid_signature(public_key: PublicKey, message: bytes, signature: bytes) -> bool:
    """``True`` when :func:`verify` accepts the signature, ``False`` when it does not match.

    A wrong kind of key still raises WrongKeyTypeError. Lesson 01-asymmetric-keys.
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
       FOR LEARNING ONLY — never use textbook RSA for real data (no padding: deterministic,
       malleable). Use :func:`encrypt` / :func:`sign` for anything real.

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
        """ "Sign": ``pow(m, d, n)``. Only the owner can do it; anyone opens the result."""
        self._check_number("m", m)
        return pow(m, self.d, self.n)

    def unlock_with_public(self, c: int) -> int:
        """Check: ``pow(c, e, n)``. Anyone can do it; getting ``m`` back proves who locked it."""
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


def _key_family(key_type: str) -> str:
    name = key_type.lower()
    for family in ("rsa", "ec"):
        if name == family or name.startswith(family + "-"):
            return family
    if name == "ed25519":
        return name
    raise UnknownKeyTypeError(
        f"unknown key type {key_type!r}: use 'rsa', 'ec' or 'ed25519' "
        "(names such as 'rsa-2048' or 'ec-p256' work too)."
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

    ``key_type`` picks the algorithm, because the command differs: ``"rsa"`` (PSS),
    ``"ec"`` (ECDSA) or ``"ed25519"`` (signs the raw message, OpenSSL 3's ``-rawin``).
    """
    key, message, signature = _quote(key_path), _quote(infile), _quote(sigfile)
    family = _key_family(key_type)
    if family == "ed25519":
        return f"openssl pkeyutl -sign -rawin -inkey {key} -in {message} -out {signature}"
    options = f" {_PSS_OPTIONS}" if family == "rsa" else ""
    return f"openssl dgst -sha256 -sign {key}{options} -out {signature} {message}"


def openssl_verify_command(
    public_path: StrPath, infile: StrPath, sigfile: StrPath, *, key_type: str = "rsa"
) -> str:
    """The ``openssl`` command that does what :func:`verify` does (lesson 01).

    It prints "Verified OK" (or "Signature Verified Successfully" for Ed25519) and exits 0
    when the signature matches, 1 when it does not.
    """
    key, message, signature = _quote(public_path), _quote(infile), _quote(sigfile)
    family = _key_family(key_type)
    if family == "ed25519":
        return (
            f"openssl pkeyutl -verify -rawin -pubin -inkey {key} -in {message} -sigfile {signature}"
        )
    options = f" {_PSS_OPTIONS}" if family == "rsa" else ""
    return f"openssl dgst -sha256 -verify {key}{options} -signature {signature} {message}"
