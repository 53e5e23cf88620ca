"""One family of exceptions for the mistakes a learner can make.

Every message says what went wrong *and what to do next*. Each class also derives from the
built-in exception a Python programmer would expect (``ValueError``, ``FileExistsError``...),
so ``except ValueError`` keeps working.

Lessons: 01-asymmetric-keys and 02-session-keys raise most of these on purpose, to show them.
"""

from __future__ import annotations

__all__ = [
    "ArgumentError",
    "CAError",
    "CAKeyMismatchError",
    "CertificateParseError",
    "ChallengeError",
    "CourseError",
    "CRLError",
    "CSRSignatureError",
    "DataFileNotFoundError",
    "DecryptionError",
    "GradingError",
    "InvalidChoiceError",
    "KeyAgreementError",
    "KeyFileError",
    "KeyFileExistsError",
    "KeyFileNotFoundError",
    "MessageTooLongError",
    "NameNotValidatedError",
    "NotACertificateError",
    "NotACRLError",
    "NotACSRError",
    "NotAPathError",
    "NotBytesError",
    "NotPEMError",
    "PassphraseError",
    "QuestionError",
    "ServerError",
    "SignatureMismatchError",
    "TextbookRSAError",
    "UnknownKeyTypeError",
    "WrongKeyTypeError",
]


class CourseError(Exception):
    """Base class: something a learner did that the course can explain."""


class NotPEMError(CourseError, ValueError):
    """The data is not PEM text (no ``-----BEGIN ...-----`` line), or the PEM is damaged."""


class WrongKeyTypeError(CourseError, TypeError):
    """A PEM of the wrong kind: a certificate or public key where a private key was expected."""


class UnknownKeyTypeError(CourseError, ValueError):
    """A key type name the course does not know (``"rsa-1024"``, ``"dsa"``...)."""


class PassphraseError(CourseError, ValueError):
    """A wrong passphrase, a missing one for an encrypted key, or one for a key that has none."""


class KeyFileExistsError(CourseError, FileExistsError):
    """Saving would overwrite an existing file."""


class KeyFileNotFoundError(CourseError, FileNotFoundError):
    """The key file to load is not there."""


class KeyFileError(CourseError, OSError):
    """A key file that cannot be used: a folder, a missing folder, no permission, far too large
    to be a key, a symbolic link as the save target, or a failed write (nothing is left behind)."""


class NotAPathError(CourseError, TypeError, ValueError):
    """Something that is not a file name where one is needed: PEM text given to a loader that
    reads a file (use ``private_key_from_pem``), bytes, ``None``, a number."""


class NotBytesError(CourseError, TypeError):
    """Text (``str``) or another type where bytes are needed: write ``b'...'`` or ``.encode()``."""


class ArgumentError(CourseError, TypeError, ValueError):
    """An argument of the wrong type or out of range (``overwrite="no"``, ``length=-1``...)."""


class KeyAgreementError(CourseError, ValueError):
    """A key share that makes key agreement unsafe: X25519's all-zero (low-order) public key."""


class DecryptionError(CourseError, ValueError):
    """Decryption failed: the wrong private key or session key, or the ciphertext was altered."""


class MessageTooLongError(CourseError, ValueError):
    """The message is longer than one RSA-OAEP block can carry."""


class SignatureMismatchError(CourseError, ValueError):
    """The signature does not match this message and this public key."""


class TextbookRSAError(CourseError, ValueError):
    """Numbers textbook RSA cannot use: p or q not prime, p == q, e with no inverse, m < 0."""


class QuestionError(CourseError, ValueError):
    """A self-check that cannot be asked: its answer is not one of its options."""


class InvalidChoiceError(CourseError, ValueError):
    """A name that is not among the choices offered (a user, a recipient), or none to draw."""


# Certificates, CSRs and CRLs (lessons 03, 04 and 05).


class NotACertificateError(CourseError, ValueError):
    """The file or bytes hold no certificate (perhaps a key, a CSR or a CRL: the message says)."""


class CertificateParseError(CourseError, ValueError):
    """A certificate is there but cannot be parsed; the message names the defect."""


class NotACSRError(CourseError, ValueError):
    """The file or bytes hold no certificate signing request (CSR)."""


class NotACRLError(CourseError, ValueError):
    """The file or bytes hold no certificate revocation list (CRL)."""


class CRLError(CourseError, ValueError):
    """A CRL that cannot answer the question: issued by another CA, or its signature does not
    verify with the issuer's public key (lesson 05)."""


class CSRSignatureError(CourseError, ValueError):
    """A CSR's self-signature does not verify: it was changed after signing, or forged."""


class CAError(CourseError, ValueError):
    """A certificate authority refuses to do what was asked (lesson 05)."""


class NameNotValidatedError(CAError):
    """The CA was asked to certify a name whose control it has not validated."""


class CAKeyMismatchError(CAError):
    """The CA's private key does not match the public key in the CA's own certificate."""


class ChallengeError(CourseError, ValueError):
    """A domain-validation challenge was used wrongly (unknown token, answered twice...)."""


class DataFileNotFoundError(CourseError, FileNotFoundError):
    """A file the lessons read from ``data/`` is not there."""


class ServerError(CourseError, RuntimeError):
    """A course server on 127.0.0.1 could not start, or did not answer in time."""


class GradingError(CourseError, RuntimeError):
    """An instructor's grading run cannot go on (pkicourse.grading): the message says what to do."""
