"""Key pairs: make them, save them, load them, and tell them apart.

Lesson 01-asymmetric-keys teaches everything here. The lesson first does each step by hand
with pyca/cryptography; these helpers are the same calls, written out so you can read them.

What a server does with its key pair (the note's story):

1. Make a private key (``generate_private_key``) and keep it secret, in a file only its owner
   can read (``save_private_key`` writes ``server.key`` with mode 0600).
2. Hand out the public key (``public_key_pem``, ``save_public_key`` writes ``server.pem``).
3. Anyone can check which key they were given by its fingerprint (``fingerprint``).

File names follow the note's convention: a private key has "key" in its name
(``server.key`` or ``server-key.pem``); a public key or certificate is ``server.pem``.
Each ``openssl_*_command`` function returns the openssl command that does the same thing.

Files and text are kept apart: ``load_private_key(path)`` and ``load_public_key(path)`` read a
file; ``private_key_from_pem(pem)`` and ``public_key_from_pem(pem)`` read PEM you already hold.
No error message ever shows key material.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import shlex
import stat
import tempfile
import warnings
from pathlib import Path
from typing import Literal, TypeAlias

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from pkicourse.errors import (
    ArgumentError,
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

__all__ = [
    "KEY_TYPES",
    "PrivateKey",
    "PublicKey",
    "describe_key",
    "fingerprint",
    "generate_private_key",
    "key_type_of",
    "load_private_key",
    "load_public_key",
    "looks_like_private_key_file",
    "openssl_check_command",
    "openssl_fingerprint_command",
    "openssl_generate_command",
    "openssl_public_command",
    "private_key_from_pem",
    "private_key_pem",
    "public_key_from_pem",
    "public_key_pem",
    "save_private_key",
    "save_public_key",
]

KEY_TYPES = ("rsa-2048", "rsa-3072", "rsa-4096", "ec-p256", "ec-p384", "ed25519")

# What the course calls a key. (`X | Y` between classes works at run time since Python 3.10.)
PrivateKey: TypeAlias = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
PublicKey: TypeAlias = rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey

_PRIVATE_KEY_CLASSES = (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey)
_PUBLIC_KEY_CLASSES = (rsa.RSAPublicKey, ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey)

_RSA_KEY_SIZES = {"rsa-2048": 2048, "rsa-3072": 3072, "rsa-4096": 4096}
_EC_CURVES: dict[str, ec.EllipticCurve] = {"ec-p256": ec.SECP256R1(), "ec-p384": ec.SECP384R1()}
# cryptography names curves the SEC way; NIST (and openssl's -pkeyopt) call them P-256...
_NIST_CURVE_NAMES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}

# The word after "-----BEGIN " says what a PEM block holds.
_PRIVATE_KEY_LABELS = ("PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY")
_PUBLIC_KEY_LABELS = ("PUBLIC KEY", "RSA PUBLIC KEY")
_CERTIFICATE_LABELS = ("CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE")
_CSR_LABELS = ("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST")
_PEM_BEGIN_LINE = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----")

_OPENSSH_PRIVATE_KEY_NAMES = (
    "id_rsa",
    "id_dsa",
    "id_ecdsa",
    "id_ecdsa_sk",
    "id_ed25519",
    "id_ed25519_sk",
)
_GIVEN_PEM = "The PEM you gave"
_MAX_KEY_FILE_BYTES = 1 << 20  # 1 MiB: an RSA-4096 key file is about 3.3 kB
_MAX_PATH_CHARS = 4096  # PATH_MAX on Linux; longer "paths" are text given by mistake
_MAX_PASSPHRASE_BYTES = 1023  # OpenSSL's PEM passphrase buffer (PEM_BUFSIZE 1024, with the NUL)
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/=]{40,}")  # a line of key material, never to be shown


# --- making keys and naming them ---------------------------------------------------------------


def generate_private_key(key_type: str = "rsa-2048") -> PrivateKey:
    """Make a new private key of one of the ``KEY_TYPES`` (lesson 01-asymmetric-keys).

    The public key is part of it: ``key.public_key()``.
    """
    key_type = _check_key_type(key_type)
    if key_type in _RSA_KEY_SIZES:
        # 65537 is the public exponent everyone uses; the size is the length of the modulus n.
        return rsa.generate_private_key(public_exponent=65537, key_size=_RSA_KEY_SIZES[key_type])
    if key_type in _EC_CURVES:
        return ec.generate_private_key(_EC_CURVES[key_type])
    return ed25519.Ed25519PrivateKey.generate()


def key_type_of(key: PrivateKey | PublicKey) -> str:
    """The course's name for the type of a private or public key: ``"rsa-2048"``, ``"ec-p256"``...

    Lesson 01-asymmetric-keys. Keys made elsewhere get a name in the same style
    (``"rsa-1024"``, ``"ec-p521"``).
    """
    public_key = _public_half(key, "key_type_of")
    if isinstance(public_key, rsa.RSAPublicKey):
        return f"rsa-{public_key.key_size}"
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        curve_name = _NIST_CURVE_NAMES.get(public_key.curve.name, public_key.curve.name)
        return "ec-" + curve_name.lower().replace("-", "")
    return "ed25519"


def describe_key(key: PrivateKey | PublicKey) -> str:
    """A short description for people: ``"RSA 2048-bit private key"``, ``"Ed25519 public key"``.

    Lesson 01-asymmetric-keys.
    """
    public_key = _public_half(key, "describe_key")
    half = "private" if isinstance(key, _PRIVATE_KEY_CLASSES) else "public"
    if isinstance(public_key, rsa.RSAPublicKey):
        return f"RSA {public_key.key_size}-bit {half} key"
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        curve_name = _NIST_CURVE_NAMES.get(public_key.curve.name, public_key.curve.name)
        return f"EC {curve_name} {half} key"
    return f"Ed25519 {half} key"


def fingerprint(key: PrivateKey | PublicKey) -> str:
    """SHA-256 of the public key (DER SubjectPublicKeyInfo), as ``"ab:cd:..."`` lowercase.

    Lesson 01-asymmetric-keys. A private key has the fingerprint of its public key. Same as
    ``openssl_fingerprint_command``.
    """
    public_key = _public_half(key, "fingerprint")
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).digest().hex(":")


# --- PEM, the text form of keys ------------------------------------------------------------------


def private_key_pem(key: PrivateKey, passphrase: str | bytes | None = None) -> bytes:
    """The private key as PKCS#8 PEM (``-----BEGIN PRIVATE KEY-----``).

    Lesson 01-asymmetric-keys. With a passphrase the PEM is encrypted
    (``-----BEGIN ENCRYPTED PRIVATE KEY-----``): cryptography's ``BestAvailableEncryption`` is
    PBES2 with AES-256-CBC and a key derived by PBKDF2-HMAC-SHA256 with 2048 iterations. The
    library cannot raise that count; ``openssl genpkey -aes-256-cbc`` uses the same 2048 by
    default. Really stronger: ``openssl pkcs8 -topk8 -v2 aes-256-cbc -iter 600000`` or
    ``-scrypt``, or the OpenSSH format with bcrypt rounds
    (``serialization.PrivateFormat.OpenSSH.encryption_builder().kdf_rounds(N)``; needs the
    ``bcrypt`` package). A passphrase is at most 1023 bytes (OpenSSL's limit for PEM).
    """
    private_key = _require_private_key(key, "private_key_pem")
    password = _passphrase_bytes(passphrase)
    encryption: serialization.KeySerializationEncryption = serialization.NoEncryption()
    if password is not None:
        encryption = serialization.BestAvailableEncryption(password)
    return private_key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=encryption,
    )


def public_key_pem(key: PrivateKey | PublicKey) -> bytes:
    """The public key as SubjectPublicKeyInfo PEM (``-----BEGIN PUBLIC KEY-----``).

    Lesson 01-asymmetric-keys. Given a private key, this is the PEM of its public half.
    """
    public_key = _public_half(key, "public_key_pem")
    return public_key.public_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PublicFormat.SubjectPublicKeyInfo,
    )


def private_key_from_pem(pem: bytes | str, *, passphrase: str | bytes | None = None) -> PrivateKey:
    """Read a private key from PEM text (bytes or str), such as ``private_key_pem`` returns.

    Lesson 01-asymmetric-keys. To read a file, use ``load_private_key(path)``. The PEM may hold
    other blocks too (a certificate, the public key, ``Bag Attributes`` lines as written by
    ``openssl pkcs12 -nodes``): the first private key block is used. Give the passphrase (str or
    bytes) if the key is encrypted. Raises NotPEMError, WrongKeyTypeError (only a certificate
    or public key in it), PassphraseError.
    """
    data = _pem_bytes(pem, "private_key_from_pem", "load_private_key")
    return _private_key_from(data, _GIVEN_PEM, passphrase)


def public_key_from_pem(pem: bytes | str) -> PublicKey:
    """Read a public key from PEM text (bytes or str), such as ``public_key_pem`` returns.

    Lesson 01-asymmetric-keys. To read a file, use ``load_public_key(path)``. The first
    ``PUBLIC KEY`` block is used, whatever else the PEM holds. Raises NotPEMError, and
    WrongKeyTypeError for a private key or a certificate (the error says how to get the
    public key out of those).
    """
    data = _pem_bytes(pem, "public_key_from_pem", "load_public_key")
    return _public_key_from(data, _GIVEN_PEM)


# --- key files -----------------------------------------------------------------------------------


def looks_like_private_key_file(name: str | os.PathLike[str]) -> bool:
    """Whether a file name follows the note's convention for private keys.

    Lesson 01-asymmetric-keys. Private keys have "key" in the name (``server.key``,
    ``server-key.pem``, ``privkey.pem``); so do OpenSSH's ``id_rsa``, ``id_ecdsa`` and
    ``id_ed25519``, whose public halves end in ``.pub``. ``server.pem`` is a public key or a
    certificate. Only a convention: what a file holds is decided by its content.
    """
    file_name = Path(name).name.lower()
    if file_name.endswith(".pub"):
        return False
    return "key" in file_name or file_name in _OPENSSH_PRIVATE_KEY_NAMES


def save_private_key(
    key: PrivateKey,
    path: str | os.PathLike[str],
    *,
    passphrase: str | bytes | None = None,
    overwrite: bool = False,
) -> Path:
    """Write the private key as PEM to a file only its owner can read (mode 0600).

    Lesson 01-asymmetric-keys. The PEM goes to a new temporary file (mode 0600 from the start)
    in the same folder, which then replaces ``path`` in one step: ``path`` is never half
    written, and a failed save leaves nothing behind. A symbolic link at ``path`` is refused,
    even with ``overwrite=True``; an existing file is only replaced with ``overwrite=True``.
    A name that breaks the note's convention (``tls.pem``) gets a ``UserWarning``, not an error.
    For the passphrase, see ``private_key_pem``.
    """
    private_key = _require_private_key(key, "save_private_key")
    target = _target_path(path, "save_private_key", overwrite)
    _write_atomically(target, private_key_pem(private_key, passphrase), 0o600, overwrite)
    if not looks_like_private_key_file(target):
        warnings.warn(
            f"{target.name!r} does not follow the note's convention: a private key has 'key' in "
            f"its name (NAME.key or NAME-key.pem), and NAME.pem usually holds a public key or a "
            f"certificate. Saved anyway (what a file holds is decided by its content); "
            f"{target.stem + '.key'!r} would tell others at a glance to keep it secret.",
            UserWarning,
            stacklevel=2,
        )
    return target


def save_public_key(
    key: PrivateKey | PublicKey, path: str | os.PathLike[str], *, overwrite: bool = False
) -> Path:
    """Write the public key as PEM (``-----BEGIN PUBLIC KEY-----``), e.g. to ``server.pem``.

    Lesson 01-asymmetric-keys. Given a private key, writes its public half. Mode 0644 (anyone
    may read, only the owner write) whatever the umask. Saved atomically like
    ``save_private_key``; a symbolic link at ``path`` is refused. A name that looks private
    (``server.key``) gets a ``UserWarning``.
    """
    public_key = _public_half(key, "save_public_key")
    target = _target_path(path, "save_public_key", overwrite)
    _write_atomically(target, public_key_pem(public_key), 0o644, overwrite)
    if looks_like_private_key_file(target):
        warnings.warn(
            f"{target.name!r} looks like a private key file: by the note's convention a name "
            f"with 'key' in it holds a private key. Saved anyway (the content decides); "
            f"{_public_key_file_name(target)!r} would not be mistaken for a secret.",
            UserWarning,
            stacklevel=2,
        )
    return target


def load_private_key(
    path: str | os.PathLike[str], *, passphrase: str | bytes | None = None
) -> PrivateKey:
    """Read a private key from a PEM file; ``path`` is a file name (str or Path, ``~`` works).

    Lesson 01-asymmetric-keys. For PEM you already hold in a variable, use
    ``private_key_from_pem(pem)``. Give the passphrase (str or bytes) if the key is
    encrypted. Files larger than 1 MiB are refused unread (no key file is that large).
    Raises KeyFileNotFoundError, KeyFileError (a folder, no permission, too large),
    NotPEMError, WrongKeyTypeError (a certificate or public key), PassphraseError.
    """
    data, where = _read_key_file(path, "load_private_key", "private_key_from_pem")
    return _private_key_from(data, where, passphrase)


def load_public_key(path: str | os.PathLike[str]) -> PublicKey:
    """Read a public key from a PEM file; ``path`` is a file name (str or Path, ``~`` works).

    Lesson 01-asymmetric-keys. For PEM you already hold, use ``public_key_from_pem(pem)``.
    Raises KeyFileNotFoundError, KeyFileError, NotPEMError, and WrongKeyTypeError for a
    private key or a certificate (the error says how to get the public key out of those).
    """
    data, where = _read_key_file(path, "load_public_key", "public_key_from_pem")
    return _public_key_from(data, where)


# --- the same with the openssl command -----------------------------------------------------------


def openssl_generate_command(
    key_type: str, out: str | os.PathLike[str], *, encrypted: bool = False
) -> str:
    """The openssl command that makes a private key like ``generate_private_key(key_type)``.

    Lesson 01-asymmetric-keys. With ``encrypted=True`` openssl asks for the passphrase at its
    prompt and encrypts the key with AES-256-CBC (PBKDF2, 2048 iterations by default). Never
    put the passphrase itself on a command line (``pass:``): ``ps`` and the shell history show
    it. In a script use ``-pass env:VAR`` or ``-pass file:PATH``.
    """
    key_type = _check_key_type(key_type)
    if key_type in _RSA_KEY_SIZES:
        algorithm = f"-algorithm RSA -pkeyopt rsa_keygen_bits:{_RSA_KEY_SIZES[key_type]}"
    elif key_type in _EC_CURVES:
        curve_name = _NIST_CURVE_NAMES[_EC_CURVES[key_type].name]
        algorithm = f"-algorithm EC -pkeyopt ec_paramgen_curve:{curve_name}"
    else:
        algorithm = "-algorithm ED25519"
    cipher = " -aes-256-cbc" if encrypted else ""
    return f"openssl genpkey {algorithm}{cipher} -out {_quote(out)}"


def openssl_public_command(key_path: str | os.PathLike[str], out: str | os.PathLike[str]) -> str:
    """The openssl command that writes the public key of ``key_path`` to ``out`` as PEM.

    Lesson 01-asymmetric-keys; the same as ``save_public_key``.
    """
    return f"openssl pkey -in {_quote(key_path)} -pubout -out {_quote(out)}"


def openssl_fingerprint_command(public_path: str | os.PathLike[str]) -> str:
    """The openssl pipeline that prints the SHA-256 fingerprint of a public key file.

    Lesson 01-asymmetric-keys. It prints ``SHA2-256(stdin)= ab:cd:...``; the part after ``= ``
    equals ``fingerprint(key)``.
    """
    return f"openssl pkey -pubin -in {_quote(public_path)} -outform DER | openssl dgst -sha256 -c"


def openssl_check_command(key_path: str | os.PathLike[str]) -> str:
    """The openssl command that checks a private key file is a sound key (prints "Key is valid").

    Lesson 01-asymmetric-keys. openssl asks for the passphrase of an encrypted key at its
    prompt (in a script: ``-passin env:VAR`` or ``-passin file:PATH``; never ``pass:``, which
    ``ps`` and the shell history show).
    """
    return f"openssl pkey -in {_quote(key_path)} -check -noout"


# --- private helpers -----------------------------------------------------------------------------


def _check_key_type(key_type: str) -> str:
    """``key_type`` in lower case, or UnknownKeyTypeError listing the names the course knows."""
    normalized = key_type.strip().lower() if isinstance(key_type, str) else key_type
    if normalized not in KEY_TYPES:
        raise UnknownKeyTypeError(
            f"Unknown key type {key_type!r}. Choose one of: {', '.join(KEY_TYPES)} "
            f"(for example generate_private_key('ec-p256'))."
        )
    return normalized


def _public_half(key: object, function_name: str) -> PublicKey:
    """The public key itself, or the public half of a private key; else a course error."""
    if isinstance(key, _PRIVATE_KEY_CLASSES):
        return key.public_key()
    if isinstance(key, _PUBLIC_KEY_CLASSES):
        return key
    raise _not_a_course_key_error(key, function_name)


def _require_private_key(key: object, function_name: str) -> PrivateKey:
    """The key if it is a private key; a public key has no private part to give."""
    if isinstance(key, _PRIVATE_KEY_CLASSES):
        return key
    if isinstance(key, _PUBLIC_KEY_CLASSES):
        raise WrongKeyTypeError(
            f"{function_name} needs a private key, not a public one ({describe_key(key)}). A "
            f"public key cannot give you the private key (that is the point). Use the private key "
            f"you made with generate_private_key(), or public_key_pem() for the public one."
        )
    raise _not_a_course_key_error(key, function_name)


def _not_a_course_key_error(thing: object, function_name: str) -> WrongKeyTypeError:
    """The error for something that is not an RSA, EC or Ed25519 key."""
    kind = type(thing).__name__
    if isinstance(thing, (bytes, str, os.PathLike)):
        hint = (
            "Read it first: a file with load_private_key(path) or load_public_key(path), PEM "
            "you hold with private_key_from_pem(pem) or public_key_from_pem(pem)."
        )
    elif hasattr(thing, "public_key"):
        hint = (
            f"If it holds a key, pass its .public_key() (or the private key) instead of the {kind}."
        )
    else:
        hint = f"Make one with generate_private_key(), e.g. generate_private_key('{KEY_TYPES[0]}')."
    return WrongKeyTypeError(
        f"{function_name} needs an RSA, EC or Ed25519 key object (you gave: {kind}). {hint}"
    )


def _passphrase_bytes(passphrase: object) -> bytes | None:
    """The passphrase as bytes (text is UTF-8 encoded), or None for no passphrase."""
    if passphrase is None:
        return None
    if isinstance(passphrase, str):
        try:
            password = passphrase.encode("utf-8")
        except UnicodeEncodeError:
            raise PassphraseError(
                "The passphrase holds a character that cannot be written as UTF-8 (a lone "
                "surrogate, left by a broken copy-paste or decode). Type it again."
            ) from None
    elif isinstance(passphrase, (bytes, bytearray, memoryview)):
        password = bytes(passphrase)
    else:
        raise PassphraseError(
            f"A passphrase is text (str) or bytes, not {type(passphrase).__name__}. "
            f"In a lesson it comes from getpass.getpass(); never write a real one in a cell."
        )
    if not password:
        raise PassphraseError(
            "The passphrase is empty. Pass passphrase=None for a key without a passphrase, or "
            "choose a real one."
        )
    if len(password) > _MAX_PASSPHRASE_BYTES:
        raise PassphraseError(
            f"The passphrase is {len(password)} bytes long; OpenSSL reads at most "
            f"{_MAX_PASSPHRASE_BYTES} bytes for a PEM key. Choose a shorter one (five or six "
            f"random words are plenty)."
        )
    return password


def _is_encrypted(pem: bytes) -> bool:
    """Whether a private key PEM is encrypted: PKCS#8 says so in its label, old PEM in a header."""
    return b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in pem or b"Proc-Type: 4,ENCRYPTED" in pem


def _check_passphrase_fits(encrypted: bool, password: bytes | None, where: str) -> None:
    """A passphrase is needed exactly when the key is encrypted."""
    if encrypted and password is None:
        raise PassphraseError(
            f"{where} holds an encrypted private key. Give its passphrase: "
            f"passphrase=getpass.getpass() (never type a real passphrase into a cell)."
        )
    if not encrypted and password is not None:
        raise PassphraseError(
            f"{where} holds a private key that is not encrypted, so it has no passphrase. "
            f"Leave out passphrase=."
        )


def _private_key_from(data: bytes, where: str, passphrase: object) -> PrivateKey:
    """The first private key in the PEM ``data``; course errors name it as ``where``."""
    password = _passphrase_bytes(passphrase)
    block = _pem_block(data, where, "private")
    encrypted = _is_encrypted(block)
    _check_passphrase_fits(encrypted, password, where)
    try:
        key = serialization.load_pem_private_key(block, password=password)
    except ValueError as err:
        if encrypted:
            raise PassphraseError(
                f"{where} is encrypted with another passphrase than the one you gave (or it is "
                f"damaged). Check for typos; a lost passphrase cannot be recovered: then make a "
                f"new key pair."
            ) from err
        raise _damaged_pem_error(where, "private") from err
    except TypeError as err:  # cryptography's way to say "passphrase missing / not needed"
        raise PassphraseError(f"{where}: {err} Check the passphrase argument.") from err
    except UnsupportedAlgorithm as err:
        raise _unsupported_key_error(where) from err
    if not isinstance(key, _PRIVATE_KEY_CLASSES):
        raise _unsupported_key_error(where, type(key).__name__)
    return key


def _public_key_from(data: bytes, where: str) -> PublicKey:
    """The first public key in the PEM ``data``; course errors name it as ``where``."""
    block = _pem_block(data, where, "public")
    try:
        key = serialization.load_pem_public_key(block)
    except ValueError as err:
        raise _damaged_pem_error(where, "public") from err
    except UnsupportedAlgorithm as err:
        raise _unsupported_key_error(where) from err
    if not isinstance(key, _PUBLIC_KEY_CLASSES):
        raise _unsupported_key_error(where, type(key).__name__)
    return key


def _pem_block(data: bytes, where: str, half: Literal["private", "public"]) -> bytes:
    """The first PEM block in ``data`` that holds a ``half`` key, from BEGIN to END.

    Other blocks (a certificate, the other half) and text around them (comments, ``Bag
    Attributes``) are skipped. NotPEMError if there is no block, WrongKeyTypeError if none fits.
    """
    wanted = _PRIVATE_KEY_LABELS if half == "private" else _PUBLIC_KEY_LABELS
    labels = []
    for begin in _PEM_BEGIN_LINE.finditer(data):
        label = begin.group(1).decode("ascii")
        labels.append(label)
        if label in wanted:
            end = data.find(b"-----END " + begin.group(1) + b"-----", begin.end())
            if end < 0:
                raise _damaged_pem_error(where, half)
            return data[begin.start() : end + len(begin.group(1)) + 14] + b"\n"
    if not labels:
        raise _not_pem_error(data, where)
    raise _wrong_pem_error(labels[0], where, wanted=half)


def _not_pem_error(data: bytes, where: str) -> NotPEMError:
    """The error for data with no ``-----BEGIN ...-----`` line: what it is instead, if known."""
    if not data.strip():
        problem, fix = f"{where} is empty", "Save or copy the key again, or pick the right file"
    elif data.startswith(b"\x30"):  # 0x30 starts an ASN.1 SEQUENCE: binary DER
        problem = f"{where} holds binary DER, not PEM text"
        fix = "Convert it: openssl pkey -inform DER -in FILE -out NEW.pem (-pubin for a public key)"
    elif data.startswith((b"ssh-", b"ecdsa-sha2-")):
        problem = f"{where} holds an OpenSSH public key (the one-line format of id_rsa.pub)"
        fix = "Load it with serialization.load_ssh_public_key(data)"
    else:
        problem = f"{where} is not PEM: there is no '-----BEGIN ...-----' line"
        fix = "A PEM key starts with -----BEGIN PRIVATE KEY----- or -----BEGIN PUBLIC KEY-----"
        if where == _GIVEN_PEM:
            fix += "; to read a file, pass its name to load_private_key or load_public_key"
    return NotPEMError(f"{problem}. {fix}.")


def _wrong_pem_error(
    label: str, where: str, wanted: Literal["private", "public"]
) -> WrongKeyTypeError:
    """The error for a PEM block that is not the kind of key ``load_<wanted>_key`` reads."""
    if label in _CERTIFICATE_LABELS:
        what = "a certificate, not a key"
        fix = (
            "A certificate carries a public key: x509.load_pem_x509_certificate(data).public_key() "
            "gets it (lesson 03 is about certificates)"
        )
    elif label in _CSR_LABELS:
        what = "a certificate signing request (CSR), not a key"
        fix = "Its public key is x509.load_pem_x509_csr(data).public_key()"
    elif label in _PUBLIC_KEY_LABELS:
        what = "a public key"
        fix = (
            "The private key is in the file named NAME.key or NAME-key.pem; a public key "
            "cannot be turned back into its private key"
        )
    elif label in _PRIVATE_KEY_LABELS:
        what = "a private key (keep it secret!)"
        fix = "Its public half is the private key's .public_key(); save it with save_public_key"
    elif label == "OPENSSH PRIVATE KEY":
        what = "a private key in OpenSSH's own format (made by ssh-keygen)"
        fix = "Load it with serialization.load_ssh_private_key(data, password=None)"
    else:
        what, fix = f"a '{label}' block", "Check that you picked the right file"
    expected = "PRIVATE KEY" if wanted == "private" else "PUBLIC KEY"
    return WrongKeyTypeError(
        f"{where} holds {what}, but a {wanted} key is needed (-----BEGIN {expected}-----). {fix}."
    )


def _damaged_pem_error(where: str, half: Literal["private", "public"]) -> NotPEMError:
    """The error for a PEM block with the right label that cryptography cannot read."""
    return NotPEMError(
        f"{where} has a {half} key block, but it is damaged: a line is missing or "
        f"changed, or the -----END ...----- line is cut off. Save or copy the key again "
        f"(whole, from -----BEGIN to -----END); if the original is lost, make a new key pair."
    )


def _unsupported_key_error(where: str, kind: str = "") -> UnknownKeyTypeError:
    """The error for a key of a type the course does not use (or one cryptography cannot read)."""
    what = f"a {kind}" if kind else "a key cryptography cannot read (or the file is damaged)"
    return UnknownKeyTypeError(
        f"{where} holds {what}. The course uses RSA, EC and Ed25519 keys: "
        f"{', '.join(KEY_TYPES)}. Make one with generate_private_key('ec-p256')."
    )


# --- paths and files -----------------------------------------------------------------------------


def _pem_bytes(pem: object, function_name: str, loader_name: str) -> bytes:
    """PEM given as bytes or text, as bytes; a course error for a path or anything else."""
    if isinstance(pem, str):
        data = pem.encode("utf-8", "replace")  # a stray lone surrogate cannot be part of PEM
    elif isinstance(pem, (bytes, bytearray, memoryview)):
        data = bytes(pem)
    elif isinstance(pem, os.PathLike):
        raise NotBytesError(
            f"{function_name} reads PEM text, but this is a path: read the file with "
            f"{loader_name}(path)."
        )
    else:
        kind = type(pem).__name__
        hint = " This is already a key: use it as it is." if _is_key(pem) else ""
        raise NotBytesError(f"{function_name} reads PEM text (bytes or str), not {kind}.{hint}")
    if len(data) > _MAX_KEY_FILE_BYTES:
        raise NotPEMError(
            f"The PEM you gave is {len(data):,} bytes, far more than any key (a few kB). "
            f"Check that you passed the key and not something else."
        )
    return data


def _key_file_path(path: object, function_name: str, pem_function: str | None) -> Path:
    """``path`` (str or PathLike, ``~`` expanded) as a Path; a course error for anything else."""
    if isinstance(path, os.PathLike):
        path = os.fspath(path)
    if not isinstance(path, str):
        kind = type(path).__name__
        if isinstance(path, (bytes, bytearray, memoryview)) and pem_function:
            hint = f"If these bytes are the PEM itself, use {pem_function}(data)"
        elif _is_key(path):
            hint = "This is already a key: use it as it is"
        else:
            hint = "For example WORK / 'server.key'"
        raise NotAPathError(f"{function_name} takes a file name (str or Path), not {kind}. {hint}.")
    if _looks_like_text(path):
        fix = f"use {pem_function}(text) for PEM you hold" if pem_function else "give a file name"
        raise NotAPathError(
            f"{function_name} takes a file name, but this looks like the PEM text itself (a "
            f"-----BEGIN line, a line break, Bag Attributes, or longer than any path): {fix}."
        )
    problem = "is empty" if not path else "holds a NUL character" if "\0" in path else ""
    try:
        os.fsencode(path)
        expanded = Path(path).expanduser()
    except UnicodeEncodeError:
        problem = "holds a character no file name can have (a lone surrogate)"
    except RuntimeError:  # expanduser with no home folder
        problem = "starts with ~ but there is no home folder to expand it to"
    if problem:
        raise NotAPathError(f"The file name given to {function_name} {problem}. Type it again.")
    return expanded


def _looks_like_text(path: str) -> bool:
    """Whether a str given as a path is rather PEM or other text (never shown in messages)."""
    markers = ("-----BEGIN", "\n", "\r", "Bag Attributes")
    return len(path) > _MAX_PATH_CHARS or any(marker in path for marker in markers)


def _show_path(path: Path) -> str:
    """``path`` quoted for a message, unless it looks like key text (then it is not shown)."""
    text = str(path)
    for run in _BASE64_RUN.findall(text):
        if not (run.isalpha() or run.isdigit() or run.islower() or run.isupper()):
            return "(the path you gave; not shown because it looks like key text)"
    return repr(text)


def _is_key(thing: object) -> bool:
    return isinstance(thing, _PRIVATE_KEY_CLASSES + _PUBLIC_KEY_CLASSES)


def _read_key_file(path: object, function_name: str, pem_function: str) -> tuple[bytes, str]:
    """The bytes of a key file and how messages name it; refused unread when far too large."""
    file_path = _key_file_path(path, function_name, pem_function)
    where = f"The file {_show_path(file_path)}"
    size = _stat_key_file(file_path, where)
    try:
        with open(file_path, "rb") as key_file:
            data = key_file.read(_MAX_KEY_FILE_BYTES + 1)  # capped, even if it grew meanwhile
    except PermissionError:
        raise KeyFileError(
            f"{where} exists, but you may not read it (permission denied). Check its owner and "
            f"mode with `ls -l`; a key file of yours should be mode 0600 (chmod 600)."
        ) from None
    except OSError as err:
        raise KeyFileError(f"{where} cannot be read ({err.strerror}).") from None
    if len(data) > _MAX_KEY_FILE_BYTES:
        raise _too_large_error(where, size)
    return data, where


def _stat_key_file(path: Path, where: str) -> int:
    """The size of the regular file ``path``; a course error for a folder, a missing file..."""
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        folder = path.parent
        missing = (
            f"the folder {_show_path(folder)} does not exist, so " if not folder.is_dir() else ""
        )
        raise KeyFileNotFoundError(
            f"There is no such file: {missing}{where[4:]} is not there (relative names start "
            f"in {str(Path.cwd())!r}). Check the name, or give the full path; files this lesson "
            f"wrote are under WORK."
        ) from None
    except PermissionError:
        raise KeyFileError(
            f"{where} cannot be reached: you may not open one of its folders (permission denied)."
        ) from None
    except OSError as err:
        raise KeyFileError(f"{where} cannot be read ({err.strerror}).") from None
    if stat.S_ISDIR(info.st_mode):
        raise KeyFileError(f"{where} is a folder. Give the key file in it: folder / 'server.key'.")
    if not stat.S_ISREG(info.st_mode):
        raise KeyFileError(f"{where} is not a regular file (a device or a pipe?): pick a key file.")
    if info.st_size > _MAX_KEY_FILE_BYTES:
        raise _too_large_error(where, info.st_size)
    return info.st_size


def _too_large_error(where: str, size: int) -> KeyFileError:
    return KeyFileError(
        f"{where} is {size:,} bytes; a key file is a few kilobytes, so it was not read "
        f"(limit {_MAX_KEY_FILE_BYTES:,} bytes). Check that you picked the key file."
    )


def _target_path(path: object, function_name: str, overwrite: object) -> Path:
    """Where a save writes: a checked path, after checking that ``overwrite`` is a real bool."""
    if type(overwrite) is not bool:
        raise ArgumentError(
            f"overwrite must be True or False, not {type(overwrite).__name__} (a non-empty "
            f"text such as 'no' would count as True). Write overwrite=False or overwrite=True."
        )
    return _key_file_path(path, function_name, None)


def _check_target(target: Path, overwrite: bool) -> None:
    """The folder must exist; a symbolic link or folder at ``target`` is never replaced."""
    if not target.parent.is_dir():
        raise KeyFileError(
            f"The folder {_show_path(target.parent)} does not exist (or is not a folder), so "
            f"nothing was saved. Make it first: Path(...).mkdir(parents=True, exist_ok=True)."
        )
    try:
        info = os.lstat(target)  # lstat: the link itself, not what it points to
    except FileNotFoundError:
        return
    except OSError as err:
        raise _write_error(target, err) from None
    if stat.S_ISLNK(info.st_mode):
        raise KeyFileError(
            f"{_show_path(target)} is a symbolic link: saving through it would write wherever it "
            f"points, perhaps over another key. Nothing was saved, even with overwrite=True. "
            f"Remove the link (os.remove) or choose another name."
        )
    if stat.S_ISDIR(info.st_mode):
        raise KeyFileError(
            f"{_show_path(target)} is a folder. Give a file name in it: folder / 'server.key'."
        )
    if not overwrite:
        raise _file_exists_error(target)
    if not stat.S_ISREG(info.st_mode):
        raise KeyFileError(f"{_show_path(target)} is not a regular file; nothing was saved.")


def _write_atomically(target: Path, data: bytes, mode: int, overwrite: bool) -> None:
    """Write ``data`` to a temporary file next to ``target``, then rename it onto ``target``.

    ``target`` is always the old file or the whole new one; on any failure the temporary
    file is removed. ``fchmod`` sets ``mode`` exactly: the umask does not apply to it.
    """
    _check_target(target, overwrite)
    try:
        descriptor, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    except OSError as err:
        raise _write_error(target, err) from None
    try:
        try:
            os.fchmod(descriptor, mode)
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view) :]
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        _put_in_place(temp_name, target, overwrite)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        if isinstance(err, KeyFileExistsError):
            raise
        if isinstance(err, OSError):
            raise _write_error(target, err) from None
        raise


