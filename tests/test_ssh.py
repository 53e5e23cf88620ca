"""pkicourse.ssh: the admin's SSH key, a real SSH server, trust on first use (lesson 08).

The course's outputs are checked against real OpenSSH where it is installed: ``ssh-keygen -l``
prints the same fingerprint, ``ssh-keygen -y`` the same public line, ``ssh-keygen -L`` reads the
host certificate, and OpenSSH's ``ssh`` client logs in to the course's server (asyncssh), is
refused with another key, and prints the same prompt and refusals as :func:`ssh_login`. Every
``ssh`` run gets a temporary HOME, ``-F /dev/null`` and no passphrase.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from pkicourse.errors import ArgumentError, KeyFileExistsError, ServerError, UnknownKeyTypeError
from pkicourse.ssh import (
    KnownHosts,
    Login,
    SSHError,
    SSHKeyPair,
    SSHLogin,
    authorized_keys_line,
    fingerprint,
    make_ssh_keypair,
    save_keypair,
    sign_host_key,
    sign_user_key,
    ssh_keygen_l,
    ssh_login,
    ssh_server,
)

KINDS = ["ed25519", "rsa", "ecdsa"]
needs_ssh_keygen = pytest.mark.skipif(
    shutil.which("ssh-keygen") is None, reason="OpenSSH's ssh-keygen is not installed"
)
needs_ssh = pytest.mark.skipif(shutil.which("ssh") is None, reason="OpenSSH's ssh is not installed")


@pytest.fixture(scope="module")
def pairs() -> dict[str, SSHKeyPair]:
    return {kind: make_ssh_keypair(kind) for kind in KINDS}  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def admin(pairs: dict[str, SSHKeyPair]) -> SSHKeyPair:
    return pairs["ed25519"]


@pytest.fixture(scope="module")
def intruder() -> SSHKeyPair:
    return make_ssh_keypair(comment="eve@elsewhere")


@pytest.fixture()
def home(tmp_path: Path) -> Path:
    """A temporary HOME for OpenSSH: it reads no ~/.ssh of the machine's user."""
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


def _ssh_env(home: Path) -> dict[str, str]:
    return {"HOME": str(home), "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"}


def _run(home: Path, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, capture_output=True, text=True, env=_ssh_env(home), stdin=subprocess.DEVNULL,
        timeout=10,
    )  # fmt: skip


def _ssh(home: Path, key: Path, port: int, known_hosts: Path, *options: str) -> list[str]:
    """OpenSSH's client, as the spec gives it, plus an empty global known_hosts."""
    return [
        "ssh", "-F", "/dev/null", "-i", str(key), "-p", str(port), "-o", "BatchMode=yes",
        "-o", f"UserKnownHostsFile={known_hosts}", "-o", "GlobalKnownHostsFile=/dev/null",
        "-o", "StrictHostKeyChecking=yes", "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=2",
        *options, "admin@127.0.0.1", "whoami",
    ]  # fmt: skip


# --- keys -------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_key_pair_is_in_openssh_format(pairs: dict[str, SSHKeyPair], kind: str) -> None:
    pair = pairs[kind]
    assert pair.private_openssh.startswith(b"-----BEGIN OPENSSH PRIVATE KEY-----\n")
    key = serialization.load_ssh_private_key(pair.private_openssh, password=None)
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    assert pair.public_line == public.decode() + " admin@laptop"
    assert pair.fingerprint == fingerprint(pair.public_line)
    assert pair.fingerprint.startswith("SHA256:") and not pair.fingerprint.endswith("=")
    assert len(pair.fingerprint) == len("SHA256:") + 43
    assert "PRIVATE" not in repr(pair) and "PRIVATE" not in str(pair)


def test_unknown_kind_and_bad_lines_are_refused(admin: SSHKeyPair) -> None:
    with pytest.raises(UnknownKeyTypeError, match="ed25519"):
        make_ssh_keypair("dsa")  # type: ignore[arg-type]
    with pytest.raises(SSHError, match="not an OpenSSH public-key line"):
        fingerprint("-----BEGIN PUBLIC KEY-----")
    key_type, blob, comment = admin.public_line.split()
    with pytest.raises(SSHError, match="altered"):
        fingerprint(f"ssh-rsa {blob} {comment}")
    with pytest.raises(SSHError, match="one line of text"):
        fingerprint(admin.public_line.encode())  # type: ignore[arg-type]


