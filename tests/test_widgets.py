"""Tests for pkicourse.widgets: real keys, real encryption, the progress line really moves."""

from __future__ import annotations

import ipywidgets
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from pkicourse.errors import InvalidChoiceError, UnknownKeyTypeError
from pkicourse.keys import describe_key, fingerprint, key_type_of
from pkicourse.widgets import KeyExplorer, WhoCanOpen, key_explorer, who_can_open

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
