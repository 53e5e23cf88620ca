"""Every point the curriculum gives lessons 00-02 is taught in a cell a learner runs.

The table below is the curriculum's rows for 00-02, one line per point of the note (or of the
"beyond the note" column), with the code that teaches it. A point counts only when its code is
in a cell the learner runs in the *learner copy*: not in prose, not only in an exercise solution.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from support import NOTEBOOKS

# (lesson, point, regexes that must all match the lesson's runnable code)
POINTS = [
    ("00-index", "environment check", [r"check_environment\(\)"]),
    ("00-index", "how to use self-checks", [r"\bask\(", r"\bcheck\("]),
    ("00-index", "preview: key pair", [r"Ed25519PrivateKey\.generate\(\)"]),
    ("00-index", "preview: handshake and impostor on 127.0.0.1", [r"handshake_tour\(\)"]),
    ("01-asymmetric-keys", "public lock / private key", [r"\.public_key\(\)", r"\.encrypt\("]),
    ("01-asymmetric-keys", "only the owner unlocks", [r"someone_else\.decrypt\("]),
    ("01-asymmetric-keys", "several users each with a pair", [r"who_can_open\(", r"draw_users"]),
    (
        "01-asymmetric-keys",
        "either key can lock (textbook RSA, learning only)",
        [r"lock_with_private", r"unlock_with_public", r"FOR LEARNING ONLY"],
    ),
    ("01-asymmetric-keys", "private-key lock is a signature", [r"\.sign\(", r"\.verify\("]),
    ("01-asymmetric-keys", "tamper detection", [r"InvalidSignature|SignatureMismatchError"]),
    ("01-asymmetric-keys", "the openssl command that makes keys", [r"openssl_generate_command"]),
    (
        "01-asymmetric-keys",
        "key files: .key / -key.pem private, .pem / .crt public",
        [r"looks_like_private_key_file", r"server-key\.pem", r"\.crt"],
    ),
    ("01-asymmetric-keys", "key files written 0600", [r"save_private_key", r"st_mode"]),
    ("01-asymmetric-keys", "passphrase-protected PEM", [r"BestAvailableEncryption|passphrase="]),
    ("01-asymmetric-keys", "RSA vs EC vs Ed25519 with a widget", [r"key_explorer\("]),
    ("01-asymmetric-keys", "SSH admin key pair", [r"Encoding\.OpenSSH"]),
    ("02-session-keys", "TLS uses both kinds", [r"AESGCM", r"OAEP"]),
    ("02-session-keys", "the server's key pair (openssl)", [r"openssl_generate_command"]),
    (
        "02-session-keys",
        "browser encrypts the symmetric key with the server's public key",
        [r"server_public_key\.encrypt\(browser_session_key", r"wrap_session_key\("],
    ),
    (
        "02-session-keys",
        "server decrypts it with its private key",
        [r"server_private_key\.decrypt\(", r"unwrap_session_key\("],
    ),
    ("02-session-keys", "the symmetric key encrypts the data", [r"\bseal\(", r"open_sealed\("]),
    ("02-session-keys", "measured speed AES-GCM vs RSA", [r"measure_speeds\(", r"draw_speeds"]),
    ("02-session-keys", "RSA size limit", [r"MessageTooLongError"]),
    ("02-session-keys", "who knows what", [r"draw_who_knows_what"]),
    ("02-session-keys", "stolen key decrypts recordings", [r"stolen_key"]),
    (
        "02-session-keys",
        "ECDHE + HKDF and forward secrecy",
        [r"X25519PrivateKey\.generate\(\)", r"\.exchange\(", r"HKDF\(", r"derive_session_key\("],
    ),
]


def runnable_code(lesson: str) -> str:
    """The code of every cell a learner runs, exercises excluded."""
    nb = nbformat.read(NOTEBOOKS / f"{lesson}.ipynb", as_version=4)
    return "\n".join(
        c.source for c in nb.cells if c.cell_type == "code" and "nbgrader" not in c.metadata
    )


@pytest.mark.parametrize(("lesson", "point", "patterns"), POINTS, ids=[p[1] for p in POINTS])
def test_point_is_taught_in_code(lesson: str, point: str, patterns: list[str]) -> None:
    code = runnable_code(lesson)
    missing = [p for p in patterns if not re.search(p, code)]
    assert not missing, f"{lesson} does not teach {point!r} in a runnable cell: {missing}"


def test_exercise_code_does_not_count() -> None:
    """The twin: code that appears only in an exercise cell is not found."""
    code = runnable_code("00-index")
    assert "def proves_possession" not in code  # exercise 1 of 00-index
    assert "check_environment()" in code
