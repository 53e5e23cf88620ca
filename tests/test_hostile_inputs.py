"""Hostile and real-world input to lessons 06-08's modules: only course errors come out.

tls, handshake, ssh and recording get real certificates from ``data/real`` with unrelated
keys, keys where certificates belong, DER, empty bytes, odd types, servers that do not speak
TLS or SSH, odd host names, real OpenSSH key lines (made by ``ssh-keygen`` when present),
known_hosts markers the course does not support, and random or mutated TLS records
(hypothesis). A call may succeed or raise a CourseError whose words say what to do; no raw
Python or library exception, and no key material in any message.
"""

from __future__ import annotations

import base64
import dataclasses
import shutil
import socket
import ssl
import subprocess
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pkicourse import handshake, keys, recording, ssh, tls
from pkicourse.ca import CA, LeafCert
from pkicourse.data import data_files, data_path
from pkicourse.errors import (
    ArgumentError,
    CertificateParseError,
    CourseError,
    NotACertificateError,
    PassphraseError,
    ServerError,
)

FAST = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
HOSTNAME = "bank.example"


@pytest.fixture(scope="module")
def root() -> CA:
    return CA.root()


@pytest.fixture(scope="module")
def leaf(root: CA) -> LeafCert:
    return root.issue_cert(HOSTNAME)


def _secret_lines(pem: bytes) -> list[str]:
    """The base64 lines of a private key PEM: none may appear in an error message."""
    return [line for line in pem.decode().splitlines() if line and not line.startswith("-----")]


def _no_key_in(message: str, *pems: bytes) -> None:
    for pem in pems:
        for line in _secret_lines(pem):
            assert line[:24] not in message, "key material in an error message"


def _only_course_errors(call: Callable[[], object]) -> CourseError | None:
    try:
        call()
    except CourseError as error:
        return error
    return None


# --- tls_server: real certificates, wrong pieces -----------------------------------------------


def _serve(pair: object) -> None:
    with tls.tls_server(pair):  # type: ignore[arg-type]
        pass


def test_every_real_and_course_file_with_an_unrelated_key_is_a_course_error(
    leaf: LeafCert,
) -> None:
    key = leaf.private_key_pem
    names = [n for n in data_files() if n.startswith(("real/", "course/"))]
    assert len(names) > 30
    for name in names:
        pair = (data_path(name).read_bytes(), key)
        error = _only_course_errors(lambda: _serve(pair))  # noqa: B023 (called at once)
        assert isinstance(error, CourseError), name  # none of them belongs to this key
        _no_key_in(str(error), key)


def test_broken_real_certificates_name_their_defect(leaf: LeafCert) -> None:
    key = leaf.private_key_pem
    for name, words in (
        ("real/broken/invalid-version.pem", "version field holds 7"),
        ("real/broken/bad-asn1-time.pem", "validity dates"),
    ):
        with pytest.raises(CertificateParseError, match=words):
            _serve((data_path(name).read_bytes(), key))
    with pytest.raises(ServerError, match="too small for OpenSSL's security level"):
        _serve((data_path("real/odd/ssleay-v1-1995.pem").read_bytes(), key))
    with pytest.raises(ServerError, match="another type"):  # an RSA certificate, an EC key
        _serve((data_path("real/chains/cryptography.io-2018.pem").read_bytes(), key))


def test_server_pair_mixups_say_what_to_do(leaf: LeafCert) -> None:
    chain, key = leaf.cert_chain_pem, leaf.private_key_pem
    with pytest.raises(NotACertificateError, match="certificate chain first, then the key"):
        _serve((key, chain))
    with pytest.raises(NotACertificateError, match="empty"):
        _serve((b"", key))
    with pytest.raises(CourseError, match="second item"):
        _serve((chain, b""))
    with pytest.raises(CourseError, match="second item"):
        _serve((chain, chain))
    with pytest.raises(ArgumentError, match="LeafCert"):
        _serve((None, None))
    with pytest.raises(ArgumentError, match="LeafCert"):
        _serve([chain, key])


