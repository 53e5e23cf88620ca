"""The local badssl gallery: eleven real HTTPS sites on 127.0.0.1, good and bad (lesson 06).

After badssl.com, with no network: each case of :data:`CASES` is a real server
(:func:`pkicourse.tls.tls_server`, ``http=True``) named ``<case>.badssl.test`` and signed by one
gallery root CA (made fresh by :func:`open_gallery`; the client's only trust). :func:`visit`
connects to a site with :func:`pkicourse.tls.connect` (Python's ``ssl``, the system OpenSSL)
and also asks ``cryptography.x509.verification`` (:func:`pkicourse.validation.verify_chain`)
about the chain the site sends (that verifier checks no revocation: for ``revoked`` the
CRL is checked by verify_chain's own code, and Python's ``ssl`` is given the CRL too).
:func:`visit_all` does all of it in well under 3 s;
:func:`gallery_table` shows the verdicts, :func:`gallery_widget` lets a learner pick a site
(each pick starts that one site, visits it and stops it: nothing is left running).

The verdicts are keyed by case, not by OpenSSL code: Python's ``ssl`` accepts a certificate
with a common name and no subjectAltName (no code at all) that Chrome refuses. The ``chrome``,
``curl`` and ``s_client`` columns of :data:`CASES` were measured on real clients
(tests/test_browser_gallery.py with Chromium 156, tests/test_real_clients.py with curl 7.88.1
and OpenSSL 3.0.19), which re-check them each run. A verdict's Chrome error always comes
from :data:`CASES` (measured), never from a mapping of OpenSSL codes: the two differ (the
revoked site loads in Chromium; the CN-only site has no OpenSSL code but a Chrome error).

Chrome's codes are written ``net::ERR_*`` here, as Chromium's network stack and Playwright
name them; the warning page shows the same code in capitals (``NET::ERR_CERT_DATE_INVALID``),
the form lesson 07 and :mod:`pkicourse.tls` use.

Certificates ca.py can make come from :class:`pkicourse.ca.CA` (``create_intermediate``,
``issue_cert``, also ``key_encipherment=True`` for the static-RSA site, ``revoke``, ``crl``);
those it refuses to make (a self-signed leaf, a leaf with no subjectAltName, a leaf signed by
a certificate that is not a CA) are written out with ``x509.CertificateBuilder`` in
:func:`_leaf`. The incomplete chain's intermediate is one no site ever sends, so no browser
can have met it before.
"""

from __future__ import annotations

import dataclasses
import datetime
import html
import ssl
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from types import MappingProxyType

import ipywidgets as widgets
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from pkicourse import tls
from pkicourse.ca import CA, LeafCert
from pkicourse.errors import ArgumentError, CourseError, InvalidChoiceError
from pkicourse.validation import verify_chain

__all__ = [
    "CASES",
    "DOMAIN",
    "Case",
    "Gallery",
    "GalleryTable",
    "GalleryVerdict",
    "GalleryWidget",
    "gallery_table",
    "gallery_widget",
    "open_gallery",
    "visit",
    "visit_all",
]

DOMAIN = "badssl.test"  # "test" is reserved (RFC 2606) and inside the course roots' constraints


@dataclass(frozen=True)
class Case:
    """One gallery site and what each real client does there (measured, see the module doc).

    ``python_ssl``: "accepted" or "refused" by :func:`pkicourse.tls.connect` (Python's ``ssl``
    with the gallery root as its only trust, host name checked, VERIFY_X509_STRICT; for
    ``revoked`` also the CRL). ``verify_code``: OpenSSL's verify code, None when none.
    ``chrome``: the ``net::ERR_*`` Chromium shows ("" = the page loads; on the warning page
    the same code shows as ``NET::ERR_*``). ``curl`` and
    ``s_client``: what ``curl --cacert <root>`` and ``openssl s_client -verify_return_error
    -verify_hostname <name> -CAfile <root>`` do, and the findings around them.
    """

    name: str
    what: str
    python_ssl: str
    verify_code: int | None
    chrome: str
    curl: str
    s_client: str
    explanation: str

    @property
    def hostname(self) -> str:
        return f"{self.name}.{DOMAIN}"


def _cases(*cases: Case) -> Mapping[str, Case]:
    return MappingProxyType({case.name: case for case in cases})