@needs_ssh_keygen
@pytest.mark.parametrize("kind", KINDS)
def test_ssh_keygen_prints_the_same_fingerprint(
    pairs: dict[str, SSHKeyPair], kind: str, home: Path
) -> None:
    pair = pairs[kind]
    _, public_path = save_keypair(pair, home, f"id_{kind}")
    shown = _run(home, "ssh-keygen", "-l", "-f", str(public_path))
    assert shown.returncode == 0, shown.stderr
    print(shown.stdout.strip())
    assert shown.stdout.split()[1] == pair.fingerprint
    assert shown.stdout.strip() == ssh_keygen_l(pair.public_line)


@needs_ssh_keygen
@pytest.mark.parametrize("kind", KINDS)
def test_ssh_keygen_reads_the_private_key(
    pairs: dict[str, SSHKeyPair], kind: str, home: Path
) -> None:
    """``ssh-keygen -y`` derives the public line from the private file (no passphrase asked)."""
    pair = pairs[kind]
    private_path, _ = save_keypair(pair, home, f"id_{kind}")
    derived = _run(home, "ssh-keygen", "-y", "-f", str(private_path))
    assert derived.returncode == 0, derived.stderr
    assert derived.stdout.split()[:2] == pair.public_line.split()[:2]


def test_save_keypair_uses_the_ssh_keygen_layout(admin: SSHKeyPair, tmp_path: Path) -> None:
    private_path, public_path = save_keypair(admin, tmp_path, "id_ed25519")
    assert (private_path.name, public_path.name) == ("id_ed25519", "id_ed25519.pub")
    assert private_path.stat().st_mode & 0o777 == 0o600
    assert public_path.stat().st_mode & 0o777 == 0o644
    assert private_path.read_bytes() == admin.private_openssh
    assert public_path.read_text() == admin.public_line + "\n"
    with pytest.raises(KeyFileExistsError):
        save_keypair(admin, tmp_path, "id_ed25519")


def test_authorized_keys_line(admin: SSHKeyPair) -> None:
    assert authorized_keys_line(admin.public_line) == admin.public_line
    line = authorized_keys_line(admin.public_line, options=['from="127.0.0.1"', "no-pty"])
    assert line == 'from="127.0.0.1",no-pty ' + admin.public_line
    for bad in ("no pty", "", "a,b"):
        with pytest.raises(ArgumentError, match="authorized_keys option"):
            authorized_keys_line(admin.public_line, options=[bad])


# --- the server and ssh_login ----------------------------------------------------------------


def _course_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("pkicourse-ssh")]


def test_first_login_prompts_then_works_and_another_key_is_refused(
    admin: SSHKeyPair, intruder: SSHKeyPair
) -> None:
    known_hosts = KnownHosts()
    with ssh_server([authorized_keys_line(admin.public_line)]) as server:
        first = ssh_login(server.port, admin, known_hosts=known_hosts)
        assert not first.ok and first.prompt is not None
        print(first.prompt)
        assert first.prompt == (
            f"The authenticity of host '[127.0.0.1]:{server.port} ([127.0.0.1]:{server.port})' "
            f"can't be established.\nED25519 key fingerprint is {server.host_key_fingerprint}.\n"
            "This key is not known by any other names.\n"
            "Are you sure you want to continue connecting (yes/no/[fingerprint])? "
        )
        assert first.host_key_fingerprint == server.host_key_fingerprint
        assert first.error == "Host key verification failed."
        assert server.logins == []  # the client stopped before authenticating

        known_hosts.accept(first)  # answering "yes"
        assert known_hosts.lines() == [server.known_hosts_line()]
        second = ssh_login(server.port, admin, known_hosts=known_hosts)
        assert second.ok and second.output == "admin\n" and second.trusted_by == "known_hosts"
        assert second.host_key_fingerprint == server.host_key_fingerprint
        assert ssh_login(server.port, admin, known_hosts=known_hosts, command="hostname").output \
            == "bank.example\n"  # fmt: skip

        refused = ssh_login(server.port, intruder, known_hosts=known_hosts)
        assert not refused.ok and refused.prompt is None
        assert refused.error == "admin@127.0.0.1: Permission denied (publickey)."
        other_user = ssh_login(server.port, admin, known_hosts=known_hosts, username="root")
        assert other_user.error == "root@127.0.0.1: Permission denied (publickey)."
        assert server.logins == [
            Login("admin", admin.fingerprint, True),
            Login("admin", admin.fingerprint, True),
            Login("admin", intruder.fingerprint, False),
            Login("root", admin.fingerprint, False),
        ]
        assert server.commands == ["whoami", "hostname"]
    assert _course_threads() == []


