"""Plausible wrong answers to lesson 02's exercises: each must fail its visible tests.

Each value is the whole replacement source of the solution cell (tests/test_wrong_answers.py).
"""

LESSON = "02-session-keys"

WRONG = {
    "ex1": {
        "catches the failure and returns b'' for that record": """
def open_stream(session_key, records):
    plaintexts = []
    for seq, record in enumerate(records):
        try:
            nonce, body = record[:12], record[12:]
            plaintexts.append(AESGCM(session_key).decrypt(nonce, body, seq.to_bytes(8, "big")))
        except InvalidTag:
            plaintexts.append(b"")
    return plaintexts
""",
        "tries every sequence number until one opens (accepts replays and reordering)": """
def open_stream(session_key, records):
    plaintexts = []
    for record in records:
        for seq in range(len(records)):
            try:
                header = seq.to_bytes(8, "big")
                plaintexts.append(open_sealed(session_key, record, associated_data=header))
                break
            except DecryptionError:
                continue
        else:
            raise DecryptionError("this record does not open at any place")
    return plaintexts
""",
        "skips the records that do not open and carries on": """
def open_stream(session_key, records):
    plaintexts = []
    for seq, record in enumerate(records):
        try:
            header = seq.to_bytes(8, "big")
            plaintexts.append(open_sealed(session_key, record, associated_data=header))
        except DecryptionError:
            continue
    return plaintexts
""",
        "opens each record without the sequence number (no associated data)": """
def open_stream(session_key, records):
    return [open_sealed(session_key, record) for record in records]
""",
        "counts the sequence numbers from 1 instead of 0": """
def open_stream(session_key, records):
    plaintexts = []
    for seq, record in enumerate(records, start=1):
        header = seq.to_bytes(8, "big")
        plaintexts.append(open_sealed(session_key, record, associated_data=header))
    return plaintexts
""",
    },
    "ex2": {
        "prints 'abort' on a bad signature and carries on deriving a key": """
def finish_handshake(bank_public_key, browser_ephemeral, server_share, signature):
    browser_share = browser_ephemeral.public_key().public_bytes_raw()
    try:
        verify(bank_public_key, browser_share + server_share, signature)
    except Exception:
        print("signature INVALID, someone else answered: abort the connection")
    shared = browser_ephemeral.exchange(X25519PublicKey.from_public_bytes(server_share))
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO).derive(shared)
""",
        "skips HKDF (returns the raw X25519 shared secret)": """
def finish_handshake(bank_public_key, browser_ephemeral, server_share, signature):
    browser_share = browser_ephemeral.public_key().public_bytes_raw()
    verify(bank_public_key, browser_share + server_share, signature)
    return browser_ephemeral.exchange(X25519PublicKey.from_public_bytes(server_share))
""",
        "checks the signature over the server's share only": """
def finish_handshake(bank_public_key, browser_ephemeral, server_share, signature):
    verify(bank_public_key, server_share, signature)
    server_public = X25519PublicKey.from_public_bytes(server_share)
    return derive_session_key(browser_ephemeral, server_public, info=INFO)
""",
        "computes is_valid_signature but ignores its result": """
from pkicourse.asymmetric import is_valid_signature


def finish_handshake(bank_public_key, browser_ephemeral, server_share, signature):
    browser_share = browser_ephemeral.public_key().public_bytes_raw()
    trusted = is_valid_signature(bank_public_key, browser_share + server_share, signature)
    print("signature valid:", trusted)
    server_public = X25519PublicKey.from_public_bytes(server_share)
    return derive_session_key(browser_ephemeral, server_public, info=INFO)
""",
        "RSA-PSS only, as in section 8 (fails for EC and Ed25519 bank keys)": """
def finish_handshake(bank_public_key, browser_ephemeral, server_share, signature):
    browser_share = browser_ephemeral.public_key().public_bytes_raw()
    bank_public_key.verify(signature, browser_share + server_share, PSS, hashes.SHA256())
    server_public = X25519PublicKey.from_public_bytes(server_share)
    return derive_session_key(browser_ephemeral, server_public, info=INFO)
""",
        "verifies every EC key with SHA-256 (P-384 is signed with SHA-384)": """
def finish_handshake(bank_public_key, browser_ephemeral, server_share, signature):
    browser_share = browser_ephemeral.public_key().public_bytes_raw()
    data = browser_share + server_share
    if isinstance(bank_public_key, rsa.RSAPublicKey):
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
        bank_public_key.verify(signature, data, pss, hashes.SHA256())
    elif isinstance(bank_public_key, ec.EllipticCurvePublicKey):
        bank_public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    else:
        bank_public_key.verify(signature, data)
    server_public = X25519PublicKey.from_public_bytes(server_share)
    return derive_session_key(browser_ephemeral, server_public, info=INFO)
""",
        "passes the signature and the data to verify in the wrong order": """
def finish_handshake(bank_public_key, browser_ephemeral, server_share, signature):
    browser_share = browser_ephemeral.public_key().public_bytes_raw()
    verify(bank_public_key, signature, browser_share + server_share)
    server_public = X25519PublicKey.from_public_bytes(server_share)
    return derive_session_key(browser_ephemeral, server_public, info=INFO)
""",
        "returns None instead of raising when the signature does not match": """
def finish_handshake(bank_public_key, browser_ephemeral, server_share, signature):
    browser_share = browser_ephemeral.public_key().public_bytes_raw()
    try:
        verify(bank_public_key, browser_share + server_share, signature)
    except Exception:
        return None
    server_public = X25519PublicKey.from_public_bytes(server_share)
    return derive_session_key(browser_ephemeral, server_public, info=INFO)
""",
    },
}