_ACCEPTED, _REFUSED = "accepted", "refused"

#: The eleven sites, in the lesson's order.
CASES: Mapping[str, Case] = _cases(
    Case(
        "good", "a valid chain: leaf and intermediate sent, the root trusted, name and dates "
        "right", _ACCEPTED, None, "", "accepted (exit 0, the page's body)",
        "accepted (Verify return code: 0 (ok))",
        "Every check passes: this is what every other site gets wrong in one way.",
    ),
    Case(
        "expired", "the leaf's notAfter is in the past", _REFUSED, 10,
        "net::ERR_CERT_DATE_INVALID", "refused (exit 60)", "refused (verify error 10)",
        "A certificate is valid only between notBefore and notAfter (RFC 5280 §4.1.2.5).",
    ),
    Case(
        "not-yet-valid", "the leaf's notBefore is in the future", _REFUSED, 9,
        "net::ERR_CERT_DATE_INVALID", "refused (exit 60)", "refused (verify error 9)",
        "Not valid yet: often a wrong clock on the client or a certificate used too early.",
    ),
    Case(
        "wrong.host", "a good certificate, but for other.badssl.test", _REFUSED, 62,
        "net::ERR_CERT_COMMON_NAME_INVALID", "refused (exit 60)",
        "refused (verify error 62); accepted without -verify_hostname, which checks no name",
        "The name you asked for must be in the certificate's subjectAltName (RFC 9525 §2 and, "
        "for HTTPS, RFC 9110 §4.3.4; matched as RFC 9525 §6.3 says, which replaced RFC 6125); "
        "a valid certificate for another site proves nothing about this one.",
    ),
    Case(
        "self-signed", "a leaf that signs itself: no CA vouches for it", _REFUSED, 18,
        "net::ERR_CERT_AUTHORITY_INVALID", "refused (exit 60)", "refused (verify error 18)",
        "Anyone can sign their own certificate for any name: only a trusted CA's signature "
        "links the key to the name.",
    ),
    Case(
        "untrusted-root", "a chain up to a root the client does not trust (the root is sent)",
        _REFUSED, 19, "net::ERR_CERT_AUTHORITY_INVALID", "refused (exit 60)",
        "refused (verify error 19)",
        "A root is trusted because it is in your trust store, not because the server sends it.",
    ),
    Case(
        "incomplete-chain", "the leaf alone: its intermediate is not sent", _REFUSED, 20,
        "net::ERR_CERT_AUTHORITY_INVALID", "refused (exit 60)", "refused (verify error 20)",
        "The server must send the intermediates: without them the client cannot build a path "
        "to its root (browsers may fetch it from the Authority Information Access (AIA) URL; "
        "this leaf has none).",
    ),
    Case(
        "cn-only-no-san", "the name only in the subject's common name, no subjectAltName",
        _ACCEPTED, None, "net::ERR_CERT_COMMON_NAME_INVALID", "accepted (exit 0)",
        "accepted (Verify return code: 0 (ok))",
        "Chrome reads names only from subjectAltName (since version 58), as RFC 9525 §2 and, "
        "for HTTPS, RFC 9110 §4.3.4 require (no name from the common name); the CA/Browser "
        "Forum's Baseline Requirements (§7.1.2.7.12) require every name there. Python's ssl, "
        "curl and OpenSSL still fall back to the common name.",
    ),
    Case(
        "not-a-ca", "the leaf is signed by a website's own certificate (CA:FALSE)", _REFUSED,
        79, "net::ERR_CERT_INVALID", "refused (exit 60)",
        "refused (verify error 79)",
        "Only a certificate with basicConstraints CA:TRUE may sign others (RFC 5280 §4.2.1.9), "
        "and its keyUsage must allow keyCertSign (§4.2.1.3): the website's certificate has "
        "neither, else any website could issue certificates for every name. Chrome calls it "
        "an invalid certificate, not an unknown authority.",
    ),
    Case(
        "revoked", "a good chain whose leaf the intermediate has revoked (on its CRL)",
        _REFUSED, 23, "", "accepted; refused with --crlfile (exit 60)",
        "accepted; refused with -crl_check -CRL <file> (verify error 23)",
        "Revocation is checked only when the client has the CRL: here Python's ssl was given "
        "it; cryptography's verifier checks no revocation, so the refusal in its column is the "
        "course's own CRL check (validation.verify_chain); curl and s_client refuse when given "
        "it. Chromium loads the page: by default it fetches no CRL and "
        "asks no OCSP server (and this leaf names no CRL address), for a root added locally "
        "as for any other; it relies on CRLSets, lists Google pushes to it, which know "
        "nothing of a course CA.",
    ),
    Case(
        "static-rsa", "TLS 1.2 with RSA key transport only (AES128-GCM-SHA256): no forward "
        "secrecy", _REFUSED, None, "", "accepted (exit 0)",
        "accepted (Verify return code: 0 (ok))",
        "The certificate is fine; the key exchange is not: whoever records a session and "
        "later steals the server's key decrypts it. Python's ssl no longer offers RSA key "
        "transport by default (its handshake fails, no verify code); Chromium, curl and "
        "s_client (OpenSSL's default list) still accept it: the certificate allows "
        "keyEncipherment, which RSA key transport needs (RFC 5246 §7.4.2).",
    ),
)  # fmt: skip