def test_trust_on_first_use_adds_the_key(admin: SSHKeyPair) -> None:
    known_hosts = KnownHosts(trust_on_first_use=True)
    with ssh_server([admin.public_line]) as server:
        login = ssh_login(server.port, admin, known_hosts=known_hosts, command="echo hi")
        assert login.ok and login.output == "echo hi\n" and login.trusted_by == "first use"
        assert known_hosts.lines() == [server.known_hosts_line()]


def test_a_changed_host_key_is_refused(admin: SSHKeyPair) -> None:
    """The server is known by its name (HostKeyAlias): a new key under that name is refused."""
    known_hosts = KnownHosts(trust_on_first_use=True)
    with ssh_server([admin.public_line]) as server:
        assert ssh_login(server.port, admin, known_hosts=known_hosts, host_name="bank.example")
    assert known_hosts.lines() == [server.known_hosts_line("bank.example")]
    with ssh_server([admin.public_line]) as impostor:  # a new key (or a man in the middle)
        login = ssh_login(impostor.port, admin, known_hosts=known_hosts, host_name="bank.example")
        assert not login.ok and login.prompt is None and login.error is not None
        print(login.error)
        assert "WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!" in login.error
        assert f"{impostor.host_key_fingerprint}.\n" in login.error
        assert "Offending ED25519 key in known_hosts:1\n" in login.error
        assert login.error.endswith(
            "Host key for bank.example has changed and you have requested strict checking.\n"
            "Host key verification failed."
        )
        known_hosts.forget("bank.example")  # ssh-keygen -R bank.example, after checking
        again = ssh_login(impostor.port, admin, known_hosts=known_hosts, host_name="bank.example")
        assert again.ok and known_hosts.lines() == [impostor.known_hosts_line("bank.example")]


def test_server_stops_and_joins_even_when_the_body_raises(admin: SSHKeyPair) -> None:
    with pytest.raises(RuntimeError, match="a cell failed"):
        with ssh_server([admin.public_line]) as server:
            port = server.port
            assert _course_threads()
            raise RuntimeError("a cell failed")
    assert _course_threads() == []
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    with pytest.raises(ServerError, match="No SSH login"):
        ssh_login(port, admin, known_hosts=KnownHosts())


def test_a_silent_client_does_not_hold_the_server_open(admin: SSHKeyPair) -> None:
    with ssh_server([admin.public_line]) as server:
        silent = socket.create_connection(("127.0.0.1", server.port), timeout=2)
        assert silent.recv(100).startswith(b"SSH-2.0-")  # the server's greeting, then nothing
        start = time.perf_counter()
    assert time.perf_counter() - start < 1 and _course_threads() == []
    with silent:
        assert b"Disconnected by application" in silent.recv(200)  # closed on the way out


def test_works_inside_a_running_event_loop(admin: SSHKeyPair) -> None:
    """Jupyter runs an event loop in the main thread: the helpers run theirs in threads."""

    async def cell() -> bool:
        with ssh_server([admin.public_line]) as server:
            known_hosts = KnownHosts(trust_on_first_use=True)
            return ssh_login(server.port, admin, known_hosts=known_hosts).ok

    assert asyncio.run(cell())
    assert _course_threads() == []


def test_a_silent_server_times_out(admin: SSHKeyPair) -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts TCP, never says a word
        start = time.perf_counter()
        with pytest.raises(ServerError, match="No SSH login"):
            ssh_login(silent.getsockname()[1], admin, known_hosts=KnownHosts(), timeout=0.5)
        assert time.perf_counter() - start < 2
    assert _course_threads() == []


def test_bad_arguments(admin: SSHKeyPair) -> None:
    with pytest.raises(SSHError, match="no usable key line"):
        with ssh_server(["not a key"]):
            pass
    with pytest.raises(ArgumentError, match="port"):
        ssh_login("22", admin, known_hosts=KnownHosts())  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="timeout"):
        ssh_login(22, admin, known_hosts=KnownHosts(), timeout=0)
    with pytest.raises(ArgumentError, match="KnownHosts"):
        ssh_login(22, admin, known_hosts=[])  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="no first-connection prompt"):
        KnownHosts().accept(SSHLogin(True, "admin\n", "SHA256:x", None, None, "[127.0.0.1]:1"))
    assert _course_threads() == []


