"""Re-make handshakes.json: real TLS flights from an OpenSSL 3.5+ (X25519MLKEM768 by default).

Not run by the tests (they read handshakes.json). Needs pyOpenSSL, which uses the OpenSSL
bundled in the ``cryptography`` wheel (3.5 or later: check
``cryptography.hazmat.backends.openssl.backend.openssl_version_text()``). Install it outside
the course's environment, e.g.::

    .venv/bin/pip install --target /tmp/pyossl pyopenssl --no-deps
    PYTHONPATH=/tmp/pyossl .venv/bin/python tests/data_openssl35/make_fixture.py

Both sides are pyOpenSSL ``Connection`` objects over memory BIOs (no socket), as
``pkicourse.handshake.step_through`` does with Python's ``ssl``. Every batch of bytes one side
wrote is kept as a flight. The certificates and keys are throwaway ones made for this file: they
protect nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from OpenSSL import SSL
from OpenSSL._util import lib

from pkicourse.ca import CA

HERE = Path(__file__).parent
REQUEST = b"GET /account HTTP/1.1\r\nHost: bank.example\r\n\r\n"
ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 26\r\n\r\nbalance: 1234.56 (made up)"


def _context(leaf, *, server_groups=None, tls12=False, ciphers=None):
    context = SSL.Context(SSL.TLS_METHOD)
    context.set_min_proto_version(SSL.TLS1_2_VERSION)
    if tls12:
        context.set_max_proto_version(SSL.TLS1_2_VERSION)
    if ciphers:
        context.set_cipher_list(ciphers.encode())
    if leaf is not None:
        context.use_certificate(leaf.certificate)
        context.use_privatekey(leaf.private_key)
    if server_groups:  # SSL_CTX_set1_groups_list (its old name): the server's only groups
        assert lib.SSL_CTX_set1_curves_list(context._context, server_groups.encode()) == 1
    return context


def _drain(side):
    out = b""
    while True:
        try:
            chunk = side.bio_read(65536)
        except SSL.WantReadError:
            return out
        if not chunk:
            return out
        out += chunk


def _handshake(leaf, *, refuse=False, **settings):
    server = SSL.Connection(_context(leaf, **settings))
    client_context = _context(
        None, tls12=settings.get("tls12", False), ciphers=settings.get("ciphers")
    )
    if refuse:  # verify the server's chain against an empty trust store: unknown_ca
        client_context.set_verify(SSL.VERIFY_PEER, None)
    client = SSL.Connection(client_context)
    server.set_accept_state()
    client.set_connect_state()
    client.set_tlsext_host_name(b"bank.example")
    flights, done = [], {"client": False, "server": False}
    sides = (("client", client, server), ("server", server, client))
    for turn in range(20):
        for who, side, other in sides:
            try:
                if not done[who]:
                    side.do_handshake()
                    done[who] = True
                else:
                    side.recv(1)  # after the handshake: TLS 1.3 session tickets
            except SSL.WantReadError:
                pass
            except SSL.Error:
                if not refuse:
                    raise
                done[who] = True  # it refused: its alert is in its outgoing buffer
            data = _drain(side)
            if data:
                flights.append({"sender": who, "hex": data.hex()})
                other.bio_write(data)
        if all(done.values()) and turn >= 3:
            break
    handshake_flights = len(flights)
    if refuse:
        return {
            "version": None,
            "cipher": None,
            "group": None,
            "handshake_flights": handshake_flights,
            "flights": flights,
        }
    client.sendall(REQUEST)
    data = _drain(client)
    flights.append({"sender": "client", "hex": data.hex()})
    server.bio_write(data)
    assert server.recv(1024) == REQUEST
    server.sendall(ANSWER)
    data = _drain(server)
    flights.append({"sender": "server", "hex": data.hex()})
    client.bio_write(data)
    assert client.recv(1024) == ANSWER
    return {
        "version": client.get_protocol_version_name(),
        "cipher": client.get_cipher_name(),
        "group": client.get_group_name(),  # OpenSSL's own name for it
        "handshake_flights": handshake_flights,  # the rest: the request and the answer
        "flights": flights,
    }


def main() -> None:
    ca = CA.root("Fixture Root CA")
    bank = ca.issue_cert("bank.example")  # EC P-256
    rsa_bank = ca.issue_cert("bank.example", key_type="rsa", key_encipherment=True)
    cases = {
        "tls13_default": _handshake(bank),
        "tls13_hello_retry": _handshake(bank, server_groups="secp384r1"),
        "tls12_ecdhe": _handshake(bank, tls12=True),
        "tls12_rsa_key_transport": _handshake(rsa_bank, tls12=True, ciphers="AES128-GCM-SHA256"),
        "tls13_refused": _handshake(bank, refuse=True),  # the client trusts no root
    }
    fixture = {
        "openssl": SSL.OpenSSL_version(SSL.OPENSSL_VERSION).decode(),
        "made_by": "tests/data_openssl35/make_fixture.py (pyOpenSSL, memory BIOs)",
        "request": REQUEST.decode(),
        "answer": ANSWER.decode(),
        "rsa_key_transport_server_key": rsa_bank.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode(),  # throwaway: opens only the recording below, protects nothing
        "cases": cases,
    }
    (HERE / "handshakes.json").write_text(json.dumps(fixture, indent=1) + "\n")
    for name, case in cases.items():
        sizes = [(f["sender"], len(f["hex"]) // 2) for f in case["flights"]]
        print(name, case["version"], case["cipher"], case["group"], sizes)


if __name__ == "__main__":
    main()
