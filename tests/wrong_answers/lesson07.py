"""Plausible wrong answers to lesson 07's exercises: each must fail its visible tests.

Each value is the whole replacement source of the solution cell (tests/test_wrong_answers.py).
"""

LESSON = "07-mitm"

_EX2_PIN = """
def pin(cert):
    spki = cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    return "sha256/" + base64.b64encode(hashlib.sha256(spki).digest()).decode()

"""

_EX2_PATH = """
    path = [chain[0]]
    for issuer in chain[1:]:
        try:
            path[-1].verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature):
            break
        path.append(issuer)
"""

WRONG = {
    "ex1": {
        "CERT_REQUIRED only (CERT_OPTIONAL taken as unsafe)": """
def is_safe(context, vetted_roots):
    if context.verify_mode != ssl.CERT_REQUIRED or not context.check_hostname:
        return False
    trusted = [x509.load_der_x509_certificate(d) for d in context.get_ca_certs(binary_form=True)]
    return all(root in vetted_roots for root in trusted)
""",
        "no name check (check_hostname ignored)": """
def is_safe(context, vetted_roots):
    if context.verify_mode == ssl.CERT_NONE:
        return False
    trusted = [x509.load_der_x509_certificate(d) for d in context.get_ca_certs(binary_form=True)]
    return all(root in vetted_roots for root in trusted)
""",
        "the trust store is not looked at (an installed CA goes unnoticed)": """
def is_safe(context, vetted_roots):
    return context.verify_mode != ssl.CERT_NONE and context.check_hostname
""",
        "roots compared by their subject name": """
def is_safe(context, vetted_roots):
    if context.verify_mode == ssl.CERT_NONE or not context.check_hostname:
        return False
    vetted_names = {root.subject for root in vetted_roots}
    trusted = [x509.load_der_x509_certificate(d) for d in context.get_ca_certs(binary_form=True)]
    return all(cert.subject in vetted_names for cert in trusted)
""",
        "one vetted root in the store is taken as enough": """
def is_safe(context, vetted_roots):
    if context.verify_mode == ssl.CERT_NONE or not context.check_hostname:
        return False
    trusted = [x509.load_der_x509_certificate(d) for d in context.get_ca_certs(binary_form=True)]
    return any(root in vetted_roots for root in trusted)
""",
        "get_ca_certs taken as the whole store (a trusted self-signed leaf goes unnoticed)": """
def is_safe(context, vetted_roots):
    if context.verify_mode not in (ssl.CERT_REQUIRED, ssl.CERT_OPTIONAL):
        return False
    if not context.check_hostname:
        return False
    trusted = [x509.load_der_x509_certificate(d) for d in context.get_ca_certs(binary_form=True)]
    return all(root in vetted_roots for root in trusted)
""",
        "the counts compared, but an empty list taken as safe (capath roots unseen)": """
def is_safe(context, vetted_roots):
    if context.verify_mode not in (ssl.CERT_REQUIRED, ssl.CERT_OPTIONAL):
        return False
    if not context.check_hostname:
        return False
    ders = context.get_ca_certs(binary_form=True)
    if context.cert_store_stats()["x509"] != len(ders):
        return False
    return all(x509.load_der_x509_certificate(d) in vetted_roots for d in ders)
""",
    },
    "ex2": {
        "only the leaf's key is compared": _EX2_PIN
        + """
def pin_ok(chain, pins):
    return pin(chain[0]) in pins
""",
        "any certificate the server sent counts (no signing path)": _EX2_PIN
        + """
def pin_ok(chain, pins):
    return any(pin(cert) in pins for cert in chain)
""",
        "the path followed by issuer names, not signatures": _EX2_PIN
        + """
def pin_ok(chain, pins):
    path = [chain[0]]
    for issuer in chain[1:]:
        if path[-1].issuer != issuer.subject:
            break
        path.append(issuer)
    return any(pin(cert) in pins for cert in path)
""",
        "the leaf and chain[1] only (the path stops after one intermediate)": _EX2_PIN
        + """
def pin_ok(chain, pins):
    if pin(chain[0]) in pins:
        return True
    if len(chain) < 2:
        return False
    try:
        chain[0].verify_directly_issued_by(chain[1])
    except (ValueError, TypeError, InvalidSignature):
        return False
    return pin(chain[1]) in pins
""",
        "the whole certificate hashed (its fingerprint), not its key": """
def pin(cert):
    der = cert.public_bytes(serialization.Encoding.DER)
    return "sha256/" + base64.b64encode(hashlib.sha256(der).digest()).decode()


def pin_ok(chain, pins):"""
        + _EX2_PATH
        + """    return any(pin(cert) in pins for cert in path)
""",
        "the hash written in hex instead of base64": """
def pin(cert):
    spki = cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    return "sha256/" + hashlib.sha256(spki).hexdigest()


def pin_ok(chain, pins):"""
        + _EX2_PATH
        + """    return any(pin(cert) in pins for cert in path)
""",
        "a pair that does not verify is skipped (continue), not the end of the path": _EX2_PIN
        + """
def pin_ok(chain, pins):
    if pin(chain[0]) in pins:
        return True
    for i in range(1, len(chain)):
        try:
            chain[i - 1].verify_directly_issued_by(chain[i])
        except (ValueError, TypeError, InvalidSignature):
            continue
        if pin(chain[i]) in pins:
            return True
    return False
""",
        "the issuer found by AKI/SKI (key identifiers), not by its signature": _EX2_PIN
        + """
def key_id(cert, kind):
    try:
        value = cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None
    return value.key_identifier if kind is x509.AuthorityKeyIdentifier else value.digest


def pin_ok(chain, pins):
    path = [chain[0]]
    for issuer in chain[1:]:
        aki = key_id(path[-1], x509.AuthorityKeyIdentifier)
        if aki is None or aki != key_id(issuer, x509.SubjectKeyIdentifier):
            break
        path.append(issuer)
    return any(pin(cert) in pins for cert in path)
""",
        "the signature checked with ECDSA only (an RSA issuer never joins the path)": _EX2_PIN
        + """
def signed(cert, issuer):
    try:
        issuer.public_key().verify(cert.signature, cert.tbs_certificate_bytes,
                                   ec.ECDSA(cert.signature_hash_algorithm))
    except Exception:
        return False
    return True


def pin_ok(chain, pins):
    path = [chain[0]]
    for issuer in chain[1:]:
        if not signed(path[-1], issuer):
            break
        path.append(issuer)
    return any(pin(cert) in pins for cert in path)
""",
    },
}