def test_no_asyncio_warnings_or_leftovers() -> None:
    """A whole session under ``-X dev -W error``: nothing printed, no thread left."""
    script = (
        "import threading\n"
        "from pkicourse.ssh import *\n"
        "a = make_ssh_keypair(); b = make_ssh_keypair(); kh = KnownHosts()\n"
        "with ssh_server([a.public_line]) as s:\n"
        "    kh.accept(ssh_login(s.port, a, known_hosts=kh))\n"
        "    assert ssh_login(s.port, a, known_hosts=kh).ok\n"
        "    assert not ssh_login(s.port, b, known_hosts=kh).ok\n"
        "assert threading.active_count() == 1, threading.enumerate()\n"
    )
    done = subprocess.run(
        [sys.executable, "-X", "dev", "-W", "error", "-c", script],
        capture_output=True, text=True, timeout=20,
    )  # fmt: skip
    assert done.returncode == 0 and done.stderr == "", done.stderr


# --- SSH certificates: the bridge to the CA model ---------------------------------------------


@pytest.fixture(scope="module")
def host_ca() -> SSHKeyPair:
    return make_ssh_keypair(comment="bank-host-ca")


@pytest.fixture(scope="module")
def host_key() -> SSHKeyPair:
    return make_ssh_keypair(comment="root@bank.example")


@pytest.fixture(scope="module")
def host_certificate(host_ca: SSHKeyPair, host_key: SSHKeyPair) -> str:
    return sign_host_key(host_ca, host_key, ["bank.example"], days=30)


def test_host_certificate_lets_the_client_in_without_a_prompt(
    admin: SSHKeyPair, host_ca: SSHKeyPair, host_key: SSHKeyPair, host_certificate: str
) -> None:
    assert host_certificate.startswith("ssh-ed25519-cert-v01@openssh.com AAAA")
    with ssh_server([admin.public_line], host_key=host_key, host_certificate=host_certificate) \
            as server:  # fmt: skip
        assert server.host_certificate == host_certificate
        # No CA known: OpenSSH retries with the plain key, and asks.
        unknown = ssh_login(server.port, admin, known_hosts=KnownHosts(), host_name="bank.example")
        assert unknown.prompt is not None and host_key.fingerprint in unknown.prompt

        known_hosts = KnownHosts()
        known_hosts.trust_ca(host_ca.public_line, "*.example")
        assert known_hosts.lines()[0].startswith("@cert-authority *.example ssh-ed25519 AAAA")
        login = ssh_login(server.port, admin, known_hosts=known_hosts, host_name="bank.example")
        assert login.ok and login.trusted_by == "@cert-authority" and login.prompt is None
        assert login.host_key_fingerprint == host_key.fingerprint
        assert known_hosts.lines() == [known_hosts.lines()[0]]  # nothing added

        # A trusted CA, but not for this name: like OpenSSH, the plain key is asked about.
        wrong = ssh_login(server.port, admin, known_hosts=known_hosts, host_name="mail.example")
        assert wrong.error == (
            "Certificate invalid: name is not a listed principal\nHost key verification failed."
        )
        assert wrong.prompt is not None and "'mail.example ([127.0.0.1]:" in wrong.prompt
        other_ca = KnownHosts()
        other_ca.trust_ca(make_ssh_keypair().public_line)
        asked = ssh_login(server.port, admin, known_hosts=other_ca, host_name="bank.example")
        assert asked.prompt is not None  # another CA: no trust, so OpenSSH asks


def test_sign_host_key_checks_its_arguments(host_ca: SSHKeyPair, host_key: SSHKeyPair) -> None:
    with pytest.raises(ArgumentError, match="principals"):
        sign_host_key(host_ca, host_key, [])
    with pytest.raises(ArgumentError, match="days"):
        sign_host_key(host_ca, host_key, ["bank.example"], days=0)
    with pytest.raises(SSHError, match="another key"):
        with ssh_server(
            [host_ca.public_line], host_certificate=sign_host_key(host_ca, host_key, "x.example")
        ):
            pass


@needs_ssh_keygen
def test_ssh_keygen_reads_the_host_certificate(
    host_ca: SSHKeyPair, host_key: SSHKeyPair, host_certificate: str, home: Path
) -> None:
    path = home / "ssh_host_ed25519_key-cert.pub"
    path.write_text(host_certificate + "\n")
    shown = _run(home, "ssh-keygen", "-L", "-f", str(path))
    assert shown.returncode == 0, shown.stderr
    print(shown.stdout)
    assert "Type: ssh-ed25519-cert-v01@openssh.com host certificate" in shown.stdout
    assert f"Public key: ED25519-CERT {host_key.fingerprint}" in shown.stdout
    assert f"Signing CA: ED25519 {host_ca.fingerprint}" in shown.stdout
    assert "Principals: \n                bank.example\n" in shown.stdout