# --- the certificates -----------------------------------------------------------------------


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _leaf(
    common_name: str,
    public_key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey,
    issuer_name: x509.Name,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    san: bool = True,
) -> x509.Certificate:
    """A TLS server certificate written out, for the cases ca.py refuses to make.

    ``san=False``: the name only in the common name (cn-only-no-san). ``issuer_name`` equal to
    the subject and ``issuer_key`` the leaf's own key: self-signed. ``issuer_key`` a website's
    own key (CA:FALSE): not-a-ca. ca.py signs none of these: each breaks a rule it enforces.
    """
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    issuer_public = issuer_key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() - datetime.timedelta(hours=1))
        .not_valid_after(_now() + datetime.timedelta(days=90))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )  # fmt: skip
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_public), critical=False
        )
    )
    if san:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(common_name)]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _written_out(
    name: str, issuer: x509.Certificate | None, issuer_key: ec.EllipticCurvePrivateKey | None,
    sent: Sequence[x509.Certificate] = (), *, san: bool = True,
) -> LeafCert:  # fmt: skip
    """A key and a :func:`_leaf` certificate for ``name``; no issuer: self-signed."""
    key = _ec_key()
    signer = key if issuer_key is None else issuer_key
    issuer_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    if issuer is not None:
        issuer_name = issuer.subject
    return LeafCert(key, [_leaf(name, key.public_key(), issuer_name, signer, san=san), *sent])


def _ec_signer(ca: CA) -> ec.EllipticCurvePrivateKey:
    key = ca.private_key
    assert isinstance(key, ec.EllipticCurvePrivateKey)  # the gallery's CAs are P-256
    return key


def _site_certificates() -> tuple[CA, dict[str, LeafCert], x509.CertificateRevocationList]:
    """The gallery root, one certificate chain per case, and the intermediate's CRL."""
    root = CA.root("pkicourse Gallery Root CA")
    issuing = root.create_intermediate("pkicourse Gallery Intermediate CA")
    unsent = root.create_intermediate("pkicourse Gallery Intermediate CA (never sent)")
    stranger = CA.root("Untrusted Root CA")  # nobody's trust store holds it
    now = _now()
    shop = issuing.issue_cert(f"shop.{DOMAIN}")  # a website's own certificate: CA:FALSE
    shop_key = shop.private_key
    assert isinstance(shop_key, ec.EllipticCurvePrivateKey)
    revoked = issuing.issue_cert(f"revoked.{DOMAIN}")
    issuing.revoke(revoked.certificate)
    stranger_leaf = stranger.issue_cert(f"untrusted-root.{DOMAIN}")
    unsent_leaf = unsent.issue_cert(f"incomplete-chain.{DOMAIN}")
    sites = {
        "good": issuing.issue_cert(f"good.{DOMAIN}"),
        "expired": issuing.issue_cert(
            f"expired.{DOMAIN}", not_before=now - datetime.timedelta(days=120), days=90
        ),
        "not-yet-valid": issuing.issue_cert(
            f"not-yet-valid.{DOMAIN}", not_before=now + datetime.timedelta(days=30)
        ),
        "wrong.host": issuing.issue_cert(f"other.{DOMAIN}"),
        "self-signed": _written_out(f"self-signed.{DOMAIN}", None, None),
        "untrusted-root": LeafCert(
            stranger_leaf.private_key, [stranger_leaf.certificate, stranger.certificate]
        ),
        "incomplete-chain": LeafCert(unsent_leaf.private_key, [unsent_leaf.certificate]),
        "cn-only-no-san": _written_out(
            f"cn-only-no-san.{DOMAIN}",
            issuing.certificate,
            _ec_signer(issuing),
            [issuing.certificate],
            san=False,
        ),  # fmt: skip
        "not-a-ca": _written_out(
            f"not-a-ca.{DOMAIN}",
            shop.certificate,
            shop_key,
            [shop.certificate, issuing.certificate],
        ),  # fmt: skip
        "revoked": revoked,
        # RSA key transport: keyEncipherment (RFC 5246 §7.4.2), else Chromium refuses it
        "static-rsa": issuing.issue_cert(
            f"static-rsa.{DOMAIN}", key_type="rsa", key_encipherment=True
        ),
    }
    return root, sites, issuing.crl()


