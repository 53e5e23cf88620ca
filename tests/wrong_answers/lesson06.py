"""Plausible wrong answers to lesson 06's exercises: each must fail its visible tests.

Each value is the whole replacement source of the solution cell (tests/test_wrong_answers.py).
"""

LESSON = "06-tls-handshake"

WRONG = {
    "ex1": {
        "a ChangeCipherSpec starts encryption in TLS 1.3 too (misses the second ClientHello)": """
def readable_messages(wire, version):
    names = []
    encrypting = False
    at = 0
    while at + 5 <= len(wire):
        content_type = wire[at]
        length = int.from_bytes(wire[at + 3:at + 5], "big")
        fragment = wire[at + 5:at + 5 + length]
        at += 5 + length
        if content_type == 20:
            encrypting = True
        if content_type != 22 or encrypting:
            continue
        inner = 0
        while inner + 4 <= len(fragment):
            size = int.from_bytes(fragment[inner + 1:inner + 4], "big")
            names.append(HANDSHAKE_TYPES[fragment[inner]])
            inner += 4 + size
    return names
""",
        "every handshake record is plaintext (TLS 1.2's encrypted Finished read as a message)": """
def readable_messages(wire, version):
    names = []
    at = 0
    while at + 5 <= len(wire):
        content_type = wire[at]
        length = int.from_bytes(wire[at + 3:at + 5], "big")
        fragment = wire[at + 5:at + 5 + length]
        at += 5 + length
        if content_type != 22:
            continue
        inner = 0
        while inner + 4 <= len(fragment):
            size = int.from_bytes(fragment[inner + 1:inner + 4], "big")
            names.append(HANDSHAKE_TYPES.get(fragment[inner], "unknown"))
            inner += 4 + size
    return names
""",
        "one message per record: only the first message of each record is read": """
def readable_messages(wire, version):
    names = []
    encrypting = False
    at = 0
    while at + 5 <= len(wire):
        content_type = wire[at]
        length = int.from_bytes(wire[at + 3:at + 5], "big")
        fragment = wire[at + 5:at + 5 + length]
        at += 5 + length
        if content_type == 20 and version == "TLSv1.2":
            encrypting = True
        if content_type == 22 and not encrypting:
            names.append(HANDSHAKE_TYPES[fragment[0]])
    return names
""",
        "the record's content type named instead of the messages inside": """
def readable_messages(wire, version):
    names = []
    encrypting = False
    at = 0
    while at + 5 <= len(wire):
        content_type = wire[at]
        length = int.from_bytes(wire[at + 3:at + 5], "big")
        at += 5 + length
        if content_type == 20 and version == "TLSv1.2":
            encrypting = True
        if content_type == 22 and not encrypting:
            names.append("handshake")
    return names
""",
        "the record length read as one byte (the header's last byte only)": """
def readable_messages(wire, version):
    names = []
    encrypting = False
    at = 0
    while at + 5 <= len(wire):
        content_type = wire[at]
        length = wire[at + 4]
        fragment = wire[at + 5:at + 5 + length]
        at += 5 + length
        if content_type == 20 and version == "TLSv1.2":
            encrypting = True
        if content_type != 22 or encrypting:
            continue
        inner = 0
        while inner + 4 <= len(fragment):
            size = int.from_bytes(fragment[inner + 1:inner + 4], "big")
            names.append(HANDSHAKE_TYPES.get(fragment[inner], "unknown"))
            inner += 4 + size
    return names
""",
        "every handshake record read, unknown types skipped (no ChangeCipherSpec rule)": """
def readable_messages(wire, version):
    names = []
    at = 0
    while at + 5 <= len(wire):
        content_type = wire[at]
        length = int.from_bytes(wire[at + 3:at + 5], "big")
        fragment = wire[at + 5:at + 5 + length]
        at += 5 + length
        if content_type != 22:
            continue
        inner = 0
        while inner + 4 <= len(fragment):
            size = int.from_bytes(fragment[inner + 1:inner + 4], "big")
            if fragment[inner] in HANDSHAKE_TYPES:
                names.append(HANDSHAKE_TYPES[fragment[inner]])
            inner += 4 + size
    return names
""",
        "encrypted records skipped only when they do not parse (the message length must fit)": """
def readable_messages(wire, version):
    names = []
    at = 0
    while at + 5 <= len(wire):
        content_type = wire[at]
        length = int.from_bytes(wire[at + 3:at + 5], "big")
        fragment = wire[at + 5:at + 5 + length]
        at += 5 + length
        if content_type != 22:
            continue
        inner = 0
        while inner + 4 <= len(fragment):
            kind = fragment[inner]
            size = int.from_bytes(fragment[inner + 1:inner + 4], "big")
            if kind not in HANDSHAKE_TYPES or inner + 4 + size > len(fragment):
                break
            names.append(HANDSHAKE_TYPES[kind])
            inner += 4 + size
    return names
""",
        "a Finished is always encrypted: type 20 dropped (no ChangeCipherSpec rule)": """
def readable_messages(wire, version):
    names = []
    at = 0
    while at + 5 <= len(wire):
        content_type = wire[at]
        length = int.from_bytes(wire[at + 3:at + 5], "big")
        fragment = wire[at + 5:at + 5 + length]
        at += 5 + length
        if content_type != 22:
            continue
        inner = 0
        while inner + 4 <= len(fragment):
            kind = fragment[inner]
            size = int.from_bytes(fragment[inner + 1:inner + 4], "big")
            if kind not in HANDSHAKE_TYPES or kind == 20 or inner + 4 + size > len(fragment):
                break
            names.append(HANDSHAKE_TYPES[kind])
            inner += 4 + size
    return names
""",
    },
    "ex2": {
        "maximum_version instead of minimum_version (TLS 1.2 still accepted)": """
def tls13_only_context(root_pem):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(cadata=root_pem.decode())
    context.maximum_version = ssl.TLSVersion.TLSv1_3
    return context
""",
        "the name check switched off": """
def tls13_only_context(root_pem):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.load_verify_locations(cadata=root_pem.decode())
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    return context
""",
        "the system's roots instead of the given root": """
def tls13_only_context(root_pem):
    context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    return context
""",
        "no certificate check at all (CERT_NONE)": """
def tls13_only_context(root_pem):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    return context
""",
        "minimum TLS 1.2 (the usual advice, not what was asked)": """
def tls13_only_context(root_pem):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(cadata=root_pem.decode())
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context
""",
        "the system's roots plus the given root (create_default_context)": """
def tls13_only_context(root_pem):
    context = ssl.create_default_context()
    context.load_verify_locations(cadata=root_pem.decode())
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    return context
""",
        "load_default_certs() plus the given root": """
def tls13_only_context(root_pem):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_default_certs()
    context.load_verify_locations(cadata=root_pem.decode())
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    return context
""",
        "cadata given the PEM bytes (read as DER)": """
def tls13_only_context(root_pem):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(cadata=root_pem)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    return context
""",
    },
}
