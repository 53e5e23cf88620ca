"""Plausible wrong answers to lesson 05's exercises: each must fail its visible tests.

Each value is the whole replacement source of the solution cell (tests/test_wrong_answers.py).
"""

LESSON = "05-certificate-authorities"

_EX1_HEAD = """
SERVER_AUTH = ExtendedKeyUsageOID.SERVER_AUTH


def issue_for(csr, ca_cert, ca_key, now):
    if not csr.is_signature_valid:
        raise ValueError("the CSR's signature does not verify")
    if isinstance(ca_key, ed25519.Ed25519PrivateKey):
        algorithm = None
    elif isinstance(ca_key, ec.EllipticCurvePrivateKey) and ca_key.curve.name == "secp384r1":
        algorithm = hashes.SHA384()
    else:
        algorithm = hashes.SHA256()
    san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski)
    ku = x509.KeyUsage(
        digital_signature=True, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
        encipher_only=False, decipher_only=False)
"""

_EX2_DATES_AND_NAME = """
def why_rejected(chain, root, hostname, at):
    for cert in [*chain, root]:
        if at > cert.not_valid_after_utc:
            return "expired"
        if at < cert.not_valid_before_utc:
            return "not-yet-valid"
    try:
        san = chain[0].extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = san.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        names = []
    if hostname not in names:
        return "wrong-name"
"""

