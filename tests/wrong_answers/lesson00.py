"""Plausible wrong answers to lesson 00's exercises: each must fail its visible tests.

Each value is the whole replacement source of the solution cell (tests/test_wrong_answers.py).
"""

LESSON = "00-index"

WRONG = {
    "ex1": {
        "retypes the lesson's P-256 cell for every key type": """
def proves_possession(public_key, challenge, response):
    try:
        public_key.verify(response, challenge, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True
""",
        "lets InvalidSignature escape instead of returning False": """
def proves_possession(public_key, challenge, response):
    if isinstance(public_key, rsa.RSAPublicKey):
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
        public_key.verify(response, challenge, pss, hashes.SHA256())
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        digest = hashes.SHA384() if public_key.curve.name == "secp384r1" else hashes.SHA256()
        public_key.verify(response, challenge, ec.ECDSA(digest))
    else:
        public_key.verify(response, challenge)
    return True
""",
        "swaps the signature and the data in verify(...)": """
def proves_possession(public_key, challenge, response):
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
            public_key.verify(challenge, response, pss, hashes.SHA256())
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            digest = hashes.SHA384() if public_key.curve.name == "secp384r1" else hashes.SHA256()
            public_key.verify(challenge, response, ec.ECDSA(digest))
        else:
            public_key.verify(challenge, response)
    except InvalidSignature:
        return False
    return True
""",
        "signs P-384 with SHA-256 (one hash for every curve)": """
def proves_possession(public_key, challenge, response):
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
            public_key.verify(response, challenge, pss, hashes.SHA256())
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(response, challenge, ec.ECDSA(hashes.SHA256()))
        else:
            public_key.verify(response, challenge)
    except InvalidSignature:
        return False
    return True
""",
        "uses PKCS#1 v1.5 for RSA instead of PSS": """
def proves_possession(public_key, challenge, response):
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(response, challenge, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            digest = hashes.SHA384() if public_key.curve.name == "secp384r1" else hashes.SHA256()
            public_key.verify(response, challenge, ec.ECDSA(digest))
        else:
            public_key.verify(response, challenge)
    except InvalidSignature:
        return False
    return True
""",
        "accepts any signature-shaped response (checks the length, not the key)": """
def proves_possession(public_key, challenge, response):
    if isinstance(public_key, rsa.RSAPublicKey):
        return len(response) == public_key.key_size // 8
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return len(response) == 64
    return 64 <= len(response) <= 104
""",
        "verifies against a fresh challenge of its own instead of the one sent": """
def proves_possession(public_key, challenge, response):
    mine = os.urandom(32)
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
            public_key.verify(response, mine, pss, hashes.SHA256())
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            digest = hashes.SHA384() if public_key.curve.name == "secp384r1" else hashes.SHA256()
            public_key.verify(response, mine, ec.ECDSA(digest))
        else:
            public_key.verify(response, mine)
    except InvalidSignature:
        return False
    return True
""",
    },
    "ex2": {
        "blames the signer for every refusal (the tour's one story)": """
def chrome_error(refusal):
    return "ERR_CERT_AUTHORITY_INVALID"
""",
        "knows only the two codes the lesson showed; guesses dates for the rest": """
def chrome_error(refusal):
    return {18: "ERR_CERT_AUTHORITY_INVALID", 62: "ERR_CERT_COMMON_NAME_INVALID"}.get(
        refusal.verify_code, "ERR_CERT_DATE_INVALID"
    )
""",
        "guesses the authority error for every code it does not know": """
def chrome_error(refusal):
    if refusal.verify_code in (9, 10):
        return "ERR_CERT_DATE_INVALID"
    if refusal.verify_code == 62:
        return "ERR_CERT_COMMON_NAME_INVALID"
    return "ERR_CERT_AUTHORITY_INVALID"
""",
        "matches words of the message, missing 'unable to get local issuer'": """
def chrome_error(refusal):
    message = refusal.verify_message.lower()
    if "self-signed" in message or "self signed" in message:
        return "ERR_CERT_AUTHORITY_INVALID"
    if "hostname" in message:
        return "ERR_CERT_COMMON_NAME_INVALID"
    if "expired" in message or "not yet valid" in message:
        return "ERR_CERT_DATE_INVALID"
    return None
""",
        "forgets code 19 (an untrusted root sent along with the chain)": """
def chrome_error(refusal):
    return {
        9: "ERR_CERT_DATE_INVALID", 10: "ERR_CERT_DATE_INVALID",
        18: "ERR_CERT_AUTHORITY_INVALID", 20: "ERR_CERT_AUTHORITY_INVALID",
        62: "ERR_CERT_COMMON_NAME_INVALID",
    }.get(refusal.verify_code)
""",
        "keeps Chrome's NET:: prefix": """
def chrome_error(refusal):
    names = {9: "DATE", 10: "DATE", 18: "AUTHORITY", 19: "AUTHORITY", 20: "AUTHORITY",
             62: "COMMON_NAME"}
    name = names.get(refusal.verify_code)
    return None if name is None else f"NET::ERR_CERT_{name}_INVALID"
""",
    },
}