# --- OpenSSH's ssh client against the course's server -----------------------------------------


@pytest.fixture()
def keys_on_disk(
    admin: SSHKeyPair, intruder: SSHKeyPair, home: Path
) -> Iterator[tuple[Path, Path]]:
    admin_path, _ = save_keypair(admin, home, "id_ed25519")
    intruder_path, _ = save_keypair(intruder, home, "id_intruder")
    yield admin_path, intruder_path


@needs_ssh
def test_openssh_logs_in_with_the_admin_key_and_is_refused_with_another(
    admin: SSHKeyPair, intruder: SSHKeyPair, home: Path, keys_on_disk: tuple[Path, Path]
) -> None:
    admin_path, intruder_path = keys_on_disk
    with ssh_server([authorized_keys_line(admin.public_line)]) as server:
        known = home / "known_hosts"
        known.write_text(server.known_hosts_line() + "\n")
        start = time.perf_counter()
        done = _run(home, *_ssh(home, admin_path, server.port, known))
        print(f"ssh login: {time.perf_counter() - start:.2f} s")
        assert (done.returncode, done.stdout) == (0, "admin\n"), done.stderr
        refused = _run(home, *_ssh(home, intruder_path, server.port, known))
        assert refused.returncode == 255
        ours = ssh_login(server.port, intruder, known_hosts=KnownHosts(trust_on_first_use=True))
        assert (
            refused.stderr.strip()
            == ours.error
            == "admin@127.0.0.1: Permission denied (publickey)."
        )
        assert [login.accepted for login in server.logins] == [True, False, False]
        assert server.logins[1].key_fingerprint == intruder.fingerprint


@needs_ssh
@pytest.mark.parametrize("host_kind", KINDS)
def test_openssh_prints_the_same_prompt(
    admin: SSHKeyPair,
    pairs: dict[str, SSHKeyPair],
    host_kind: str,
    home: Path,
    keys_on_disk: tuple[Path, Path],
) -> None:
    """The prompt goes to SSH_ASKPASS (forced), which writes it down and answers "no"."""
    askpass = home / "askpass"
    askpass.write_text('#!/bin/sh\nprintf "%s" "$1" > "$HOME/prompt.txt"\necho no\n')
    askpass.chmod(0o700)
    with ssh_server([admin.public_line], host_key=pairs[host_kind]) as server:
        command = _ssh(home, keys_on_disk[0], server.port, home / "known_hosts")
        command[command.index("BatchMode=yes")] = "BatchMode=no"
        command[command.index("StrictHostKeyChecking=yes")] = "StrictHostKeyChecking=ask"
        env = {**_ssh_env(home), "SSH_ASKPASS": str(askpass), "SSH_ASKPASS_REQUIRE": "force"}
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=10,
                              stdin=subprocess.DEVNULL)  # fmt: skip
        ours = ssh_login(server.port, admin, known_hosts=KnownHosts())
    assert done.returncode == 255 and "Host key verification failed." in done.stderr
    assert (home / "prompt.txt").read_text() == ours.prompt
    assert (
        f"\n{host_kind.upper()} key fingerprint is {pairs[host_kind].fingerprint}.\n" in ours.prompt
    )


@needs_ssh
@pytest.mark.parametrize("old_kind", ["ed25519", "ecdsa"])
def test_openssh_refuses_a_changed_host_key_in_the_same_words(
    admin: SSHKeyPair, home: Path, keys_on_disk: tuple[Path, Path], old_kind: str
) -> None:
    """Also when the known key is of another type (ECDSA known, ED25519 shown): "changed"."""
    known = home / "known_hosts"
    old_key = make_ssh_keypair(old_kind)  # type: ignore[arg-type]
    known.write_text(f"bank.example {old_key.public_line}\n")
    known_hosts = KnownHosts()
    known_hosts.add("bank.example", known.read_text().split(maxsplit=1)[1])
    with ssh_server([admin.public_line]) as server:
        alias = ("-o", "HostKeyAlias=bank.example")
        done = _run(home, *_ssh(home, keys_on_disk[0], server.port, known, *alias))
        ours = ssh_login(server.port, admin, known_hosts=known_hosts, host_name="bank.example")
    assert done.returncode == 255 and ours.error is not None
    assert done.stderr.replace(str(known), "known_hosts").strip() == ours.error
    assert f"Offending {old_kind.upper()} key in known_hosts:1\n" in ours.error