def test_an_encrypted_server_key_never_prompts_on_the_terminal(leaf: LeafCert) -> None:
    encrypted = keys.private_key_pem(leaf.private_key, "made-up-test-passphrase")
    with pytest.raises(PassphraseError, match="Decrypt it first") as caught:
        _serve((leaf.cert_chain_pem, encrypted))
    assert "made-up-test-passphrase" not in str(caught.value)
    _no_key_in(str(caught.value), encrypted, leaf.private_key_pem)


def test_a_der_certificate_or_text_pair_is_served(root: CA, leaf: LeafCert) -> None:
    from cryptography.hazmat.primitives import serialization

    der = leaf.certificate.public_bytes(serialization.Encoding.DER)
    with tls.tls_server((der, leaf.private_key_pem)) as server:
        assert tls.connect(server.port, hostname=HOSTNAME, trust=root.certificate).ok
    text = (leaf.cert_chain_pem.decode(), leaf.private_key_pem.decode())
    with tls.tls_server(text) as server:
        assert tls.connect(server.port, hostname=HOSTNAME, trust=root).ok


# --- connect: servers that do not speak TLS, odd names and trust ------------------------------


@contextmanager
def _plain_server(answer: bytes | None) -> Iterator[int]:
    """A TCP server on 127.0.0.1 that answers one visitor with ``answer`` (None: hangs up)."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        try:
            visitor, _ = listener.accept()
        except OSError:
            return
        with visitor:
            try:
                if answer is not None:
                    visitor.recv(4096)
                    visitor.sendall(answer)
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()
        thread.join(3)


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", "plain HTTP"),
        (b"SSH-2.0-OpenSSH_9.2\r\n", "SSH server"),
        (bytes(range(256)) * 2, "not a TLS record"),
        (None, "hung up"),
    ],
)
def test_connect_to_a_server_that_does_not_speak_tls(
    root: CA, answer: bytes | None, words: str
) -> None:
    with _plain_server(answer) as port:
        try:
            result = tls.connect(port, hostname=HOSTNAME, trust=root, timeout=1)
        except ServerError as error:  # a hang-up seen as a TCP reset, not a clean end
            assert answer is None and "is it a TLS server" in str(error)
            return
    assert not result.ok
    assert words in result.explanation


def test_connect_rejects_bad_host_names_ports_and_timeouts(root: CA) -> None:
    for name in ("bank..example", ".", "a" * 64 + ".example", "bank.example\x00evil.example"):
        with pytest.raises(ArgumentError, match="hostname"):
            tls.connect(1, hostname=name, trust=root)
    for port in (0, 70000, -1, "443", 1.5, True):
        with pytest.raises(ArgumentError, match="port"):
            tls.connect(port, hostname=HOSTNAME, trust=root)  # type: ignore[arg-type]
    for timeout in (float("inf"), 1e300, float("nan"), 0, -1):
        with pytest.raises(ArgumentError, match="timeout"):
            tls.connect(1, hostname=HOSTNAME, trust=root, timeout=timeout)


def test_connect_with_an_idna_name_and_certifi_roots(root: CA, leaf: LeafCert) -> None:
    from pkicourse import truststore

    with tls.tls_server(leaf) as server:
        unicode_name = tls.connect(server.port, hostname="bänk.example", trust=root)
        mozilla = tls.connect(server.port, hostname=HOSTNAME, trust=truststore.mozilla_roots())
        other_crl = tls.connect(server.port, hostname=HOSTNAME, trust=root, crl=CA.root().crl())
    assert not unicode_name.ok and unicode_name.verify_code is not None
    assert not mozilla.ok and mozilla.verify_code == 20  # the course root is not Mozilla's
    assert not other_crl.ok and other_crl.verify_code == 3  # no CRL from this leaf's issuer


def test_connect_trust_that_is_not_usable(root: CA, leaf: LeafCert) -> None:
    key = leaf.private_key_pem
    for trust, error in (
        (key, NotACertificateError),
        (b"", NotACertificateError),
        (data_path("real/broken/invalid-version.pem").read_bytes(), CertificateParseError),
        (data_path("real/broken/invalid-utf8-common-name.pem").read_bytes(), CertificateParseError),
        (ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER), ArgumentError),
        ([None], ArgumentError),
    ):
        with pytest.raises(error) as caught:
            tls.connect(1, hostname=HOSTNAME, trust=trust)  # type: ignore[arg-type]
        _no_key_in(str(caught.value), key)


def test_connect_trusts_a_der_root(root: CA, leaf: LeafCert) -> None:
    from cryptography.hazmat.primitives import serialization

    der = root.certificate.public_bytes(serialization.Encoding.DER)
    with tls.tls_server(leaf) as server:
        assert tls.connect(server.port, hostname=HOSTNAME, trust=der).ok


# --- handshake: wrong contexts, cut and random records ---------------------------------------


def _contexts(root: CA, leaf: LeafCert | None) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    root.configure_trust(client)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if leaf is not None:
        leaf.configure_cert(server)
    return client, server


def test_step_through_a_server_without_a_certificate_says_so(root: CA) -> None:
    client, server = _contexts(root, None)
    with pytest.raises(handshake.HandshakeError, match="configure_cert"):
        handshake.step_through(client, server, hostname=HOSTNAME)


def test_step_through_wrong_sides_and_names(root: CA, leaf: LeafCert) -> None:
    client, server = _contexts(root, leaf)
    with pytest.raises(ArgumentError, match="other side"):
        handshake.step_through(server, client, hostname=HOSTNAME)
    for name in ("bank..example", "bank.example\x00", "a" * 300):
        with pytest.raises(ArgumentError, match="hostname"):
            handshake.step_through(client, server, hostname=name)
    server.verify_mode = ssl.CERT_REQUIRED
    with pytest.raises(handshake.HandshakeError, match="client certificate"):
        handshake.step_through(client, server, hostname=HOSTNAME)


_RECORD_TYPES = st.sampled_from([20, 21, 22, 23, 0, 255])


@st.composite
def tls_like_bytes(draw: st.DrawFn) -> bytes:
    """Records with a plausible header, a random body, and sometimes a length that lies."""
    out = b""
    for _ in range(draw(st.integers(0, 4))):
        body = draw(st.binary(max_size=80))
        if draw(st.booleans()):  # a handshake message header: type, 3-byte length
            kind = draw(st.sampled_from([1, 2, 11, 16, 20]))
            body = bytes([kind]) + len(body).to_bytes(3, "big") + body
        length = len(body) + draw(st.sampled_from([0, 0, 0, 1, -1]))
        out += bytes([draw(_RECORD_TYPES)]) + b"\x03\x03" + max(0, length).to_bytes(2, "big")
        out += body
    return out


@FAST
@given(data=st.one_of(tls_like_bytes(), st.binary(max_size=120)))
def test_the_record_reader_lets_only_course_errors_out(data: bytes) -> None:
    reader = handshake._Reader("server", handshake._Version())
    _only_course_errors(lambda: reader.flight(data))


# --- recording: mutated recordings ------------------------------------------------------------


@pytest.fixture(scope="module")
def rsa_leaf(root: CA) -> LeafCert:
    return root.issue_cert(HOSTNAME, key_type="rsa", key_encipherment=True)


@pytest.fixture(scope="module")
def recordings(root: CA, rsa_leaf: LeafCert) -> list[recording.Recording]:
    return [
        recording.record(rsa_leaf, tls12_rsa=True, trust=root, hostname=HOSTNAME),
        recording.record(rsa_leaf, tls12_rsa=False, trust=root, hostname=HOSTNAME),
    ]


@FAST
@given(
    which=st.integers(0, 1),
    side=st.sampled_from(["client_to_server", "server_to_client"]),
    how=st.sampled_from(["flip", "cut", "insert", "delete", "zero"]),
    at=st.floats(0, 1, exclude_max=True),
    extra=st.binary(min_size=1, max_size=12),
)
def test_mutated_recordings_let_only_course_errors_out(
    recordings: list[recording.Recording],
    rsa_leaf: LeafCert,
    which: int,
    side: str,
    how: str,
    at: float,
    extra: bytes,
) -> None:
    original = recordings[which]
    data = bytearray(getattr(original, side))
    i = int(at * len(data))
    if how == "flip":
        data[i] ^= extra[0] or 1
    elif how == "cut":
        del data[i:]
    elif how == "insert":
        data[i:i] = extra
    elif how == "delete":
        del data[i : i + len(extra)]
    else:
        data[i : i + len(extra)] = bytes(len(data[i : i + len(extra)]))
    changed = dataclasses.replace(original, **{side: bytes(data)})
    key = rsa_leaf.private_key_pem
    for call in (
        lambda: recording.steal_and_decrypt(changed, rsa_leaf.private_key),
        lambda: recording.what_the_thief_sees(changed),
        lambda: changed.records(),
    ):
        error = _only_course_errors(call)
        if error is not None:
            _no_key_in(str(error), key)


def test_a_zeroed_client_hello_still_shows_what_the_thief_sees(
    recordings: list[recording.Recording],
) -> None:
    original = recordings[0]
    data = bytearray(original.client_to_server)
    data[61:69] = bytes(8)  # inside the ClientHello: its session id and cipher-suite lengths
    changed = dataclasses.replace(original, client_to_server=bytes(data))
    lines = recording.what_the_thief_sees(changed)
    assert any("SNI" in line for line in lines)


def test_record_and_prf_with_wrong_arguments(root: CA, rsa_leaf: LeafCert, tmp_path: Path) -> None:
    for kwargs in (
        {"hostname": "bank..example"},
        {"keylog_filename": 5},
        {"keylog_filename": tmp_path / "no-such-folder" / "keys.log"},
    ):
        arguments: dict[str, object] = {"trust": root, "hostname": HOSTNAME, **kwargs}
        with pytest.raises(ArgumentError):
            recording.record(rsa_leaf, tls12_rsa=True, **arguments)  # type: ignore[arg-type]
    for args in (("a", b"b", b"c", 1), (b"a", b"b", b"c", -1), (b"a", "b", b"c", 1)):
        with pytest.raises(ArgumentError):
            recording.prf(*args)  # type: ignore[arg-type]


# --- ssh: real OpenSSH lines, wrong kinds, servers that are not SSH ---------------------------


def _ssh_string(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


@pytest.fixture(scope="module")
def keygen_lines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Public-key lines from the real ssh-keygen: each kind, a host certificate, RFC 4716."""
    keygen = shutil.which("ssh-keygen")
    if keygen is None:
        pytest.skip("ssh-keygen is not installed (apt-get install openssh-client)")
    folder = tmp_path_factory.mktemp("ssh-keygen")
    lines: dict[str, str] = {}
    for name, args in (
        ("rsa", ["-t", "rsa", "-b", "2048"]),
        ("ecdsa256", ["-t", "ecdsa", "-b", "256"]),
        ("ecdsa384", ["-t", "ecdsa", "-b", "384"]),
        ("ecdsa521", ["-t", "ecdsa", "-b", "521"]),
        ("ed25519", ["-t", "ed25519"]),
    ):
        path = folder / name
        subprocess.run(
            [keygen, "-q", *args, "-N", "", "-C", "admin with spaces@laptop", "-f", str(path)],
            check=True, timeout=20,
        )  # fmt: skip
        lines[name] = path.with_suffix(".pub").read_text()
    subprocess.run(
        [keygen, "-q", "-s", str(folder / "rsa"), "-I", "bank", "-h", "-n", HOSTNAME,
         str(folder / "ed25519.pub")], check=True, timeout=20,
    )  # fmt: skip
    lines["certificate"] = (folder / "ed25519-cert.pub").read_text()
    rfc4716 = subprocess.run(
        [keygen, "-e", "-f", str(folder / "ed25519.pub")],
        check=True, capture_output=True, text=True, timeout=20,
    )  # fmt: skip
    lines["rfc4716"] = rfc4716.stdout
    return lines