def _put_in_place(temp_name: str, target: Path, overwrite: bool) -> None:
    """Rename the finished temporary file onto ``target``.

    Without ``overwrite``, a hard link creates ``target`` only if it does not exist, in one step,
    so a file that appeared since the check is never replaced. (Where the file system has no hard
    links, a rename after a last check does.)
    """
    if overwrite:
        os.replace(temp_name, target)
        return
    try:
        os.link(temp_name, target)
    except FileExistsError:
        raise _file_exists_error(target) from None
    except OSError as err:
        if err.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV):
            raise
        _check_target(target, overwrite)
        os.replace(temp_name, target)
        return
    os.unlink(temp_name)


def _write_error(target: Path, err: OSError) -> KeyFileError:
    """The error for a save the system refused; nothing was left behind."""
    if isinstance(err, PermissionError):
        reason, fix = "permission denied", "Save into a folder of yours, such as WORK"
    elif err.errno == errno.ENOSPC:
        reason, fix = "the disk is full", "Free some space and save again"
    else:
        reason, fix = err.strerror or type(err).__name__, "Check the folder and save again"
    return KeyFileError(
        f"Could not save {_show_path(target)}: {reason}. Nothing was written and any old "
        f"file is unchanged. {fix}."
    )


def _file_exists_error(path: Path) -> KeyFileExistsError:
    """The error for a save that would overwrite a file."""
    return KeyFileExistsError(
        f"{_show_path(path)} already exists; saving would replace what is in it (a key you may "
        f"still need). Pick another name, or pass overwrite=True if you really mean to replace it."
    )


def _public_key_file_name(path: Path) -> str:
    """A public key file name to suggest instead of the private-looking ``path``."""
    for private_ending in ("-key.pem", "_key.pem", ".key"):
        if path.name.endswith(private_ending):
            return path.name[: -len(private_ending)] + ".pem"
    if path.name in _OPENSSH_PRIVATE_KEY_NAMES:
        return path.name + ".pub"
    return "server.pem"


def _quote(path: str | os.PathLike[str]) -> str:
    """A path quoted for the shell, so spaces and odd characters survive."""
    return shlex.quote(os.fspath(path))