@needs_ssh
def test_openssh_trusts_the_host_through_cert_authority(
    admin: SSHKeyPair,
    host_ca: SSHKeyPair,
    host_key: SSHKeyPair,
    host_certificate: str,
    home: Path,
    keys_on_disk: tuple[Path, Path],
) -> None:
    known_hosts = KnownHosts()
    known_hosts.trust_ca(host_ca.public_line, "*.example")
    known = home / "known_hosts"
    known.write_text(str(known_hosts))
    with ssh_server([admin.public_line], host_key=host_key, host_certificate=host_certificate) \
            as server:  # fmt: skip
        alias = ("-o", "HostKeyAlias=bank.example")
        done = _run(home, *_ssh(home, keys_on_disk[0], server.port, known, *alias))
        assert (done.returncode, done.stdout) == (0, "admin\n"), done.stderr
        wrong = _run(home, *_ssh(home, keys_on_disk[0], server.port, known,
                                 "-o", "HostKeyAlias=mail.example"))  # fmt: skip
        ours = ssh_login(server.port, admin, known_hosts=known_hosts, host_name="mail.example")
    assert wrong.returncode == 255 and ours.error is not None
    print(wrong.stderr)
    # OpenSSH, strict: the certificate's problem, then the plain key is unknown, so it stops
    assert wrong.stderr.strip() == ours.error.replace(
        "\nHost",
        "\nNo ED25519 host key is known for mail.example and you have requested "
        "strict checking.\nHost",
    )
    assert known.read_text() == str(known_hosts)  # nothing was added: no prompt, no TOFU


# --- user certificates: the server trusts the organisation's CA, not each key ------------------


@pytest.fixture(scope="module")
def user_ca() -> SSHKeyPair:
    return make_ssh_keypair(comment="org-user-ca")


def test_user_certificate_lets_the_admin_in(
    admin: SSHKeyPair, intruder: SSHKeyPair, user_ca: SSHKeyPair
) -> None:
    certificate = sign_user_key(user_ca, admin, ["admin"])
    assert certificate.startswith("ssh-ed25519-cert-v01@openssh.com AAAA")
    other_user = sign_user_key(user_ca, intruder, ["eve"])
    known_hosts = KnownHosts(trust_on_first_use=True)
    trust_line = authorized_keys_line(user_ca.public_line, options=["cert-authority"])
    with ssh_server([trust_line]) as server:
        login = ssh_login(server.port, admin, known_hosts=known_hosts, certificate=certificate)
        assert login.ok and login.output == "admin\n"
        assert server.logins[0] == Login("admin", user_ca.fingerprint, True, via="certificate")
        bare = ssh_login(server.port, admin, known_hosts=known_hosts)  # the key alone: unknown
        assert bare.error == "admin@127.0.0.1: Permission denied (publickey)."
        wrong_name = ssh_login(server.port, intruder, known_hosts=known_hosts,
                               certificate=other_user)  # fmt: skip
        assert not wrong_name.ok  # a certificate for "eve" does not let anyone in as admin
    with pytest.raises(SSHError, match="another key"):
        ssh_login(server.port, intruder, known_hosts=known_hosts, certificate=certificate)


@needs_ssh
def test_openssh_logs_in_with_a_user_certificate(
    admin: SSHKeyPair, user_ca: SSHKeyPair, home: Path, keys_on_disk: tuple[Path, Path]
) -> None:
    certificate = home / "id_ed25519-cert.pub"
    certificate.write_text(sign_user_key(user_ca, admin, ["admin"]) + "\n")
    trust_line = authorized_keys_line(user_ca.public_line, options=["cert-authority"])
    with ssh_server([trust_line]) as server:
        known = home / "known_hosts"
        known.write_text(server.known_hosts_line() + "\n")
        options = ("-o", f"CertificateFile={certificate}")
        done = _run(home, *_ssh(home, keys_on_disk[0], server.port, known, *options))
        assert (done.returncode, done.stdout) == (0, "admin\n"), done.stderr
        assert [login.via for login in server.logins] == ["certificate"]
    shown = _run(home, "ssh-keygen", "-L", "-f", str(certificate))
    assert "user certificate" in shown.stdout and f"Signing CA: ED25519 {user_ca.fingerprint}" \
        in shown.stdout  # fmt: skip