def test_real_openssh_lines_fingerprint_like_ssh_keygen(keygen_lines: dict[str, str]) -> None:
    keygen = shutil.which("ssh-keygen")
    assert keygen is not None
    for name in ("rsa", "ecdsa256", "ecdsa384", "ecdsa521", "ed25519", "certificate"):
        line = keygen_lines[name]
        printed = subprocess.run(
            [keygen, "-l", "-f", "-"], input=line, capture_output=True, text=True, timeout=20
        ).stdout.split()
        assert ssh.fingerprint(line) == printed[1], name
        assert ssh.ssh_keygen_l(line).split()[:2] == printed[:2], name
        options = ['from="10.0.0.1,192.168.1.*"', 'command="echo hello world"', "no-pty"]
        assert ssh.authorized_keys_line(line, options=options).startswith('from="10.0.0.1')


def test_formats_that_are_not_a_public_key_line(keygen_lines: dict[str, str]) -> None:
    pair = ssh.make_ssh_keypair()
    with pytest.raises(ssh.SSHError, match="RFC 4716"):
        ssh.fingerprint(keygen_lines["rfc4716"])
    with pytest.raises(ssh.SSHError, match="private key") as caught:
        ssh.fingerprint(pair.private_openssh.decode())
    _no_key_in(str(caught.value), pair.private_openssh)
    with pytest.raises(ssh.SSHError, match="known_hosts line"):
        ssh.fingerprint(f"[127.0.0.1]:2222 {pair.public_line}")
    with pytest.raises(ssh.SSHError, match="options"):
        ssh.fingerprint(f'from="10.0.0.1" {pair.public_line}')
    with pytest.raises(ssh.SSHError, match="one public-key line"):
        ssh.fingerprint(pair.public_line + "\n" + pair.public_line)
    assert ssh.fingerprint(pair.public_line + "\n") == pair.fingerprint  # a .pub file's text


