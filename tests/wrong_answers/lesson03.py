"""Plausible wrong answers to lesson 03's exercises: each must fail its visible tests.

Each value is the whole replacement source of the solution cell (tests/test_wrong_answers.py).
"""

LESSON = "03-certificates"

WRONG = {
    "ex1": {
        "falls back to the subject's CN when there is no SAN (browsers stopped in 2017)": """
def matches_host(cert, hostname):
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = san.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        names = [a.value for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    try:
        address = ipaddress.ip_address(hostname)
        return address in san.get_values_for_type(x509.IPAddress)
    except ValueError:
        pass
    host = hostname.lower().split(".")
    for name in names:
        pattern = name.lower().split(".")
        if len(pattern) == len(host) and pattern[0] == "*" and pattern[1:] == host[1:]:
            return True
        if pattern == host:
            return True
    return False
""",
        "wildcards with fnmatch, so * spans several labels": """
import fnmatch


def matches_host(cert, hostname):
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    try:
        return ipaddress.ip_address(hostname) in san.get_values_for_type(x509.IPAddress)
    except ValueError:
        pass
    return any(
        fnmatch.fnmatch(hostname.lower(), name.lower())
        for name in san.get_values_for_type(x509.DNSName)
    )
""",
        "compares names case-sensitively": """
def matches_host(cert, hostname):
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    try:
        return ipaddress.ip_address(hostname) in san.get_values_for_type(x509.IPAddress)
    except ValueError:
        pass
    host = hostname.split(".")
    for name in san.get_values_for_type(x509.DNSName):
        pattern = name.split(".")
        if len(pattern) == len(host) and pattern[0] == "*" and pattern[1:] == host[1:]:
            return True
        if pattern == host:
            return True
    return False
""",
        "matches by suffix (endswith), so evilbank.example passes": """
def matches_host(cert, hostname):
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    try:
        return ipaddress.ip_address(hostname) in san.get_values_for_type(x509.IPAddress)
    except ValueError:
        pass
    for name in san.get_values_for_type(x509.DNSName):
        if hostname.lower().endswith(name.lower().lstrip("*")):
            return True
    return False
""",
        "lets *.bank.example cover bank.example itself": """
def matches_host(cert, hostname):
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    try:
        return ipaddress.ip_address(hostname) in san.get_values_for_type(x509.IPAddress)
    except ValueError:
        pass
    host = hostname.lower()
    for name in san.get_values_for_type(x509.DNSName):
        name = name.lower()
        if name == host:
            return True
        if name.startswith("*.") and (host == name[2:] or host.split(".", 1)[-1] == name[2:]):
            return True
    return False
""",
        "looks only at DNS names, so an IP address never matches": """
def matches_host(cert, hostname):
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    host = hostname.lower().split(".")
    for name in san.get_values_for_type(x509.DNSName):
        pattern = name.lower().split(".")
        if len(pattern) == len(host) and pattern[0] == "*" and pattern[1:] == host[1:]:
            return True
        if pattern == host:
            return True
    return False
""",
        "lets an exception escape for a certificate without SAN": """
def matches_host(cert, hostname):
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    try:
        return ipaddress.ip_address(hostname) in san.get_values_for_type(x509.IPAddress)
    except ValueError:
        pass
    host = hostname.lower().split(".")
    for name in san.get_values_for_type(x509.DNSName):
        pattern = name.lower().split(".")
        if len(pattern) == len(host) and pattern[0] == "*" and pattern[1:] == host[1:]:
            return True
        if pattern == host:
            return True
    return False
""",
    },
    "ex2": {
        "compares the names only (a same-named impostor passes)": """
def check_issuer(cert, candidate):
    if cert.issuer != candidate.subject:
        return "other-name"
    return "signed"
""",
        "compares the AKI with the candidate's SKI (and the names)": """
def check_issuer(cert, candidate):
    if cert.issuer != candidate.subject:
        return "other-name"
    try:
        aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
        ski = candidate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    except x509.ExtensionNotFound:
        return "not-its-signature"
    return "signed" if aki.key_identifier == ski.digest else "not-its-signature"
""",
        "verifies with the certificate's own public key": """
def check_issuer(cert, candidate):
    if cert.issuer != candidate.subject:
        return "other-name"
    key = cert.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(cert.signature, cert.tbs_certificate_bytes,
                       cert.signature_algorithm_parameters, cert.signature_hash_algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(
                cert.signature, cert.tbs_certificate_bytes, cert.signature_algorithm_parameters
            )
        else:
            key.verify(cert.signature, cert.tbs_certificate_bytes)
    except (InvalidSignature, TypeError, ValueError, UnsupportedAlgorithm):
        return "not-its-signature"
    return "signed"
""",
        "tries the key before the name (a wrong name reads as a wrong signature)": """
def check_issuer(cert, candidate):
    key = candidate.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(cert.signature, cert.tbs_certificate_bytes,
                       cert.signature_algorithm_parameters, cert.signature_hash_algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(
                cert.signature, cert.tbs_certificate_bytes, cert.signature_algorithm_parameters
            )
        else:
            key.verify(cert.signature, cert.tbs_certificate_bytes)
    except Exception:
        return "not-its-signature"
    if cert.issuer != candidate.subject:
        return "other-name"
    return "signed"
""",
        "maps verify_directly_issued_by's ValueError to other-name (key type mismatch too)": """
def check_issuer(cert, candidate):
    try:
        cert.verify_directly_issued_by(candidate)
    except ValueError:
        return "other-name"
    except (InvalidSignature, TypeError, UnsupportedAlgorithm):
        return "not-its-signature"
    return "signed"
""",
        "lets InvalidSignature escape instead of returning a verdict": """
def check_issuer(cert, candidate):
    if cert.issuer != candidate.subject:
        return "other-name"
    cert.verify_directly_issued_by(candidate)
    return "signed"
""",
        "returns True/False like a yes-or-no check, not a verdict": """
def check_issuer(cert, candidate):
    try:
        cert.verify_directly_issued_by(candidate)
    except Exception:
        return False
    return True
""",
        "always verifies as ECDSA with SHA-256": """
def check_issuer(cert, candidate):
    if cert.issuer != candidate.subject:
        return "other-name"
    try:
        candidate.public_key().verify(
            cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(hashes.SHA256())
        )
    except Exception:
        return "not-its-signature"
    return "signed"
""",
    },
}
