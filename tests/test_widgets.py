"""Tests for pkicourse.widgets: real keys, real encryption, the progress line really moves."""

from __future__ import annotations

import ipywidgets
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from pkicourse.certificates import file_kind, make_self_signed
from pkicourse.data import data_files, data_path
from pkicourse.errors import InvalidChoiceError, UnknownKeyTypeError
from pkicourse.keys import describe_key, fingerprint, generate_private_key, key_type_of
from pkicourse.widgets import (
    CertificateInspector,
    KeyExplorer,
    WhoCanOpen,
    certificate_inspector,
    key_explorer,
    who_can_open,
)

# --- KeyExplorer ---------------------------------------------------------------------------


def test_key_explorer_is_a_vbox_with_every_key_type() -> None:
    explorer = key_explorer()
    assert isinstance(explorer, ipywidgets.VBox)
    assert "rsa-4096" in explorer.key_type.options and "ed25519" in explorer.key_type.options


@pytest.mark.parametrize(
    ("key_type", "key_class"),
    [("ed25519", ed25519.Ed25519PrivateKey), ("rsa-2048", rsa.RSAPrivateKey)],
)
def test_generate_makes_a_real_key_of_the_chosen_type_and_shows_it(
    key_type: str, key_class: type
) -> None:
    explorer = key_explorer()
    explorer.key_type.value = key_type
    key = explorer.generate()
    assert isinstance(key, key_class)
    assert key_type_of(key) == key_type
    assert explorer.key is key
    shown = explorer.result.value
    assert describe_key(key) in shown
    assert fingerprint(key) in shown
    assert "-----BEGIN PUBLIC KEY-----" in shown
    assert "PRIVATE KEY-----" not in shown  # the private key is never displayed
    assert "made a" in explorer.progress.value and key_type in explorer.progress.value


def test_each_generate_makes_a_new_key() -> None:
    explorer = key_explorer("ed25519")
    first = explorer.generate()
    explorer.generate_button.click()  # the button does the same as generate()
    assert explorer.key is not None and explorer.key is not first
    assert fingerprint(explorer.key) in explorer.result.value
    assert fingerprint(first) not in explorer.result.value


def test_slow_key_shows_live_progress_while_the_button_is_disabled() -> None:
    explorer = KeyExplorer("rsa-3072", update_seconds=0.01)
    progress: list[str] = []
    disabled: list[bool] = []
    explorer.progress.observe(lambda change: progress.append(change["new"]), names="value")
    explorer.generate_button.observe(
        lambda change: disabled.append(change["new"]), names="disabled"
    )
    key = explorer.generate()
    assert key_type_of(key) == "rsa-3072"
    updates = [text for text in progress if "making a rsa-3072 key" in text]
    assert len(updates) >= 2, f"the progress line did not move: {progress}"
    assert updates[0].endswith(" s")
    assert disabled == [True, False]


def test_key_explorer_rejects_an_unknown_key_type() -> None:
    with pytest.raises(UnknownKeyTypeError):
        key_explorer("rsa-1024")


# --- WhoCanOpen ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def widget() -> WhoCanOpen:
    """One widget for the module: making its three RSA-2048 keys is the slow part."""
    return who_can_open(("alice", "bob", "carol"))


def test_every_user_has_their_own_key_pair(widget: WhoCanOpen) -> None:
    assert set(widget.private_keys) == {"alice", "bob", "carol"}
    fingerprints = {fingerprint(key) for key in widget.private_keys.values()}
    assert len(fingerprints) == 3
    assert all(key_type_of(key) == "rsa-2048" for key in widget.private_keys.values())


def test_the_recipient_opens_the_message(widget: WhoCanOpen) -> None:
    widget.message.value = "hello"
    outcome = widget.try_open("bob", "bob")
    assert outcome == "✔ bob opened it: 'hello'"
    assert "bob opened it" in widget.result.value
    assert "ciphertext (256 bytes)" in widget.result.value


def test_someone_else_cannot_open_the_message(widget: WhoCanOpen) -> None:
    widget.message.value = "hello"
    outcome = widget.try_open("bob", "carol")
    assert outcome == "✘ carol cannot open a message locked for bob (DecryptionError)"
    assert "DecryptionError" in widget.result.value
    assert "hello" not in widget.result.value