def test_security_key_lines_from_the_openssh_format() -> None:
    """sk-ssh-ed25519@openssh.com (PROTOCOL.u2f): key type, the 32-byte key, application."""
    blob = _ssh_string(b"sk-ssh-ed25519@openssh.com") + _ssh_string(bytes(range(32)))
    blob += _ssh_string(b"ssh:")
    line = "sk-ssh-ed25519@openssh.com " + base64.b64encode(blob).decode() + " yubikey"
    assert ssh.fingerprint(line).startswith("SHA256:")
    assert ssh.ssh_keygen_l(line).endswith(" yubikey (ED25519-SK)")  # as ssh-keygen -l
    keygen = shutil.which("ssh-keygen")
    if keygen is not None:  # the real one reads the same line the same way
        printed = subprocess.run(
            [keygen, "-l", "-f", "-"], input=line, capture_output=True, text=True, timeout=20
        ).stdout.strip()
        assert ssh.ssh_keygen_l(line) == printed


@pytest.mark.parametrize(
    "blob",
    [
        _ssh_string(b"ssh-ed25519") + _ssh_string(b"x" * 5),  # an Ed25519 key is 32 bytes
        _ssh_string(b"ssh-ed25519") + b"\xff\xff\xff\xff",  # a length past the end
        _ssh_string(b"ssh-ed25519"),  # no key at all
    ],
)
def test_damaged_key_blobs_are_refused(blob: bytes) -> None:
    line = "ssh-ed25519 " + base64.b64encode(blob).decode()
    with pytest.raises(ssh.SSHError, match="damaged"):
        ssh.fingerprint(line)
    with pytest.raises(ssh.SSHError):
        ssh.ssh_keygen_l(line)


