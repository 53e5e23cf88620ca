"""Re-make gallery.json: the gallery's verdicts from a client on OpenSSL 3.5+ set up like connect.

Not run by the tests (they read gallery.json). Needs pyOpenSSL (see make_fixture.py)::

    PYTHONPATH=/tmp/pyossl .venv/bin/python tests/data_openssl35/measure_gallery.py

The course's gallery sites (Python's ssl servers) are visited by a pyOpenSSL client on the
OpenSSL bundled in ``cryptography``, configured as ``pkicourse.tls.connect`` configures Python's
``ssl``: the gallery root as its only trust, VERIFY_X509_STRICT, the host name checked with
X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS (Python's flag), Python 3.11's default cipher string, the
CRL for ``revoked``. It keeps each verdict and OpenSSL verify code.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

from OpenSSL import SSL, crypto
from OpenSSL._util import lib

from pkicourse.gallery import CASES, open_gallery

HERE = Path(__file__).parent
# Python 3.11's default cipher string for SSLContext (Modules/_ssl.c, PY_SSL_DEFAULT_CIPHERS=1)
PYTHON_CIPHERS = (
    b"@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM"
)
NO_PARTIAL_WILDCARDS = 0x4


def main() -> None:
    verdicts = {}
    with open_gallery() as gallery:
        for name, case in CASES.items():
            context = SSL.Context(SSL.TLS_METHOD)
            context.set_min_proto_version(SSL.TLS1_2_VERSION)
            context.set_cipher_list(PYTHON_CIPHERS)
            store = context.get_cert_store()
            store.add_cert(crypto.X509.from_cryptography(gallery.root_certificate))
            flags = crypto.X509StoreFlags.X509_STRICT
            if name == "revoked":
                store.add_crl(gallery.crl)
                flags |= crypto.X509StoreFlags.CRL_CHECK
            store.set_flags(flags)
            context.set_verify(SSL.VERIFY_PEER, lambda *args: bool(args[-1]))
            with socket.create_connection(("127.0.0.1", gallery.sites[name].port)) as raw:
                raw.settimeout(None)  # pyOpenSSL: blocking
                connection = SSL.Connection(context, raw)
                connection.set_connect_state()
                connection.set_tlsext_host_name(case.hostname.encode())
                param = lib.SSL_get0_param(connection._ssl)
                lib.X509_VERIFY_PARAM_set_hostflags(param, NO_PARTIAL_WILDCARDS)
                assert lib.X509_VERIFY_PARAM_set1_host(param, case.hostname.encode(), 0) == 1
                try:
                    connection.do_handshake()
                    verdict, detail = "accepted", connection.get_protocol_version_name()
                except SSL.Error as error:
                    verdict, detail = "refused", str(error)
                code = lib.SSL_get_verify_result(connection._ssl)
            verdicts[name] = {"verdict": verdict, "verify_code": code or None, "detail": detail}
            print(f"{name:<17} {verdict:<9} {code or '-':<4} {detail[:80]}")
    fixture = {
        "openssl": SSL.OpenSSL_version(SSL.OPENSSL_VERSION).decode(),
        "made_by": "tests/data_openssl35/measure_gallery.py (pyOpenSSL client, course servers)",
        "verdicts": verdicts,
    }
    (HERE / "gallery.json").write_text(json.dumps(fixture, indent=1) + "\n")


if __name__ == "__main__":
    main()