def test_the_button_uses_the_dropdowns(widget: WhoCanOpen) -> None:
    widget.message.value = "meet at noon"
    widget.recipient.value, widget.opener.value = "alice", "alice"
    widget.lock_button.click()
    assert "alice opened it: &#x27;meet at noon&#x27;" in widget.result.value
    widget.opener.value = "bob"
    widget.lock_button.click()
    assert "bob cannot open a message locked for alice" in widget.result.value


def test_try_open_moves_the_dropdowns_to_match(widget: WhoCanOpen) -> None:
    widget.try_open("carol", "alice")
    assert (widget.recipient.value, widget.opener.value) == ("carol", "alice")


def test_a_message_too_long_for_rsa_is_explained(widget: WhoCanOpen) -> None:
    widget.message.value = "x" * 191  # RSA-2048 with OAEP-SHA256 carries at most 190 bytes
    outcome = widget.try_open("bob", "bob")
    assert outcome.startswith("✘ MessageTooLongError")
    widget.message.value = "x" * 190
    assert widget.try_open("bob", "bob").startswith("✔")


def test_try_open_rejects_an_unknown_user(widget: WhoCanOpen) -> None:
    with pytest.raises(InvalidChoiceError):
        widget.try_open("bob", "mallory")


def test_who_can_open_rejects_repeated_names() -> None:
    with pytest.raises(InvalidChoiceError):
        WhoCanOpen(["bob", "bob"])


# --- the certificate inspector ---------------------------------------------------------------


@pytest.fixture(scope="module")
def inspector() -> CertificateInspector:
    return certificate_inspector()


def test_the_inspector_offers_every_certificate_in_data(inspector: CertificateInspector) -> None:
    options = list(inspector.picker.options)
    assert "real/roots/dst-root-ca-x3.pem" in options
    assert "real/chains/cryptography.io-2018.pem (1 of 2)" in options  # a chain: one per cert
    assert "real/chains/cryptography.io-2018.pem (2 of 2)" in options
    assert not any(o.startswith("real/csr/") or o.startswith("real/crl/crl-all") for o in options)
    for name in data_files():
        if file_kind(data_path(name)) in ("certificate", "certificates"):
            assert any(option.startswith(name) for option in options), name
    assert isinstance(inspector, ipywidgets.VBox)
    assert inspector.children == (inspector.picker, inspector.table)


def test_picking_a_certificate_shows_its_fields(inspector: CertificateInspector) -> None:
    inspector.picker.value = "real/chains/cryptography.io-2018.pem (2 of 2)"
    shown = inspector.table.value
    assert "Let&#x27;s Encrypt Authority X3" in shown and "DST Root CA X3" in shown
    assert "what it means" in shown and "CA:TRUE" in shown
    inspector.picker.value = "real/odd/negative-serial.pem"
    assert "negative serial (RFC 5280 forbids it)" in inspector.table.value
    assert "Let&#x27;s Encrypt Authority X3" not in inspector.table.value  # it really changed
    assert inspector.description is not None
    assert inspector.description["serial"].startswith("-18008675309")


def test_a_file_that_cannot_be_parsed_says_why(inspector: CertificateInspector) -> None:
    assert "real/broken/bad-asn1-time.pem" in inspector.problems
    description = inspector.show("real/broken/bad-asn1-time.pem")
    assert description is None and inspector.picker.value == "real/broken/bad-asn1-time.pem"
    assert "CertificateParseError" in inspector.table.value
    assert "validity dates are not valid ASN.1 times" in inspector.table.value


def test_show_drives_the_picker_and_refuses_an_unknown_name(
    inspector: CertificateInspector,
) -> None:
    description = inspector.show("real/roots/geotrust-global-ca.pem")
    assert description is not None and "GeoTrust Global CA" in description["subject"]
    assert inspector.picker.value == "real/roots/geotrust-global-ca.pem"
    assert "GeoTrust Global CA" in inspector.table.value
    with pytest.raises(InvalidChoiceError, match="not one of the certificates"):
        inspector.show("real/roots/nope.pem")


def test_the_inspector_takes_your_own_certificates() -> None:
    key = generate_private_key("ec-p256")
    mine = make_self_signed(key, "my.example", dns_names=["my.example"])
    inspector = certificate_inspector({"mine": mine})
    assert list(inspector.picker.options) == ["mine"]
    assert "DNS:my.example" in inspector.table.value and inspector.problems == {}
    with pytest.raises(InvalidChoiceError, match="non-empty dict"):
        certificate_inspector({})
    with pytest.raises(InvalidChoiceError, match="x509.Certificate"):
        certificate_inspector({"mine": b"not a certificate"})  # type: ignore[dict-item]