def test_a_cut_public_line_is_refused() -> None:
    pair = ssh.make_ssh_keypair()
    key_type, b64 = pair.public_line.split()[:2]
    with pytest.raises(ssh.SSHError):
        ssh.fingerprint(f"{key_type} {b64[:40]}")


def test_known_hosts_markers_the_course_does_not_support() -> None:
    pair = ssh.make_ssh_keypair()
    known = ssh.KnownHosts()
    for host, words in (
        ("|1|F1E1KeoE/eEWhi10WpGv4OdiO6Y=|3988QV0VE8wmZL7suNrYQLITLCg=", "(?i)hashed"),
        ("@revoked", "not supported"),
        ("@cert-authority", "trust_ca"),
        ("bank.example other.example", "one host"),
        ("", "host"),
    ):
        with pytest.raises(CourseError, match=words):
            known.add(host, pair.public_line)
    for line, words in (
        (f"|1|abc=|def= {pair.public_line}", "hashed"),
        (f"@revoked * {pair.public_line}", "not supported"),
    ):
        with pytest.raises(ssh.SSHError, match=words):
            ssh.fingerprint(line)
    with pytest.raises(ArgumentError):
        known.add(None, pair.public_line)  # type: ignore[arg-type]
    with pytest.raises(ArgumentError):
        known.accept(None)  # type: ignore[arg-type]
    with pytest.raises(ArgumentError):
        known.trust_ca(pair.public_line, hosts="a b")
    with pytest.raises(ArgumentError):
        ssh.KnownHosts(trust_on_first_use="yes")  # type: ignore[arg-type]
    assert known.lines() == []