# --- the running gallery --------------------------------------------------------------------


@dataclass(frozen=True)
class Gallery:
    """The running sites of :func:`open_gallery`: ``sites[case]`` is a TLSServer (its port).

    ``root_certificate``: the gallery root, the client's only trust. ``crl``: the
    intermediate's revocation list (it lists the ``revoked`` site's certificate).
    """

    root_certificate: x509.Certificate
    sites: Mapping[str, tls.TLSServer]
    crl: x509.CertificateRevocationList

    def url(self, case: str) -> str:
        """``https://<case>.badssl.test:<port>/``: map the name to 127.0.0.1 to open it."""
        return f"https://{_case(case).hostname}:{self.sites[case].port}/"

    @property
    def root_pem(self) -> bytes:
        return self.root_certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def crl_pem(self) -> bytes:
        return self.crl.public_bytes(serialization.Encoding.PEM)


def _case(case: object) -> Case:
    if not isinstance(case, str) or case not in CASES:
        raise InvalidChoiceError(
            f"There is no gallery site {case!r}: choose one of {', '.join(CASES)}."
        )
    return CASES[case]


def _server_options(case: str) -> dict[str, object]:
    if case == "static-rsa":  # TLS 1.2 and the one RSA key-transport suite
        return {"maximum_version": ssl.TLSVersion.TLSv1_2, "ciphers": "AES128-GCM-SHA256"}
    return {}


@contextmanager
def open_gallery(cases: Iterable[str] | None = None) -> Iterator[Gallery]:
    """Start the gallery's sites on 127.0.0.1 (all, or only ``cases``) until the block ends.

    Fresh certificates each time (a new gallery root). Leaving the block, even through an
    exception, stops every server and joins its threads. ``cases`` may be one case name.
    """
    if isinstance(cases, str):
        cases = [cases]  # open_gallery("good"): one site, not the letters g, o, o, d
    elif cases is not None and not isinstance(cases, Iterable):
        raise ArgumentError(f"cases must be a list of case names, not {type(cases).__name__}.")
    chosen = list(CASES) if cases is None else [_case(c).name for c in cases]
    root, certificates, crl = _site_certificates()
    with ExitStack() as servers:
        sites = {
            case: servers.enter_context(
                tls.tls_server(
                    certificates[case],
                    http=True,
                    response=f"Welcome to {CASES[case].hostname}\n".encode(),
                    **_server_options(case),  # type: ignore[arg-type]
                )
            )
            for case in chosen
        }
        yield Gallery(root.certificate, MappingProxyType(sites), crl)


# --- visiting a site ------------------------------------------------------------------------


@dataclass(frozen=True)
class GalleryVerdict:
    """What happened at one site: Python's ``ssl`` (``connection``), cryptography, Chrome.

    ``chrome`` and ``connection.browser_error`` are both what Chromium really shows there,
    from :data:`CASES` (measured by tests/test_browser_gallery.py); tls.py's guess from the
    OpenSSL code is replaced, since it is wrong here for ``revoked`` (Chromium loads the page)
    and ``cn-only-no-san`` (no OpenSSL code, but a Chrome error).
    """

    case: str
    connection: tls.Connection
    verdict: str  # in plain words
    chrome: str  # the net::ERR_* Chromium shows there ("" = none), from CASES
    verify_code: int | None
    python_ssl_accepts: bool
    cryptography_accepts: bool
    given_crl: bool = False  # both were given the CRL (revoked); cryptography checks none itself

    def __str__(self) -> str:
        mark = "✔" if self.python_ssl_accepts else "✘"
        return f"{mark} {CASES[self.case].hostname}: {self.verdict}"

    def _repr_html_(self) -> str:
        return _verdict_html(self)