WRONG = {
    "ex1": {
        "no authority key identifier (AKI) on the leaf": _EX1_HEAD
        + """
    return (
        x509.CertificateBuilder()
        .subject_name(csr.subject).issuer_name(ca_cert.subject).public_key(csr.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=90))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(ku, critical=True)
        .add_extension(x509.ExtendedKeyUsage([SERVER_AUTH]), critical=False)
        .add_extension(san, critical=False)
        .sign(ca_key, algorithm)
    )
""",
        "CA:TRUE on the leaf (copied from the root's builder)": _EX1_HEAD
        + """
    return (
        x509.CertificateBuilder()
        .subject_name(csr.subject).issuer_name(ca_cert.subject).public_key(csr.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=90))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(ku, critical=True)
        .add_extension(x509.ExtendedKeyUsage([SERVER_AUTH]), critical=False)
        .add_extension(san, critical=False)
        .add_extension(aki, critical=False)
        .sign(ca_key, algorithm)
    )
""",
        "no SAN: only the CN in the subject": _EX1_HEAD
        + """
    return (
        x509.CertificateBuilder()
        .subject_name(csr.subject).issuer_name(ca_cert.subject).public_key(csr.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=90))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(ku, critical=True)
        .add_extension(x509.ExtendedKeyUsage([SERVER_AUTH]), critical=False)
        .add_extension(aki, critical=False)
        .sign(ca_key, algorithm)
    )
""",
        "validity from today's clock instead of the given now": _EX1_HEAD
        + """
    today = dt.datetime.now(dt.timezone.utc)
    return (
        x509.CertificateBuilder()
        .subject_name(csr.subject).issuer_name(ca_cert.subject).public_key(csr.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(today).not_valid_after(today + dt.timedelta(days=90))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(ku, critical=True)
        .add_extension(x509.ExtendedKeyUsage([SERVER_AUTH]), critical=False)
        .add_extension(san, critical=False)
        .add_extension(aki, critical=False)
        .sign(ca_key, algorithm)
    )
""",
        "validity starting tomorrow": _EX1_HEAD
        + """
    return (
        x509.CertificateBuilder()
        .subject_name(csr.subject).issuer_name(ca_cert.subject).public_key(csr.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=90))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(ku, critical=True)
        .add_extension(x509.ExtendedKeyUsage([SERVER_AUTH]), critical=False)
        .add_extension(san, critical=False)
        .add_extension(aki, critical=False)
        .sign(ca_key, algorithm)
    )
""",
        "self-signed: the CSR's subject as issuer": _EX1_HEAD
        + """
    return (
        x509.CertificateBuilder()
        .subject_name(csr.subject).issuer_name(csr.subject).public_key(csr.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=90))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(ku, critical=True)
        .add_extension(x509.ExtendedKeyUsage([SERVER_AUTH]), critical=False)
        .add_extension(san, critical=False)
        .add_extension(aki, critical=False)
        .sign(ca_key, algorithm)
    )
""",
        "no keyUsage (section 3's leaf had digitalSignature)": _EX1_HEAD
        + """
    return (
        x509.CertificateBuilder()
        .subject_name(csr.subject).issuer_name(ca_cert.subject).public_key(csr.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=90))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([SERVER_AUTH]), critical=False)
        .add_extension(san, critical=False)
        .add_extension(aki, critical=False)
        .sign(ca_key, algorithm)
    )
""",
        "valid for one day instead of 90": _EX1_HEAD
        + """
    return (
        x509.CertificateBuilder()
        .subject_name(csr.subject).issuer_name(ca_cert.subject).public_key(csr.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(ku, critical=True)
        .add_extension(x509.ExtendedKeyUsage([SERVER_AUTH]), critical=False)
        .add_extension(san, critical=False)
        .add_extension(aki, critical=False)
        .sign(ca_key, algorithm)
    )
""",
        "always SHA-256, whatever the CA's key": """
SERVER_AUTH = ExtendedKeyUsageOID.SERVER_AUTH


def issue_for(csr, ca_cert, ca_key, now):
    san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski)
    ku = x509.KeyUsage(True, False, False, False, False, False, False, False, False)
    return (
        x509.CertificateBuilder()
        .subject_name(csr.subject).issuer_name(ca_cert.subject).public_key(csr.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=90))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(ku, critical=True)
        .add_extension(x509.ExtendedKeyUsage([SERVER_AUTH]), critical=False)
        .add_extension(san, critical=False)
        .add_extension(aki, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
""",
        "signs without checking the CSR's signature": _EX1_HEAD.replace(
            "    if not csr.is_signature_valid:\n"
            '        raise ValueError("the CSR\'s signature does not verify")\n',
            "",
        )
        + """
    return (
        x509.CertificateBuilder()
        .subject_name(csr.subject).issuer_name(ca_cert.subject).public_key(csr.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=90))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(ku, critical=True)
        .add_extension(x509.ExtendedKeyUsage([SERVER_AUTH]), critical=False)
        .add_extension(san, critical=False)
        .add_extension(aki, critical=False)
        .sign(ca_key, algorithm)
    )
""",
    },
    "ex2": {
        "assumes every leaf has a SAN (crashes with ExtensionNotFound)": """
def why_rejected(chain, root, hostname, at):
    for cert in [*chain, root]:
        if at > cert.not_valid_after_utc:
            return "expired"
        if at < cert.not_valid_before_utc:
            return "not-yet-valid"
    san = chain[0].extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    if hostname not in san.get_values_for_type(x509.DNSName):
        return "wrong-name"
    for cert, issuer in zip(chain, [*chain[1:], root], strict=True):
        try:
            cert.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature):
            return "unknown-issuer"
        if not issuer.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            return "not-a-ca"
    return "ok"
""",
        "checks only the leaf's dates": """
def why_rejected(chain, root, hostname, at):
    leaf = chain[0]
    if at > leaf.not_valid_after_utc:
        return "expired"
    if at < leaf.not_valid_before_utc:
        return "not-yet-valid"
    try:
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = san.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        names = []
    if hostname not in names:
        return "wrong-name"
    for cert, issuer in zip(chain, [*chain[1:], root], strict=True):
        try:
            cert.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature):
            return "unknown-issuer"
        if not issuer.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            return "not-a-ca"
    return "ok"
""",
        "compares the hostname with the leaf's CN": """
def why_rejected(chain, root, hostname, at):
    for cert in [*chain, root]:
        if at > cert.not_valid_after_utc:
            return "expired"
        if at < cert.not_valid_before_utc:
            return "not-yet-valid"
    common_name = chain[0].subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    if hostname != common_name:
        return "wrong-name"
    for cert, issuer in zip(chain, [*chain[1:], root], strict=True):
        try:
            cert.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature):
            return "unknown-issuer"
        if not issuer.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            return "not-a-ca"
    return "ok"
""",
        "accepts an issuer whose name matches, without checking the signature": _EX2_DATES_AND_NAME
        + """
    for cert, issuer in zip(chain, [*chain[1:], root], strict=True):
        if cert.issuer != issuer.subject:
            return "unknown-issuer"
        if not issuer.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            return "not-a-ca"
    return "ok"
""",
        "checks the CA flag of the certificate, not of its issuer": _EX2_DATES_AND_NAME
        + """
    for cert, issuer in zip(chain, [*chain[1:], root], strict=True):
        try:
            cert.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature):
            return "unknown-issuer"
    if chain[0].extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
        return "not-a-ca"
    return "ok"
""",
        "lets cryptography's verifier decide, and guesses the rule from its message": """
def why_rejected(chain, root, hostname, at):
    policy = PolicyBuilder().store(Store([root])).time(at)
    verifier = policy.build_server_verifier(DNSName(hostname))
    try:
        verifier.verify(chain[0], chain[1:])
    except VerificationError as err:
        text = str(err)
        if "not valid at validation time" in text:
            return "expired"
        if "subjectAltName" in text:
            return "wrong-name"
        if "basicConstraints" in text:
            return "not-a-ca"
        return "unknown-issuer"
    return "ok"
""",
    },
}