def test_ssh_helpers_with_wrong_kinds(tmp_path: Path) -> None:
    pair, ca = ssh.make_ssh_keypair(), ssh.make_ssh_keypair("ecdsa")
    broken = dataclasses.replace(pair, private_openssh=b"not a key")
    calls: list[Callable[[], object]] = [
        lambda: ssh.authorized_keys_line(pair.public_line, options=None),  # type: ignore[arg-type]
        lambda: ssh.authorized_keys_line(pair.public_line, options=5),  # type: ignore[arg-type]
        lambda: ssh.save_keypair(pair, None, "id"),  # type: ignore[arg-type]
        lambda: ssh.save_keypair(pair, tmp_path, "id\x00rsa"),
        lambda: ssh.save_keypair(pair, f"{tmp_path}\x00", "id"),
        lambda: ssh.save_keypair("pair", tmp_path, "id"),  # type: ignore[arg-type]
        lambda: ssh.sign_host_key(ca.public_line, pair, [HOSTNAME]),  # type: ignore[arg-type]
        lambda: ssh.sign_host_key(ca, pair.public_line, [HOSTNAME]),  # type: ignore[arg-type]
        lambda: ssh.sign_host_key(None, None, [HOSTNAME]),  # type: ignore[arg-type]
        lambda: ssh.sign_host_key(ca, pair, None),  # type: ignore[arg-type]
        lambda: ssh.sign_host_key(ca, pair, [HOSTNAME], days=10**20),
        lambda: ssh.sign_host_key(broken, pair, [HOSTNAME]),
        lambda: ssh.sign_user_key(broken, ca, ["admin"]),
    ]
    for call in calls:
        error = _only_course_errors(call)
        assert error is not None
        _no_key_in(str(error), pair.private_openssh, ca.private_openssh)
    assert ssh.authorized_keys_line(pair.public_line, options="no-pty").startswith("no-pty ssh-")


@pytest.mark.parametrize(
    "answer",
    [b"HTTP/1.1 400 Bad Request\r\n\r\n", b"\x16\x03\x01\x00\x05hello", None],
)
def test_ssh_login_to_a_server_that_is_not_ssh(answer: bytes | None) -> None:
    pair = ssh.make_ssh_keypair()
    with _plain_server(answer) as port:
        with pytest.raises(ServerError, match="SSH"):
            ssh.ssh_login(port, pair, known_hosts=ssh.KnownHosts(), timeout=1)


def test_ssh_login_and_server_with_wrong_arguments() -> None:
    pair = ssh.make_ssh_keypair()
    broken = dataclasses.replace(pair, private_openssh=b"not a key")
    with ssh.ssh_server([pair.public_line]) as server:
        known = ssh.KnownHosts(trust_on_first_use=True)
        for kwargs in (
            {"command": 5},
            {"username": None},
            {"certificate": 5},
            {"certificate": "not a certificate"},
            {"host_name": 5},
            {"host_name": ""},
        ):
            with pytest.raises(CourseError):
                ssh.ssh_login(server.port, pair, known_hosts=known, **kwargs)  # type: ignore[arg-type]
        with pytest.raises(ssh.SSHError, match="private key") as caught:
            ssh.ssh_login(server.port, broken, known_hosts=known)
        assert ssh.ssh_login(server.port, pair, known_hosts=known).ok  # still serving
    _no_key_in(str(caught.value), pair.private_openssh)
    for authorized in (None, [5]):
        with pytest.raises(ArgumentError):
            with ssh.ssh_server(authorized):  # type: ignore[arg-type]
                pass
    for host_key in ("x", broken):
        with pytest.raises(CourseError):
            with ssh.ssh_server([pair.public_line], host_key=host_key):  # type: ignore[arg-type]
                pass
    with pytest.raises(ArgumentError):
        with ssh.ssh_server([pair.public_line], username=None):  # type: ignore[arg-type]
            pass
    for certificate in (5, b"ssh-ed25519-cert-v01@openssh.com AAAA", "not a certificate"):
        with pytest.raises(CourseError, match="certificate"):
            with ssh.ssh_server([pair.public_line], host_certificate=certificate):  # type: ignore[arg-type]
                pass


