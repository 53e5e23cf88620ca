"""Plausible wrong answers to lesson 08's exercises: each must fail its visible tests.

Each value is the whole replacement source of the solution cell (tests/test_wrong_answers.py).
"""

LESSON = "08-putting-it-together"

_EX1_KEY_AND_NAME = """
def _names(cert):
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return san.get_values_for_type(x509.DNSName)


def setup_problem(key_pem, chain_pem, root, hostname):
    key = serialization.load_pem_private_key(key_pem, password=None)
    chain = x509.load_pem_x509_certificates(chain_pem)
    spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if key.public_key().public_bytes(*spki) != chain[0].public_key().public_bytes(*spki):
        return "key-mismatch"
    if hostname not in _names(chain[0]):
        return "wrong-name"
"""

_EX2_LINES = """
def _fingerprint(b64):
    digest = hashlib.sha256(base64.b64decode(b64)).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def _entries(known_hosts):
    for line in known_hosts.splitlines():
        fields = line.split()
        if len(fields) >= 3 and not fields[0].startswith(("#", "@")):
            yield fields
"""

WRONG = {
    "ex1": {
        "checks the key and the name, never the chain": _EX1_KEY_AND_NAME
        + """
    return "ok"
""",
        "follows the chain by issuer names only, not signatures": _EX1_KEY_AND_NAME
        + """
    for cert, issuer in zip(chain, [*chain[1:], root], strict=True):
        if cert.issuer != issuer.subject:
            return "incomplete-chain"
    return "ok"
""",
        "checks only that the last certificate is signed by the root": _EX1_KEY_AND_NAME
        + """
    try:
        chain[-1].verify_directly_issued_by(root)
    except (ValueError, TypeError, InvalidSignature):
        return "incomplete-chain"
    return "ok"
""",
        "the key may match any certificate of the file": """
def setup_problem(key_pem, chain_pem, root, hostname):
    key = serialization.load_pem_private_key(key_pem, password=None)
    chain = x509.load_pem_x509_certificates(chain_pem)
    if not any(key.public_key() == cert.public_key() for cert in chain):
        return "key-mismatch"
    try:
        san = chain[0].extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = san.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        names = []
    if hostname not in names:
        return "wrong-name"
    for cert, issuer in zip(chain, [*chain[1:], root], strict=True):
        try:
            cert.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature):
            return "incomplete-chain"
    return "ok"
""",
        "matches the name against the CN instead of the SAN": """
def setup_problem(key_pem, chain_pem, root, hostname):
    key = serialization.load_pem_private_key(key_pem, password=None)
    chain = x509.load_pem_x509_certificates(chain_pem)
    if key.public_key() != chain[0].public_key():
        return "key-mismatch"
    common_names = chain[0].subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not common_names or common_names[0].value != hostname:
        return "wrong-name"
    for cert, issuer in zip(chain, [*chain[1:], root], strict=True):
        try:
            cert.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature):
            return "incomplete-chain"
    return "ok"
""",
        "trusts a self-signed root that the server's own file carries": _EX1_KEY_AND_NAME
        + """
    for cert, issuer in zip(chain, chain[1:]):
        try:
            cert.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature):
            return "incomplete-chain"
    last = chain[-1]
    if last.subject == last.issuer:  # the file ends with a root: its self-signature verifies
        try:
            last.verify_directly_issued_by(last)
            return "ok"
        except (ValueError, TypeError, InvalidSignature):
            return "incomplete-chain"
    try:
        last.verify_directly_issued_by(root)
    except (ValueError, TypeError, InvalidSignature):
        return "incomplete-chain"
    return "ok"
""",
        "checks the last link, to the root, by name only": _EX1_KEY_AND_NAME
        + """
    for cert, issuer in zip(chain, chain[1:]):
        try:
            cert.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature):
            return "incomplete-chain"
    if chain[-1] != root and chain[-1].issuer != root.subject:
        return "incomplete-chain"
    return "ok"
""",
        "falls back to the CN when the name is not in the SAN": """
def setup_problem(key_pem, chain_pem, root, hostname):
    key = serialization.load_pem_private_key(key_pem, password=None)
    chain = x509.load_pem_x509_certificates(chain_pem)
    spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if key.public_key().public_bytes(*spki) != chain[0].public_key().public_bytes(*spki):
        return "key-mismatch"
    try:
        san = chain[0].extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = san.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        names = []
    common_names = [a.value for a in chain[0].subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    if hostname not in names and hostname not in common_names:  # Python ssl's old rule
        return "wrong-name"
    for cert, issuer in zip(chain, [*chain[1:], root], strict=True):
        try:
            cert.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature):
            return "incomplete-chain"
    return "ok"
""",
        "the path built in any order (each certificate's issuer searched in the whole file)": (
            _EX1_KEY_AND_NAME
            + """
    current, rest = chain[0], list(chain[1:])
    while True:
        try:
            current.verify_directly_issued_by(root)
            return "ok"
        except (ValueError, TypeError, InvalidSignature):
            pass
        for issuer in rest:
            try:
                current.verify_directly_issued_by(issuer)
            except (ValueError, TypeError, InvalidSignature):
                continue
            break
        else:
            return "incomplete-chain"
        rest.remove(issuer)
        current = issuer
"""
        ),
        "a file that ends with the root is called incomplete": _EX1_KEY_AND_NAME
        + """
    if chain[-1].subject == chain[-1].issuer:
        return "incomplete-chain"
    for cert, issuer in zip(chain, [*chain[1:], root], strict=True):
        try:
            cert.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature):
            return "incomplete-chain"
    return "ok"
""",
    },
    "ex2": {
        "a host matches when its name appears anywhere in the line's host field": _EX2_LINES
        + """

def ssh_decision(known_hosts, host, key_type, offered_fingerprint):
    known = [_fingerprint(f[2]) for f in _entries(known_hosts) if host in f[0]]
    if not known:
        return "ask"
    return "connect" if offered_fingerprint in known else "refuse"
""",
        "only lines of the offered key type count (a key of another type asks)": _EX2_LINES
        + """

def ssh_decision(known_hosts, host, key_type, offered_fingerprint):
    known = [
        _fingerprint(f[2])
        for f in _entries(known_hosts)
        if host in f[0].split(",") and f[1] == key_type
    ]
    if not known:
        return "ask"
    return "connect" if offered_fingerprint in known else "refuse"
""",
        "keeps base64's = padding in the fingerprint": _EX2_LINES
        + """

def ssh_decision(known_hosts, host, key_type, offered_fingerprint):
    known = []
    for f in _entries(known_hosts):
        if host in f[0].split(","):
            digest = hashlib.sha256(base64.b64decode(f[2])).digest()
            known.append("SHA256:" + base64.b64encode(digest).decode())
    if not known:
        return "ask"
    return "connect" if offered_fingerprint in known else "refuse"
""",
        "compares the fingerprint with the base64 key itself": _EX2_LINES
        + """

def ssh_decision(known_hosts, host, key_type, offered_fingerprint):
    known = [
        "SHA256:" + f[2]
        for f in _entries(known_hosts)
        if host in f[0].split(",")
    ]
    if not known:
        return "ask"
    return "connect" if offered_fingerprint in known else "refuse"
""",
        "trust on first use: an unknown host is connected to": _EX2_LINES
        + """

def ssh_decision(known_hosts, host, key_type, offered_fingerprint):
    known = [
        _fingerprint(f[2])
        for f in _entries(known_hosts)
        if host in f[0].split(",")
    ]
    if not known:
        return "connect"
    return "connect" if offered_fingerprint in known else "refuse"
""",
        "treats a comma-separated list as one name": _EX2_LINES
        + """

def ssh_decision(known_hosts, host, key_type, offered_fingerprint):
    known = [_fingerprint(f[2]) for f in _entries(known_hosts) if f[0] == host]
    if not known:
        return "ask"
    return "connect" if offered_fingerprint in known else "refuse"
""",
    },
}
