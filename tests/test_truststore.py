"""Tests for pkicourse.truststore: certifi's Mozilla roots, counted, searched and extended."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import certifi
import pytest
from cryptography import x509

from pkicourse import truststore
from pkicourse.ca import CA
from pkicourse.errors import ArgumentError, CAError, InvalidChoiceError
from pkicourse.validation import verify_chain


@pytest.fixture(scope="module")
def course_ca() -> CA:
    return CA.root("Truststore Test Root CA")


def test_mozilla_roots_are_certifis_certificates() -> None:
    roots = truststore.mozilla_roots()
    pem = Path(certifi.where()).read_text(encoding="ascii")
    assert len(roots) == pem.count("-----BEGIN CERTIFICATE-----") > 100
    assert all(type(root) is x509.Certificate for root in roots)
    assert all(root.subject == root.issuer for root in roots)  # roots sign themselves


def test_mozilla_roots_is_a_new_list_each_time() -> None:
    first = truststore.mozilla_roots()
    first.clear()
    assert truststore.mozilla_roots()


def test_loading_and_summarising_print_no_deprecation_warning() -> None:
    """certifi holds roots with serial number 0: the learner must not see cryptography's warning."""
    code = (
        "import warnings; warnings.simplefilter('error');"
        "from pkicourse import truststore; s = truststore.summary(); print(len(s.zero_serials))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr


def test_a_zero_serial_still_warns_outside_the_helper() -> None:
    """The twin: the warning is real, and only the helper hides it."""
    roots = truststore.mozilla_roots()
    zero = [r for r in roots if truststore._non_positive_serial(r)]
    if not zero:
        pytest.skip("this certifi has no root with serial number 0")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert zero[0].serial_number <= 0
    assert caught


def test_summary_counts_add_up() -> None:
    summary = truststore.summary()
    assert summary.count == len(truststore.mozilla_roots())
    assert sum(n for _, n in summary.operators) == summary.count
    assert sum(summary.key_types.values()) == summary.count
    assert sum(summary.issued_years.values()) == summary.count
    assert sum(summary.expiry_years.values()) == summary.count
    assert len(summary.operators) == 11 and summary.operators[-1][0].endswith("others")
    assert any(kind.startswith("RSA ") for kind in summary.key_types)
    assert any(kind.startswith("EC P-") for kind in summary.key_types)
    assert summary.source.startswith("certifi ")
    assert list(summary.expiry_years) == sorted(summary.expiry_years)


def test_summary_of_given_roots(course_ca: CA) -> None:
    summary = truststore.summary([course_ca.certificate], top=3)
    assert summary.count == 1
    assert summary.operators == [("pkicourse", 1)]
    assert summary.key_types == {"EC P-256": 1}
    assert summary.source == "the roots given"
    assert "pkicourse" in str(summary) and "<table>" in summary._repr_html_()


def test_summary_refuses_bad_arguments() -> None:
    with pytest.raises(ArgumentError):
        truststore.summary(top=0)
    with pytest.raises(ArgumentError):
        truststore.summary(["not a certificate"])  # type: ignore[list-item]
    with pytest.raises(ArgumentError):
        truststore.summary(b"PEM bytes")  # type: ignore[arg-type]


def test_find_root_by_name_certificate_and_subject() -> None:
    root = truststore.find_root("ISRG Root X1")
    assert root is not None and "ISRG Root X1" in root.subject.rfc4514_string()
    assert truststore.find_root("isrg root x1") == root
    assert truststore.find_root(root) == root
    assert truststore.find_root(root.subject) == root


def test_find_root_says_none_for_a_root_that_left_the_store() -> None:
    assert truststore.find_root("DST Root CA X3") is None  # Let's Encrypt's old root, expired 2021


def test_find_root_refuses_an_ambiguous_part_of_a_name() -> None:
    with pytest.raises(InvalidChoiceError, match="ISRG Root X1"):
        truststore.find_root("ISRG")
    with pytest.raises(ArgumentError):
        truststore.find_root("  ")


def test_with_extra_root_adds_an_organisations_root(course_ca: CA) -> None:
    leaf = course_ca.issue_cert("intranet.example")  # valid from now: check at the current time
    mozilla = truststore.mozilla_roots()
    extended = truststore.with_extra_root(course_ca.certificate)
    assert len(extended) == len(mozilla) + 1 and extended[-1] == course_ca.certificate
    assert truststore.with_extra_root(course_ca.certificate, extended) == extended  # no duplicate
    good = verify_chain(
        leaf.certificate, leaf.chain[1:], roots=extended, hostname="intranet.example"
    )
    assert good.ok
    refused = verify_chain(
        leaf.certificate, leaf.chain[1:], roots=mozilla, hostname="intranet.example"
    )
    assert not refused.ok and refused.rule is not None
    assert refused.rule.name in {"incomplete-chain", "unknown-issuer"}
    assert len(truststore.mozilla_roots()) == len(mozilla)  # the real list is unchanged


def test_with_extra_root_refuses_a_leaf(course_ca: CA) -> None:
    leaf = course_ca.issue_cert("intranet.example")
    with pytest.raises(CAError, match="not a CA"):
        truststore.with_extra_root(leaf.certificate)
    with pytest.raises(ArgumentError):
        truststore.with_extra_root(course_ca.cert_pem)  # type: ignore[arg-type]