def _words(case: Case, connection: tls.Connection) -> str:
    if connection.ok:
        found = f"accepted: {connection.version}, {connection.cipher}, {connection.group}."
    else:
        code = "" if connection.verify_code is None else f" (code {connection.verify_code})"
        found = f"refused{code}: {connection.explanation}"
    return f"Python's ssl {found} Why it matters: {case.explanation}"


def visit(gallery: Gallery, case: str) -> GalleryVerdict:
    """Visit one site of an open gallery as a browser would, with the gallery root as trust.

    Python's ``ssl`` (:func:`pkicourse.tls.connect`, a GET request) and cryptography's verifier
    (:func:`pkicourse.validation.verify_chain` on the chain the site sent; when the handshake
    ended before any certificate arrived, the chain the site is set up to send) each decide;
    for ``revoked`` both are given the CRL (``given_crl``): ``ssl`` checks it itself,
    cryptography's verifier checks no revocation, so verify_chain's own CRL check decides.
    """
    if not isinstance(gallery, Gallery):
        raise ArgumentError(
            f"visit needs the open gallery (with open_gallery() as gallery: visit(gallery, "
            f"{case!r})), not {type(gallery).__name__}."
        )
    about = _case(case)
    site = gallery.sites.get(about.name)
    if site is None:
        raise InvalidChoiceError(f"{case!r} was not started: open_gallery([{case!r}]).")
    crl = gallery.crl if about.name == "revoked" else None
    request = f"GET / HTTP/1.1\r\nHost: {about.hostname}\r\n\r\n".encode()
    connection = tls.connect(
        site.port, hostname=about.hostname, trust=gallery.root_certificate, request=request,
        crl=crl,
    )  # fmt: skip
    # Chrome's error: the measured one, not tls.py's mapping of the OpenSSL code
    connection = dataclasses.replace(connection, browser_error=about.chrome or None)
    sent = connection.chain or site.chain
    checked = verify_chain(
        sent[0], sent[1:], roots=[gallery.root_certificate], hostname=about.hostname, crl=crl,
    )  # fmt: skip
    return GalleryVerdict(
        case=about.name,
        connection=connection,
        verdict=_words(about, connection),
        chrome=about.chrome,
        verify_code=connection.verify_code,
        python_ssl_accepts=connection.ok,
        cryptography_accepts=checked.ok,
        given_crl=crl is not None,
    )


def visit_all() -> list[GalleryVerdict]:
    """Open the gallery, visit every site in order, close it: one verdict per case."""
    with open_gallery() as gallery:
        return [visit(gallery, case) for case in CASES]


# --- showing the verdicts -------------------------------------------------------------------

_HEADINGS = ("Site", "Python ssl", "OpenSSL code", "cryptography", "Chrome's error", "Why")


def _python_words(verdict: GalleryVerdict) -> str:
    words = "accepted" if verdict.python_ssl_accepts else "refused"
    return f"{words} (given the CRL)" if verdict.given_crl else words


def _cryptography_words(verdict: GalleryVerdict) -> str:
    words = "accepted" if verdict.cryptography_accepts else "refused"
    if verdict.given_crl:  # cryptography's verifier checks no revocation: verify_chain does
        return f"{words} (given the CRL: the course's CRL check, not cryptography's)"
    return words


def _row(verdict: GalleryVerdict) -> tuple[str, ...]:
    case = CASES[verdict.case]
    code = "—" if verdict.verify_code is None else str(verdict.verify_code)
    return (
        case.hostname,
        _python_words(verdict),
        code,
        _cryptography_words(verdict),
        verdict.chrome or "(none: the page loads)",
        case.explanation,
    )


