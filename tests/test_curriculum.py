"""Every point the curriculum gives lessons 00-05 is taught in a cell a learner runs.

The table below is the curriculum's rows for 00-05, one line per point of the note (or of the
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
    (
        "03-certificates",
        "the impostor problem: two servers each offer a public key",
        [r"hacker_key = ec\.generate_private_key", r"offered_key\(hacker_key\)"],
    ),
    (
        "03-certificates",
        "a certificate carries the public key",
        [r"x509\.CertificateBuilder\(\)", r"offered_key\(bank_key\) == bank_cert\.public_key\(\)"],
    ),
    (
        "03-certificates",
        "anyone can make one: by hand, then with make_self_signed",
        [
            r"\.sign\(bank_key, hashes\.SHA256\(\)\)",
            r"make_self_signed\(hacker_key, \"bank\.example\"",
        ],
    ),
    (
        "03-certificates",
        "who signs it matters",
        [r"cert\.public_key\(\)\.verify\(", r"tbs_certificate_bytes", r"bank_server\(problem\)"],
    ),
    (
        "03-certificates",
        "self-signed: issuer = subject, every root too",
        [r"root\.issuer == root\.subject"],
    ),
    (
        "03-certificates",
        "browsers warn: a client with a trust store refuses",
        [r"Store\(mozilla_roots\)", r"except VerificationError", r"refusal\.verify_code"],
    ),
    (
        "03-certificates",
        "anatomy of a certificate",
        [
            r"serial_number",
            r"not_valid_after_utc",
            r"for extension in bank_cert\.extensions",
            r"describe\(bank_cert\)",
        ],
    ),
    (
        "03-certificates",
        "the signature covers tbsCertificate",
        [r"tbs in der", r"except InvalidSignature"],
    ),
    (
        "03-certificates",
        "PEM vs DER",
        [
            r"b64decode\(body\) == der",
            r"load_pem_x509_certificate\(",
            r"load_der_x509_certificate\(",
        ],
    ),
    (
        "03-certificates",
        "fingerprints: certificate vs key, openssl run for real",
        [
            r"hashlib\.sha256\(der\)",
            r"hashlib\.sha256\(spki\)",
            r"\"-fingerprint\", \"-sha256\"",
            r"spki_fingerprint\(renewed\)",
        ],
    ),
    (
        "03-certificates",
        "real certificates from data/",
        [
            r"data_path\(\"real/chains/",
            r"ssleay-v1-1995",
            r"verisign-class3-md2-root",
            r"negative-serial",
            r"except CertificateParseError",
        ],
    ),
    ("03-certificates", "chain of trust picture", [r"draw_chain_of_trust\("]),
    ("03-certificates", "certificate inspector widget", [r"certificate_inspector\(\)"]),
    (
        "04-csr",
        "CSR made by hand from the public key and the domain name(s)",
        [
            r"CertificateSigningRequestBuilder\(\)",
            r"SubjectAlternativeName\(\[x509\.DNSName",
            r"\.sign\(server_key, hashes\.SHA256\(\)\)",
        ],
    ),
    ("04-csr", "the same with pkicourse.csr.make_csr", [r"make_csr\(server_key, names\)"]),
    (
        "04-csr",
        "sent to a CA: the PEM, and no private key in it",
        [r"csr_pem\(csr\)", r"private_number in csr_der", r"PRIVATE KEY"],
    ),
    (
        "04-csr",
        "the self-signature is proof of possession",
        [r"tbs_certrequest_bytes", r"\.is_signature_valid", r"verify_csr\(csr\)"],
    ),
    (
        "04-csr",
        "tampering breaks the signature",
        [
            r"load_der_x509_csr\(tampered_der\)",
            r"except CSRSignatureError",
            r"course/csr/tampered\.csr\.pem",
        ],
    ),
    (
        "04-csr",
        "openssl req equivalents run for real",
        [
            r"\"openssl\", \"req\", \"-new\"",
            r"\"-addext\"",
            r"\"-noout\", \"-text\"",
            r"\"-noout\", \"-verify\"",
            r"subprocess\.run\(",
        ],
    ),
    (
        "04-csr",
        "a CSR made by openssl read with cryptography",
        [r"load_csr\(openssl_csr_path\)", r"course/csr/openssl-req\.csr\.pem"],
    ),
    (
        "04-csr",
        "a CSR does not prove control of the domain",
        [r"mallory_csr = make_csr\(mallory_key", r"except NameNotValidatedError"],
    ),
    (
        "04-csr",
        "subject/SAN/extensions are requests: the CA decides",
        [r"BasicConstraints\(ca=True", r"ca\.issue\(greedy_csr\)"],
    ),
    (
        "04-csr",
        "the CA signs the certificate with its private key",
        [r"draw_chain_of_trust\(\[certificate, ca\.certificate\]"],
    ),
    (
        "04-csr",
        "key choices for a public certificate (BR)",
        [
            r"rsa\.generate_private_key",
            r"SECP384R1",
            r"Ed25519PrivateKey\.generate\(\)",
            r"public_ca_accepts",
        ],
    ),
    (
        "04-csr",
        "real CSRs from data/real",
        [r"data_path\(f\"real/csr/\{name\}\"\)", r"invalid-signature\.pem"],
    ),
    (
        "05-certificate-authorities",
        "CA validates and signs",
        [r"is_signature_valid", r"\.sign\(ca_key"],
    ),
    (
        "05-certificate-authorities",
        "the CA's own key pair",
        [
            r"ca_key = ec\.generate_private_key",
            r"BasicConstraints\(ca=True, path_length=None\)",
            r"key_cert_sign=True",
        ],
    ),
    (
        "05-certificate-authorities",
        "the CA signs with its private key",
        [
            r"\.sign\(ca_key, hashes\.SHA256\(\)\)",
            r"AuthorityKeyIdentifier\.from_issuer_subject_key_identifier\(ca_ski\)",
            r"course_ca\.issue\(",
        ],
    ),
    (
        "05-certificate-authorities",
        "browsers verify with CA public keys built in",
        [
            r"verify_directly_issued_by\(root\)",
            r"root\.public_key\(\)\.verify\(",
            r"mozilla_roots\(\)",
            r"truststore\.summary\(",
            r"draw_root_store\(",
        ],
    ),
    (
        "05-certificate-authorities",
        "a real public chain at a time inside its validity; its root has left the store",
        [r"REAL_CHAINS\[", r"real\.at", r"find_root\(real_root"],
    ),
    (
        "05-certificate-authorities",
        "CAs check domain ownership (ACME http-01 on 127.0.0.1)",
        [
            r"challenge_server\(\)",
            r"DomainValidator\(",
            r"key_authorization\(",
            r"\.validate\(challenge\)",
        ],
    ),
    (
        "05-certificate-authorities",
        "a hacker fails validation",
        [r"hacker_server\.publish\(", r"except NameNotValidatedError"],
    ),
    (
        "05-certificate-authorities",
        "internal CA installed in every client",
        [r"permitted=\[x509\.DNSName\(\"corp\.example\"\)\]", r"with_extra_root\(", r"rogue"],
    ),
    (
        "05-certificate-authorities",
        "PKI = generating, maintaining, distributing",
        [r"Which PKI step is missing"],
    ),
    (
        "05-certificate-authorities",
        "root + intermediate + leaf chain drawn",
        [r"create_intermediate\(", r"draw_chain_of_trust\("],
    ),
    (
        "05-certificate-authorities",
        "chain validation with cryptography.x509.verification and a fixed clock",
        [
            r"Store\(\[",
            r"PolicyBuilder\(\)\.store\(",
            r"\.time\(",
            r"build_server_verifier\(DNSName\(",
            r"DATA_TIME",
        ],
    ),
    (
        "05-certificate-authorities",
        "each rule: source, OpenSSL code, Chrome's error",
        [r"verify_chain\(", r"rule\.source", r"openssl_code", r"browser_error"],
    ),
    (
        "05-certificate-authorities",
        "openssl verify run for real",
        [r"\"openssl\", \"verify\", \"-attime\"", r"\"-untrusted\"", r"\"-verify_hostname\""],
    ),
    (
        "05-certificate-authorities",
        "revocation (CRL) and expiry",
        [
            r"\.revoke\(",
            r"\.crl\(\)",
            r"crl=crl",
            r"is_signature_valid\(issuer\.public_key\(\)\)",
            r"-crl_check",
        ],
    ),
    ("05-certificate-authorities", "a root with path_length=0 breaks chains", [r"path_length=0"]),
    (
        "05-certificate-authorities",
        "servers must send their intermediates",
        [r"without the intermediate", r"load_cert_chain\(", r"SSLCertVerificationError"],
    ),
    # 06 · the TLS handshake
    (
        "06-tls-handshake",
        "the certificate is sent",
        [r"getpeercert\(binary_form=True\)", r"received == bank\.certificate"],
    ),
    (
        "06-tls-handshake",
        "the certificate is checked",
        [r"load_verify_locations\(", r"SSLCertVerificationError", r"verify_code"],
    ),
    (
        "06-tls-handshake",
        "a session key is agreed (never sent)",
        [r"keylog_filename", r"client_secrets == server_secrets"],
    ),
    (
        "06-tls-handshake",
        "the data is encrypted: the request is in neither recording",
        [
            r"sent_request in old_style\.client_to_server",
            r"sent_request in new_style\.client_to_server",
        ],
    ),
    (
        "06-tls-handshake",
        "the note's key sent under the server's public key (TLS 1.2 RSA key transport)",
        [r"set_ciphers\(\"AES128-GCM-SHA256\"\)", r"maximum_version = ssl\.TLSVersion\.TLSv1_2"],
    ),
    (
        "06-tls-handshake",
        "a real handshake on 127.0.0.1 with Python ssl",
        [
            r"ssl\.PROTOCOL_TLS_SERVER",
            r"server_side=True",
            r"server_hostname=hostname",
            r"create_server\(\(\"127\.0\.0\.1\", 0\)\)",
        ],
    ),
    ("06-tls-handshake", "stepped flight by flight", [r"step_through\("]),
    (
        "06-tls-handshake",
        "negotiated version, cipher, group",
        [r"\.version\(\)", r"\.cipher\(\)", r"connection\.group"],
    ),
    (
        "06-tls-handshake",
        "TLS 1.2 static RSA vs TLS 1.3",
        [r"tls12_rsa=True", r"tls12_rsa=False", r"steal_and_decrypt\(", r"CannotDecryptError"],
    ),
    ("06-tls-handshake", "a sequence-diagram picture", [r"draw_handshake\("]),
    (
        "06-tls-handshake",
        "record and handshake-message headers cut by hand",
        [
            r"int\.from_bytes\(wire\[3:5\], \"big\"\)",
            r"HANDSHAKE_TYPES\[inside\[0\]\]",
            r"int\.from_bytes\(inside\[1:4\], \"big\"\)",
        ],
    ),
    (
        "06-tls-handshake",
        "RSA key transport needs keyEncipherment; TLS 1.3 a signing certificate",
        [r"key_type=\"rsa\", key_encipherment=True", r"record\(rsa_bank_tls13, tls12_rsa=False"],
    ),
    (
        "06-tls-handshake",
        "curl and openssl s_client against the gallery",
        [r"\"curl\", \"-sS\"", r"\"openssl\", \"s_client\"", r"-verify_hostname"],
    ),
    (
        "06-tls-handshake",
        "the local badssl gallery: table, widget, Chromium's real warning",
        [
            r"visit_all\(\)",
            r"gallery_table\(",
            r"gallery_widget\(\)",
            r"data_path\(\"browser/interstitial-",
        ],
    ),
    # 07 · man in the middle
    (
        "07-mitm",
        "a look-alike bank and a redirected connection",
        [
            r"make_self_signed\(hacker_key, \"bank\.example\"",
            r"dns\[\"bank\.example\"\] = hacker_server\.port",
        ],
    ),
    (
        "07-mitm",
        "an encrypted connection to the wrong party",
        [
            r"ssl\.CERT_NONE",
            r"careless\.wrap_socket\(",
            r"tls\.version\(\)",
            r"hacker_server\.visits\[0\]\.request",
        ],
    ),
    (
        "07-mitm",
        "the self-signed impostor is refused and the browser warns",
        [
            r"ssl\.create_default_context\(cadata=",
            r"refused = connect\(",
            r"interstitial-self-signed\.png",
        ],
    ),
    (
        "07-mitm",
        "the only way in (the note): the attacker's CA in the victim's trust store",
        [
            r"CA\.root\(\"Evil Proxy CA\"\)",
            r"\[public_ca\.certificate, evil_ca\.certificate\]",
            r"def forward\(request\)",
            r"draw_chain_of_trust\(",
        ],
    ),
    ("07-mitm", "six MITM scenarios over real sockets", [r"play_all\(\)", r"outcomes_table\("]),
    ("07-mitm", 'a "proceed anyway?" widget', [r"proceed_anyway_widget\(\)"]),
    (
        "07-mitm",
        "pinning a key (SPKI SHA-256) and what it costs",
        [
            r"PublicFormat\.SubjectPublicKeyInfo",
            r"hashlib\.sha256\(spki\)",
            r"pinned_login\(rotated_bank\.port",
            r"pinning_costs\(\)",
        ],
    ),
    ("07-mitm", "curl pins a key", [r"\"--pinnedpubkey\""]),
    (
        "07-mitm",
        "the passive eavesdropper sees ciphertext only",
        [
            r"relay\(real_bank\.port\)",
            r"PASSWORD\.encode\(\) in heard",
            r"b\"bank\.example\" in wire\.client_to_server",
        ],
    ),
    # 08 · putting it together
    (
        "08-putting-it-together",
        "the admin's SSH key pair in OpenSSH format, its SHA256: fingerprint by hand, saved 0600",
        [
            r"PrivateFormat\.OpenSSH",
            r"hashlib\.sha256\(wire_format\)",
            r"save_keypair\(admin, WORK",
            r"ssh-keygen\", \"-l\"",
        ],
    ),
    (
        "08-putting-it-together",
        "authorized_keys and a real SSH login (asyncssh server) with the admin's key",
        [
            r"authorized_keys_line\(admin\.public_line\)",
            r"with ssh_server\(authorized_keys",
            r"ssh_login\(server\.port, admin",
        ],
    ),
    (
        "08-putting-it-together",
        "trust on first use: the prompt, the fingerprint compared before yes, known_hosts",
        [
            r"print\(first\.prompt\)",
            r"first\.host_key_fingerprint == told",
            r"known_hosts\.accept\(first\)",
            r"known_hosts\.lines\(\)",
        ],
    ),
    (
        "08-putting-it-together",
        "a changed host key under the same name is refused",
        [r"with ssh_server\(authorized_keys\) as look_alike", r"ssh_login\(look_alike\.port"],
    ),
    (
        "08-putting-it-together",
        "SSH certificates as the bridge: host certificate, @cert-authority, user certificate",
        [
            r"sign_host_key\(ssh_ca, host_key",
            r"trust_ca\(ssh_ca\.public_line",
            r"sign_user_key\(ssh_ca, admin",
            r"options=\[\"cert-authority\"\]",
        ],
    ),
    (
        "08-putting-it-together",
        "the server's key pair and its CSR",
        [
            r"ec\.generate_private_key\(ec\.SECP256R1\(\)\)",
            r"CertificateSigningRequestBuilder\(\)",
            r"make_csr\(server_key",
        ],
    ),
    (
        "08-putting-it-together",
        "the CA signs (root and issuing CA) and the chain goes back",
        [
            r"CA\.root\(",
            r"create_intermediate\(",
            r"issuing_ca\.issue\(csr\)",
            r"save_certificate\(\[certificate, issuing_ca\.certificate\]",
        ],
    ),
    (
        "08-putting-it-together",
        "the server is configured: load_cert_chain, a key that does not fit, tls_server",
        [
            r"load_cert_chain\(certfile=",
            r"last-year\.key",
            r"tls_server\(bank_files, http=True, handler=bank_app\)",
        ],
    ),
    (
        "08-putting-it-together",
        "the browser verifies: connect trusting the root only, signatures by hand, verify_chain",
        [
            r"connect\(wire\.port, hostname=\"bank\.example\", trust=root_ca\.certificate",
            r"verify_directly_issued_by\(",
            r"verify_chain\(leaf",
        ],
    ),
    (
        "08-putting-it-together",
        "a session key agreed: version, cipher, group",
        [r"visit\.version", r"visit\.cipher", r"visit\.group"],
    ),
    (
        "08-putting-it-together",
        "an encrypted exchange: an answered request, only ciphertext on the wire",
        [
            r"relay\(bank\.port\) as wire",
            r"REQUEST in wire\.client_to_server",
            r"b\"balance\" in wire\.server_to_client",
        ],
    ),
    (
        "08-putting-it-together",
        "mutual TLS: a client certificate from the organisation's CA; certificate_required",
        [
            r"issue_client_cert\(\"alice@corp\.example\"\)",
            r"client_ca=corp_ca",
            r"tls\.recv\(1024\)",
            r"certificate=cert",
        ],
    ),
    (
        "08-putting-it-together",
        "a final quiz across 00-08",
        [r"ask\(\"00 ·", r"ask\(\"04 ·", r"ask\(\"08 ·"],
    ),
    (
        "08-putting-it-together",
        "a one-page map of what was built",
        [r"MAP = \[", r"map\.html", r"def map_page\("],
    ),
    (
        "08-putting-it-together",
        "real clients agree: curl, openssl s_client, OpenSSH ssh",
        [
            r"\"curl\", \"--silent\"",
            r"\"openssl\", \"s_client\"",
            r"\"ssh\", \"-F\", \"/dev/null\"",
        ],
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
