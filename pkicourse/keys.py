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
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import tempfile
from pathlib import Path
from typing import Literal, TypeAlias

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from pkicourse.errors import (
    KeyFileExistsError,
    KeyFileNameError,
    KeyFileNotFoundError,
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
    "private_key_pem",
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
_GIVEN_BYTES = "The data you gave"


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
    (``-----BEGIN ENCRYPTED PRIVATE KEY-----``; cryptography picks AES-256-CBC with a key
    derived from the passphrase by PBKDF2).
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


# --- key files -----------------------------------------------------------------------------------


def looks_like_private_key_file(name: str | os.PathLike[str]) -> bool:
    """Whether a file name follows the note's convention for private keys.

    Lesson 01-asymmetric-keys. Private keys have "key" in the name (``server.key``,
    ``server-key.pem``, ``privkey.pem``); so do OpenSSH's ``id_rsa``, ``id_ecdsa`` and
    ``id_ed25519``, whose public halves end in ``.pub``. ``server.pem`` is a public key or a
    certificate.
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

    Lesson 01-asymmetric-keys. The file is created with mode 0600, so it is never readable by
    others, not even for a moment. An existing file is only replaced with ``overwrite=True``.
    """
    private_key = _require_private_key(key, "save_private_key")
    path = Path(path)
    if not looks_like_private_key_file(path):
        raise KeyFileNameError(
            f"{str(path)!r} does not look like a private key file. By the note's convention a "
            f"private key has 'key' in its name (NAME.key or NAME-key.pem), and NAME.pem holds a "
            f"public key or certificate that anyone may read. Save it as "
            f"{path.stem + '.key'!r} or {path.stem + '-key.pem'!r}."
        )
    pem = private_key_pem(private_key, passphrase)
    if overwrite:
        _replace_file_privately(path, pem)
        return path
    try:
        _create_file_privately(path, pem)
    except FileExistsError as err:
        raise _file_exists_error(path) from err
    return path


def save_public_key(
    key: PrivateKey | PublicKey, path: str | os.PathLike[str], *, overwrite: bool = False
) -> Path:
    """Write the public key as PEM (``-----BEGIN PUBLIC KEY-----``), e.g. to ``server.pem``.

    Lesson 01-asymmetric-keys. Given a private key, writes its public half. An existing file is
    only replaced with ``overwrite=True``.
    """
    public_key = _public_half(key, "save_public_key")
    path = Path(path)
    if looks_like_private_key_file(path):
        raise KeyFileNameError(
            f"{str(path)!r} looks like a private key file: by the note's convention a name with "
            f"'key' in it (NAME.key, NAME-key.pem) holds a private key. Save the public key as "
            f"NAME.pem, for example {_public_key_file_name(path)!r}, so nobody mistakes one for "
            f"the other."
        )
    pem = public_key_pem(public_key)
    if overwrite:
        path.write_bytes(pem)
        return path
    try:
        with open(path, "xb") as public_file:  # "x": create, fail if it exists
            public_file.write(pem)
    except FileExistsError as err:
        raise _file_exists_error(path) from err
    return path


def load_private_key(
    source: str | os.PathLike[str] | bytes, passphrase: str | bytes | None = None
) -> PrivateKey:
    """Read a private key from a PEM file (str or Path), or from the PEM itself (bytes or text).

    Lesson 01-asymmetric-keys. Give the passphrase (str or bytes) if the key is encrypted.
    Raises NotPEMError, WrongKeyTypeError (a certificate or public key), PassphraseError.
    """
    data, where = _read_pem(source, "load_private_key")
    labels = _pem_labels(data, where)
    if not any(label in _PRIVATE_KEY_LABELS for label in labels):
        raise _wrong_pem_error(labels[0], where, wanted="private")
    password = _passphrase_bytes(passphrase)
    encrypted = _is_encrypted(data)
    _check_passphrase_fits(encrypted, password, where)
    try:
        key = serialization.load_pem_private_key(data, password=password)
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


def load_public_key(source: str | os.PathLike[str] | bytes) -> PublicKey:
    """Read a public key from a PEM file (str or Path), or from the PEM itself (bytes or text).

    Lesson 01-asymmetric-keys. Raises NotPEMError, and WrongKeyTypeError for a private key or
    a certificate (the error says how to get the public key out of those).
    """
    data, where = _read_pem(source, "load_public_key")
    labels = _pem_labels(data, where)
    if not any(label in _PUBLIC_KEY_LABELS for label in labels):
        raise _wrong_pem_error(labels[0], where, wanted="public")
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as err:
        raise _damaged_pem_error(where, "public") from err
    except UnsupportedAlgorithm as err:
        raise _unsupported_key_error(where) from err
    if not isinstance(key, _PUBLIC_KEY_CLASSES):
        raise _unsupported_key_error(where, type(key).__name__)
    return key


# --- the same with the openssl command -----------------------------------------------------------


def openssl_generate_command(
    key_type: str, out: str | os.PathLike[str], *, encrypted: bool = False
) -> str:
    """The openssl command that makes a private key like ``generate_private_key(key_type)``.

    Lesson 01-asymmetric-keys. With ``encrypted=True`` openssl asks for a passphrase and
    encrypts the key with AES-256-CBC (add ``-pass pass:...`` to give it on the command line).
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

    Lesson 01-asymmetric-keys. openssl asks for the passphrase of an encrypted key (or add
    ``-passin pass:...``).
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
        hint = "Load it first with load_private_key(...) or load_public_key(...)."
    elif hasattr(thing, "public_key"):
        hint = (
            f"If it holds a key, pass its .public_key() (or the private key) instead of the {kind}."
        )
    else:
        hint = f"Make one with generate_private_key(), e.g. generate_private_key('{KEY_TYPES[0]}')."
    return WrongKeyTypeError(
        f"{function_name} needs an RSA, EC or Ed25519 key object (you gave: {kind}). {hint}"
    )


def _passphrase_bytes(passphrase: str | bytes | None) -> bytes | None:
    """The passphrase as bytes (text is UTF-8 encoded), or None for no passphrase."""
    if passphrase is None:
        return None
    if isinstance(passphrase, str):
        passphrase = passphrase.encode("utf-8")
    if not isinstance(passphrase, bytes):
        raise PassphraseError(
            f"A passphrase is text (str) or bytes, not {type(passphrase).__name__}. "
            f"Write it in quotes, e.g. passphrase='correct horse battery staple'."
        )
    if not passphrase:
        raise PassphraseError(
            "The passphrase is empty. Pass passphrase=None for a key without a passphrase, or "
            "choose a real one."
        )
    return passphrase


def _is_encrypted(pem: bytes) -> bool:
    """Whether a private key PEM is encrypted: PKCS#8 says so in its label, old PEM in a header."""
    return b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in pem or b"Proc-Type: 4,ENCRYPTED" in pem


def _check_passphrase_fits(encrypted: bool, password: bytes | None, where: str) -> None:
    """A passphrase is needed exactly when the key is encrypted."""
    if encrypted and password is None:
        raise PassphraseError(
            f"{where} holds an encrypted private key. Give its passphrase: "
            f"load_private_key(..., passphrase='...')."
        )
    if not encrypted and password is not None:
        raise PassphraseError(
            f"{where} holds a private key that is not encrypted, so it has no passphrase. "
            f"Call load_private_key without passphrase=."
        )


def _read_pem(source: object, function_name: str) -> tuple[bytes, str]:
    """The bytes of ``source`` (a path, or the PEM itself) and how messages name it."""
    if isinstance(source, (bytes, bytearray)):
        return bytes(source), _GIVEN_BYTES
    if isinstance(source, str) and source.lstrip().startswith("-----BEGIN"):
        return source.encode("utf-8"), "The text you gave"
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise KeyFileNotFoundError(
                f"There is no file {str(path)!r} (looked in {str(Path.cwd())!r}). Check the "
                f"name, or give the full path; files this lesson wrote are under WORK."
            )
        return path.read_bytes(), f"The file {str(path)!r}"
    raise _not_a_file_error(source, function_name)


def _not_a_file_error(source: object, function_name: str) -> WrongKeyTypeError:
    """The error for a source that is neither a path nor PEM bytes."""
    kind = type(source).__name__
    message = f"{function_name} reads a file name (str or Path) or PEM bytes (you gave: {kind})."
    if isinstance(source, _PRIVATE_KEY_CLASSES + _PUBLIC_KEY_CLASSES):
        message += " This is already a key: use it as it is."
    return WrongKeyTypeError(message)


def _pem_labels(data: bytes, where: str) -> list[str]:
    """The labels of the PEM blocks in ``data`` ("PRIVATE KEY"...); NotPEMError if none."""
    labels = [label.decode("ascii") for label in _PEM_BEGIN_LINE.findall(data)]
    if labels:
        return labels
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
        if where == _GIVEN_BYTES:
            fix += "; if these bytes are a file name, pass it as a str or Path"
    raise NotPEMError(f"{problem}. {fix}.")


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
        fix = "Its public half is load_private_key(...).public_key(); save it with save_public_key"
    elif label == "OPENSSH PRIVATE KEY":
        what = "a private key in OpenSSH's own format (made by ssh-keygen)"
        fix = "Load it with serialization.load_ssh_private_key(data, password=None)"
    else:
        what, fix = f"a '{label}' block", "Check that you picked the right file"
    expected = "PRIVATE KEY" if wanted == "private" else "PUBLIC KEY"
    return WrongKeyTypeError(
        f"{where} holds {what}, but load_{wanted}_key reads only {wanted} keys "
        f"(-----BEGIN {expected}-----). {fix}."
    )


def _damaged_pem_error(where: str, half: Literal["private", "public"]) -> NotPEMError:
    """The error for a PEM block with the right label that cryptography cannot read."""
    return NotPEMError(
        f"{where} starts like a {half} key but the PEM is damaged: a line is missing or "
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


def _file_exists_error(path: Path) -> KeyFileExistsError:
    """The error for a save that would overwrite a file."""
    return KeyFileExistsError(
        f"{str(path)!r} already exists; saving would replace what is in it (a key you may still "
        f"need). Pick another name, or pass overwrite=True if you really mean to replace it."
    )


def _create_file_privately(path: Path, data: bytes) -> None:
    """Create ``path`` with mode 0600 and write ``data``; FileExistsError if it exists."""
    # O_EXCL: fail rather than open an existing file. 0o600: owner read/write, from the start.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    file_descriptor = os.open(path, flags, 0o600)
    with os.fdopen(file_descriptor, "wb") as key_file:
        key_file.write(data)


def _replace_file_privately(path: Path, data: bytes) -> None:
    """Replace ``path`` by a new file with mode 0600 holding ``data``."""
    # mkstemp creates a new file with mode 0600 in the same folder; os.replace then swaps it in
    # at once, so ``path`` is always either the old file or the whole new one.
    file_descriptor, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(file_descriptor, "wb") as key_file:
            key_file.write(data)
        os.replace(temp_name, path)
    except BaseException:
        os.unlink(temp_name)
        raise


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