@dataclass(frozen=True)
class GalleryTable:
    """One row per visited site; shows as an HTML table in a notebook, as text in print()."""

    verdicts: tuple[GalleryVerdict, ...]

    def rows(self) -> list[tuple[str, ...]]:
        return [_row(v) for v in self.verdicts]

    def __str__(self) -> str:
        rows = [r[:5] for r in self.rows()]
        widths = [max(len(r[i]) for r in [_HEADINGS[:5], *rows]) for i in range(5)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                 for r in [_HEADINGS[:5], *rows]]  # fmt: skip
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = "".join(f"<th style='text-align:left'>{h}</th>" for h in _HEADINGS)
        body = "".join(
            "<tr>" + "".join(f"<td style='text-align:left'>{html.escape(c)}</td>" for c in r)
            + "</tr>"
            for r in self.rows()
        )  # fmt: skip
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def gallery_table(verdicts: Iterable[GalleryVerdict]) -> GalleryTable:
    """The verdicts as a table: site, Python ssl, OpenSSL code, cryptography, Chrome, why."""
    if isinstance(verdicts, (str, bytes)) or not isinstance(verdicts, Iterable):
        raise ArgumentError(
            f"gallery_table needs the verdicts (gallery_table(visit_all())), not "
            f"{type(verdicts).__name__}."
        )
    kept = tuple(verdicts)
    wrong = [v for v in kept if not isinstance(v, GalleryVerdict)]
    if wrong:
        raise ArgumentError(
            f"gallery_table needs what visit() or visit_all() returned, not "
            f"{type(wrong[0]).__name__} ({wrong[0]!r:.40})."
        )
    return GalleryTable(kept)


def _verdict_html(verdict: GalleryVerdict) -> str:
    case = CASES[verdict.case]
    colour = "#009E73" if verdict.python_ssl_accepts else "#D55E00"
    rows = [
        ("What is wrong", case.what),
        (
            "Python's ssl (given the CRL)" if verdict.given_crl else "Python's ssl",
            _words(case, verdict.connection),
        ),
        ("cryptography's verifier", _cryptography_words(verdict)),
        ("Chromium shows", verdict.chrome or "no error: the page loads"),
        ("curl", case.curl),
        ("openssl s_client", case.s_client),
    ]
    cells = "".join(
        f"<tr><th style='text-align:left;vertical-align:top;padding-right:1em'>{html.escape(k)}"
        f"</th><td style='text-align:left'>{html.escape(v)}</td></tr>"
        for k, v in rows
    )
    return (
        f"<div style='border-left:4px solid {colour};padding:4px 10px'>"
        f"<b>{html.escape(case.hostname)}</b><table>{cells}</table></div>"
    )


class GalleryWidget(widgets.VBox):  # type: ignore[misc]
    """Pick a site: the gallery starts that one site, visits it, stops it, shows the verdict.

    Nothing keeps running between picks: no thread or socket is left once a verdict shows.
    ``show(case)`` does what picking does (and raises on failure). A pick that fails shows
    the error in the widget: an error in a widget's callback would otherwise go to
    JupyterLab's log, and the learner would see nothing happen.
    """

    def __init__(self, case: str = "good") -> None:
        self.dropdown = widgets.Dropdown(options=list(CASES), value=_case(case).name,
                                         description="Site:")  # fmt: skip
        self.result = widgets.HTML()
        super().__init__([self.dropdown, self.result])
        self.dropdown.observe(lambda change: self._picked(change["new"]), names="value")
        self._picked(case)

    def show(self, case: str) -> GalleryVerdict:
        try:
            with open_gallery([case]) as gallery:
                verdict = visit(gallery, case)
        except Exception as error:
            self.result.value = _error_html(error)
            raise
        self.result.value = _verdict_html(verdict)
        return verdict

    def _picked(self, case: str) -> None:
        """The Dropdown's callback: the verdict, or the error, shown in the widget."""
        try:
            self.show(case)
        except Exception:  # noqa: BLE001 - show() has put the error in the widget
            pass


def _error_html(error: Exception) -> str:
    kind = "" if isinstance(error, CourseError) else f"{type(error).__name__}: "
    return (
        "<div style='border-left:4px solid #D55E00;padding:4px 10px'><b>This site could not "
        f"be visited.</b><br>{html.escape(kind + str(error))}</div>"
    )


def gallery_widget(case: str = "good") -> GalleryWidget:
    """A Dropdown of the gallery's sites; each pick shows that site's verdict and why."""
    return GalleryWidget(case)