def test_an_encrypted_openssh_key_says_it_needs_no_passphrase(tmp_path: Path) -> None:
    keygen = shutil.which("ssh-keygen")
    if keygen is None:
        pytest.skip("ssh-keygen is not installed (apt-get install openssh-client)")
    path = tmp_path / "id_ed25519"
    subprocess.run(
        [keygen, "-q", "-t", "ed25519", "-N", "made-up-passphrase", "-f", str(path)],
        check=True, timeout=20,
    )  # fmt: skip
    public_line = path.with_suffix(".pub").read_text().strip()
    pair = ssh.SSHKeyPair(path.read_bytes(), public_line, ssh.fingerprint(public_line), "ed25519")
    with pytest.raises(ssh.SSHError, match="passphrase") as caught:
        ssh.ssh_login(1, pair, known_hosts=ssh.KnownHosts())
    _no_key_in(str(caught.value), pair.private_openssh)


def test_known_hosts_takes_plain_keys_not_certificates() -> None:
    host, ca = ssh.make_ssh_keypair(), ssh.make_ssh_keypair()
    certificate = ssh.sign_host_key(ca, host, [HOSTNAME])
    known = ssh.KnownHosts()
    with pytest.raises(ssh.SSHError, match="plain keys only"):
        known.add("[127.0.0.1]:2222", certificate)
    with pytest.raises(ssh.SSHError, match="plain keys only"):
        known.trust_ca(certificate)
    with pytest.raises(ArgumentError):
        known.forget(None)  # type: ignore[arg-type]
    assert known.lines() == []
    with ssh.ssh_server([host.public_line], host_key=host, host_certificate=certificate) as server:
        known.trust_ca(ca.public_line)
        assert ssh.ssh_login(server.port, host, known_hosts=known, host_name=HOSTNAME).ok


def test_a_visitor_that_never_ends_its_http_request_is_noted(leaf: LeafCert) -> None:
    client = ssl.create_default_context()
    client.check_hostname, client.verify_mode = False, ssl.CERT_NONE
    with tls.tls_server(leaf, http=True) as server:
        with socket.create_connection(("127.0.0.1", server.port)) as raw:
            with client.wrap_socket(raw, server_hostname=HOSTNAME) as visitor:
                visitor.sendall(b"GET / HTTP/1.1\r\nHost: bank.example\r\n")  # no empty line
                deadline = time.monotonic() + 6  # the server gives up after 2 s
                while not server.visits and time.monotonic() < deadline:
                    time.sleep(0.05)
        visits = list(server.visits)
    assert len(visits) == 1 and not visits[0].ok
    assert "no complete request" in str(visits[0].error)


def test_a_hand_made_recording_is_checked_when_made(
    recordings: list[recording.Recording], rsa_leaf: LeafCert
) -> None:
    original = recordings[0]
    for changes in (
        {"client_to_server": original.client_to_server.decode("latin-1")},
        {"server_to_client": None},
        {"client_to_server": list(original.client_to_server)},
        {"order": (("attacker", 5),)},
        {"order": None},
        {"group": None},
    ):
        with pytest.raises(ArgumentError, match="Recording"):
            dataclasses.replace(original, **changes)  # type: ignore[arg-type]
    kept = dataclasses.replace(original, client_to_server=bytearray(original.client_to_server))
    assert type(kept.client_to_server) is bytes  # a relay's live bytearray, copied
    opened = recording.steal_and_decrypt(kept, rsa_leaf.private_key)
    assert opened.client_plaintext == original.sent_request


def test_tls_server_refuses_versions_that_exclude_every_client(leaf: LeafCert) -> None:
    with pytest.raises(ArgumentError, match="Swap them"):
        with tls.tls_server(
            leaf, minimum_version=ssl.TLSVersion.TLSv1_3, maximum_version=ssl.TLSVersion.TLSv1_2
        ):
            pass
    with tls.tls_server(
        leaf,
        minimum_version=ssl.TLSVersion.TLSv1_2,
        maximum_version=ssl.TLSVersion.MAXIMUM_SUPPORTED,
    ):
        pass


