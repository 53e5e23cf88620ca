"""One family of exceptions for the mistakes a learner can make.

Every message says what went wrong *and what to do next*. Each class also derives from the
built-in exception a Python programmer would expect (``ValueError``, ``FileExistsError``...),
so ``except ValueError`` keeps working.

Lessons: 01-asymmetric-keys and 02-session-keys raise most of these on purpose, to show them.
"""

from __future__ import annotations

__all__ = [
    "CourseError",
    "DecryptionError",
    "InvalidChoiceError",
    "KeyFileExistsError",
    "KeyFileNotFoundError",
    "KeyFileNameError",
    "MessageTooLongError",
    "NotPEMError",
    "PassphraseError",
    "QuestionError",
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


class KeyFileNameError(CourseError, ValueError):
    """A file name that breaks the naming convention: a private key in ``server.pem``..."""


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
