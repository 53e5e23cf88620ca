"""Plausible wrong answers to lesson 04's exercises: each must fail its visible tests.

Each value is the whole replacement source of the solution cell (tests/test_wrong_answers.py).
"""

LESSON = "04-csr"

_KEY_CHECK = """
    key = csr.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        allowed = key.key_size >= 2048
    elif isinstance(key, ec.EllipticCurvePublicKey):
        allowed = key.curve.name in ("secp256r1", "secp384r1", "secp521r1")
    else:
        allowed = False
    if not allowed:
        problems.append("key-not-allowed")
    return problems
"""

_ASKED_SAN_AND_CN = """
    asked = set()
    try:
        san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        asked.update(name.lower() for name in san.get_values_for_type(x509.DNSName))
        asked.update(str(ip) for ip in san.get_values_for_type(x509.IPAddress))
    except x509.ExtensionNotFound:
        pass
    asked.update(a.value.lower() for a in csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME))
    ordered = {name.lower() for name in ordered_names}
"""

WRONG = {
    "ex1": {
        "checks only the CN, as if browsers still read it": """
def review_csr(csr, ordered_names):
    problems = []
    if not csr.is_signature_valid:
        problems.append("bad-signature")
    asked = {a.value.lower() for a in csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)}
    ordered = {name.lower() for name in ordered_names}
    if asked - ordered:
        problems.append("unordered-name")
    if ordered - asked:
        problems.append("missing-name")
"""
        + _KEY_CHECK,
        "skips the signature (trusts the CSR's contents)": """
def review_csr(csr, ordered_names):
    problems = []
"""
        + _ASKED_SAN_AND_CN
        + """
    if asked - ordered:
        problems.append("unordered-name")
    if ordered - asked:
        problems.append("missing-name")
"""
        + _KEY_CHECK,
        "accepts Ed25519 (checks only RSA sizes and EC curves)": """
def review_csr(csr, ordered_names):
    problems = []
    if not csr.is_signature_valid:
        problems.append("bad-signature")
"""
        + _ASKED_SAN_AND_CN
        + """
    if asked - ordered:
        problems.append("unordered-name")
    if ordered - asked:
        problems.append("missing-name")
    key = csr.public_key()
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < 2048:
        problems.append("key-not-allowed")
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name not in (
        "secp256r1", "secp384r1", "secp521r1"
    ):
        problems.append("key-not-allowed")
    return problems
""",
        "accepts any RSA size (RSA-1024 passes)": """
def review_csr(csr, ordered_names):
    problems = []
    if not csr.is_signature_valid:
        problems.append("bad-signature")
"""
        + _ASKED_SAN_AND_CN
        + """
    if asked - ordered:
        problems.append("unordered-name")
    if ordered - asked:
        problems.append("missing-name")
    key = csr.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        allowed = key.curve.name in ("secp256r1", "secp384r1", "secp521r1")
    else:
        allowed = isinstance(key, rsa.RSAPublicKey)
    if not allowed:
        problems.append("key-not-allowed")
    return problems
""",
        "checks the names one way only (never reports a missing name)": """
def review_csr(csr, ordered_names):
    problems = []
    if not csr.is_signature_valid:
        problems.append("bad-signature")
"""
        + _ASKED_SAN_AND_CN
        + """
    if asked - ordered:
        problems.append("unordered-name")
"""
        + _KEY_CHECK,
        "uses csr_names (SAN, else CN): a CN outside the SAN slips through": """
def review_csr(csr, ordered_names):
    problems = []
    if not csr.is_signature_valid:
        problems.append("bad-signature")
    asked = {name.lower() for name in csr_names(csr)}
    ordered = {name.lower() for name in ordered_names}
    if asked - ordered:
        problems.append("unordered-name")
    if ordered - asked:
        problems.append("missing-name")
"""
        + _KEY_CHECK,
        "compares names with their case (Bank.Example is not bank.example)": """
def review_csr(csr, ordered_names):
    problems = []
    if not csr.is_signature_valid:
        problems.append("bad-signature")
    asked = set()
    try:
        san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        asked.update(san.get_values_for_type(x509.DNSName))
        asked.update(str(ip) for ip in san.get_values_for_type(x509.IPAddress))
    except x509.ExtensionNotFound:
        pass
    asked.update(a.value for a in csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME))
    ordered = set(ordered_names)
    if asked - ordered:
        problems.append("unordered-name")
    if ordered - asked:
        problems.append("missing-name")
"""
        + _KEY_CHECK,
        "returns the problems' descriptions instead of their names": """
def review_csr(csr, ordered_names):
    problems = []
    if not csr.is_signature_valid:
        problems.append("bad-signature")
"""
        + _ASKED_SAN_AND_CN
        + """
    if asked - ordered:
        problems.append("unordered-name")
    if ordered - asked:
        problems.append("missing-name")
"""
        + _KEY_CHECK.replace(
            "    return problems", "    return [CSR_PROBLEMS[problem] for problem in problems]"
        ),
        "assumes every CSR has a SAN (raises on a CN-only CSR)": """
def review_csr(csr, ordered_names):
    problems = []
    if not csr.is_signature_valid:
        problems.append("bad-signature")
    san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    asked = {name.lower() for name in san.get_values_for_type(x509.DNSName)}
    asked.update(str(ip) for ip in san.get_values_for_type(x509.IPAddress))
    asked.update(a.value.lower() for a in csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME))
    ordered = {name.lower() for name in ordered_names}
    if asked - ordered:
        problems.append("unordered-name")
    if ordered - asked:
        problems.append("missing-name")
"""
        + _KEY_CHECK,
        "reads only DNS names from the SAN (an IP address slips through)": """
def review_csr(csr, ordered_names):
    problems = []
    if not csr.is_signature_valid:
        problems.append("bad-signature")
    asked = set()
    try:
        san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        asked.update(name.lower() for name in san.get_values_for_type(x509.DNSName))
    except x509.ExtensionNotFound:
        pass
    asked.update(a.value.lower() for a in csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME))
    ordered = {name.lower() for name in ordered_names}
    if asked - ordered:
        problems.append("unordered-name")
    if ordered - asked:
        problems.append("missing-name")
"""
        + _KEY_CHECK,
    },
    "ex2": {
        "asks only for the old certificate's CN": """
def csr_for_renewal(old_certificate, new_private_key):
    common_names = old_certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return make_csr(new_private_key, [common_names[0].value])
""",
        "sorts the names (the order is lost)": """
def csr_for_renewal(old_certificate, new_private_key):
    try:
        san = old_certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        names = sorted(san.value.get_values_for_type(x509.DNSName))
    except x509.ExtensionNotFound:
        common_names = old_certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        names = [a.value for a in common_names]
    return make_csr(new_private_key, names)
""",
        "signs with SHA-256 whatever the key": """
def csr_for_renewal(old_certificate, new_private_key):
    try:
        san = old_certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        names = san.value.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        common_names = old_certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        names = [a.value for a in common_names]
    return (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False
        )
        .sign(new_private_key, hashes.SHA256())
    )
""",
        "reads only the SAN (fails on a certificate without one)": """
def csr_for_renewal(old_certificate, new_private_key):
    san = old_certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    return make_csr(new_private_key, san.value.get_values_for_type(x509.DNSName))
""",
        "makes a fresh key inside the function instead of using the new key given": """
def csr_for_renewal(old_certificate, new_private_key):
    try:
        san = old_certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        names = san.value.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        common_names = old_certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        names = [a.value for a in common_names]
    return make_csr(ec.generate_private_key(ec.SECP256R1()), names)
""",
        "copies the old subject but puts no SAN in the CSR": """
def csr_for_renewal(old_certificate, new_private_key):
    from pkicourse.csr import signature_hash

    return (
        x509.CertificateSigningRequestBuilder()
        .subject_name(old_certificate.subject)
        .sign(new_private_key, signature_hash(new_private_key))
    )
""",
        "puts the old CN first, then the other SAN names": """
def csr_for_renewal(old_certificate, new_private_key):
    common_names = old_certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    names = [a.value for a in common_names]
    try:
        san = old_certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        names += [n for n in san.value.get_values_for_type(x509.DNSName) if n not in names]
    except x509.ExtensionNotFound:
        pass
    return make_csr(new_private_key, names)
""",
    },
}