def test_a_key_pasted_into_the_wrong_argument_is_never_echoed(
    root: CA, leaf: LeafCert, rsa_leaf: LeafCert
) -> None:
    """Every argument that shows a wrong value shows a PEM key as its type and size only."""
    pem = leaf.private_key_pem
    text = pem.decode()
    pair = ssh.make_ssh_keypair()
    openssh = pair.private_openssh.decode()
    calls: list[Callable[[], object]] = [
        lambda: tls.connect(1, hostname=text, trust=root),
        lambda: tls.connect(text, hostname=HOSTNAME, trust=root),  # type: ignore[arg-type]
        lambda: tls.connect(1, hostname=HOSTNAME, trust=root, timeout=text),  # type: ignore[arg-type]
        lambda: tls.connect(1, hostname=HOSTNAME, trust=root, pins=[text]),
        lambda: tls.connect(1, hostname=HOSTNAME, trust=root, ciphers=text),
        lambda: _serve_with(leaf, ecdh_curve=text),
        lambda: handshake.step_through(*_contexts(root, leaf), hostname=text + "..x"),
        lambda: ssh.make_ssh_keypair(openssh),  # type: ignore[arg-type]
        lambda: ssh.authorized_keys_line(pair.public_line, options=[openssh]),
        lambda: ssh.save_keypair(pair, "/tmp", openssh),
        lambda: ssh.sign_host_key(pair, pair, [HOSTNAME], days=openssh),  # type: ignore[arg-type]
        lambda: ssh.KnownHosts().add(openssh, pair.public_line),
        lambda: ssh.KnownHosts(trust_on_first_use=openssh),  # type: ignore[arg-type]
        lambda: ssh.ssh_login(1, pair, known_hosts=ssh.KnownHosts(), username=openssh + "\0"),
        lambda: ssh.ssh_login(openssh, pair, known_hosts=ssh.KnownHosts()),  # type: ignore[arg-type]
        lambda: recording.relay(text).__enter__(),  # type: ignore[arg-type]
        lambda: recording.prf(b"s", b"l", b"s", text),  # type: ignore[arg-type]
        lambda: recording.record(rsa_leaf, tls12_rsa=True, trust=root, hostname=HOSTNAME,
                                 request=text),  # type: ignore[arg-type]
    ]  # fmt: skip
    for number, call in enumerate(calls):
        error = _only_course_errors(call)
        assert error is not None, number
        _no_key_in(str(error), pem, pair.private_openssh)
        assert "not shown" in str(error) or "PRIVATE" not in str(error), number


def _serve_with(leaf: LeafCert, **options: object) -> None:
    with tls.tls_server(leaf, **options):  # type: ignore[arg-type]
        pass


def test_real_certificates_appended_to_a_chain_are_served_or_refused_quietly(
    root: CA, leaf: LeafCert
) -> None:
    """A server sends extra real certificates after its leaf: the client still checks the
    leaf's own chain, and reads what it was sent without a warning (negative serial too)."""
    outcomes = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in (
            "real/odd/negative-serial.pem",
            "real/roots/dst-root-ca-x3.pem",
            "real/odd/ssleay-v1-1995.pem",
            "real/broken/invalid-version.pem",
        ):
            pair = (leaf.cert_chain_pem + data_path(name).read_bytes(), leaf.private_key_pem)
            try:
                with tls.tls_server(pair) as server:
                    result = tls.connect(server.port, hostname=HOSTNAME, trust=root)
                outcomes[name] = (result.ok, len(result.chain))
            except CourseError as error:
                outcomes[name] = (False, type(error).__name__)
    assert outcomes == {
        "real/odd/negative-serial.pem": (True, 2),
        "real/roots/dst-root-ca-x3.pem": (True, 2),
        "real/odd/ssleay-v1-1995.pem": (False, "ServerError"),  # RSA-512: CA_KEY_TOO_SMALL
        "real/broken/invalid-version.pem": (False, "CertificateParseError"),
    }
