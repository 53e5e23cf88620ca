"""Tests for pkicourse.workspace: one visible folder per lesson, private keys removed at the end."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from pkicourse.errors import CourseError, InvalidChoiceError
from pkicourse.workspace import holds_private_key, lesson_folder, remove_private_keys, save_my_work


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _pem(key: ec.EllipticCurvePrivateKey, password: bytes | None = None) -> bytes:
    encryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def test_lesson_folder_is_work_lesson_beside_the_notebook_and_private(in_tmp: Path) -> None:
    folder = lesson_folder("01-asymmetric-keys")
    assert folder == in_tmp / "work" / "01-asymmetric-keys"
    assert folder.is_dir() and folder.stat().st_mode & 0o077 == 0
    assert lesson_folder("01-asymmetric-keys") == folder  # a second run reuses it


@pytest.mark.parametrize("bad", ["../etc", "/tmp/x", "", "01", 1])
def test_lesson_folder_refuses_what_is_not_a_lesson_name(in_tmp: Path, bad: object) -> None:
    with pytest.raises(CourseError):
        lesson_folder(bad)  # type: ignore[arg-type]
    assert not (in_tmp / "work").exists()


def test_private_keys_are_found_by_content_not_by_name(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    files = {
        "server.pem": _pem(key),  # a private key with a "public" name
        "locked.bin": _pem(key, b"a long passphrase"),
        "raw.der": key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        "id_ed25519": ed25519.Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.NoEncryption(),
        ),
        "public-key.pem": key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        "notes.txt": b"the key is under the mat",
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    found = {name for name in files if holds_private_key(tmp_path / name)}
    assert found == {"server.pem", "locked.bin", "raw.der", "id_ed25519"}


def test_remove_private_keys_keeps_the_rest_and_says_so(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = lesson_folder("02-session-keys")
    (folder / "sub").mkdir()
    (folder / "sub" / "server.key").write_bytes(_pem(ec.generate_private_key(ec.SECP256R1())))
    (folder / "message.txt").write_text("hello")
    removed = remove_private_keys(folder)
    assert removed == [folder / "sub" / "server.key"]
    assert not (folder / "sub" / "server.key").exists()
    assert (folder / "message.txt").read_text() == "hello"
    assert "Removed 1 private key file(s)" in capsys.readouterr().out


def test_an_emptied_folder_goes_away_with_its_work_parent(in_tmp: Path) -> None:
    folder = lesson_folder("01-asymmetric-keys")
    (folder / "a.key").write_bytes(_pem(ec.generate_private_key(ec.SECP256R1())))
    remove_private_keys(folder)
    assert not (in_tmp / "work").exists()


def test_keep_true_keeps_them_and_keep_must_be_a_bool(in_tmp: Path) -> None:
    folder = lesson_folder("01-asymmetric-keys")
    key_file = folder / "a.key"
    key_file.write_bytes(_pem(ec.generate_private_key(ec.SECP256R1())))
    assert remove_private_keys(folder, keep=True) == []
    assert key_file.exists()
    with pytest.raises(CourseError):
        remove_private_keys(folder, keep="no")  # type: ignore[arg-type]
    assert key_file.exists()


def test_a_symlink_to_a_key_elsewhere_is_not_followed(in_tmp: Path) -> None:
    outside = in_tmp / "precious.key"
    outside.write_bytes(_pem(ec.generate_private_key(ec.SECP256R1())))
    folder = lesson_folder("01-asymmetric-keys")
    (folder / "link.key").symlink_to(outside)
    remove_private_keys(folder)
    assert outside.exists()


def test_openssl_written_keys_are_found(tmp_path: Path) -> None:
    target = tmp_path / "rsa-traditional.txt"
    made = subprocess.run(
        ["openssl", "genrsa", "-traditional", "-out", str(target), "1024"],
        capture_output=True,
        check=False,
    )
    if made.returncode != 0:
        pytest.skip("this openssl cannot write a traditional RSA key")
    assert holds_private_key(target)


def test_save_my_work_packs_notebooks_and_files_but_no_private_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "01-asymmetric-keys.ipynb").write_text("{}")
    work = tmp_path / "work" / "01-asymmetric-keys"
    work.mkdir(parents=True)
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (work / "innocent-name.txt").write_bytes(pem)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (work / "server.pub").write_bytes(public)
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "x-checkpoint.ipynb").write_text("{}")
    saved = save_my_work()
    with zipfile.ZipFile(saved) as archive:
        names = sorted(archive.namelist())
        assert all(b"PRIVATE KEY" not in archive.read(n) for n in names)
    assert names == ["01-asymmetric-keys.ipynb", "work/01-asymmetric-keys/server.pub"]
    out = capsys.readouterr().out
    assert "Left out 1 private key file(s)" in out and "innocent-name.txt" in out
    assert "BEGIN" not in out
    with pytest.raises(InvalidChoiceError):
        save_my_work("../elsewhere.zip")
