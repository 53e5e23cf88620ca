"""Tests for pkicourse.selfcheck: questions give the right feedback, check() prints and returns."""

from __future__ import annotations

import pytest

from pkicourse.errors import CourseError, QuestionError
from pkicourse.selfcheck import Question, ask, check

OPTIONS = ["anyone", "only bob", "only the sender"]


def _question() -> Question:
    return ask(
        "Who can open a message locked with bob's public key?",
        OPTIONS,
        answer="only bob",
        explanation="Only bob's private key fits bob's padlock.",
    )


def test_ask_returns_a_vbox_with_nothing_selected() -> None:
    import ipywidgets

    question = _question()
    assert isinstance(question, ipywidgets.VBox)
    assert question.choices in question.children
    assert question.check_button in question.children
    assert question.feedback in question.children
    assert question.choices.value is None
    assert list(question.choices.options) == OPTIONS


def test_right_answer_shows_a_tick_and_the_explanation() -> None:
    question = _question()
    question.choices.value = "only bob"
    question.check_button.click()
    assert "✔" in question.feedback.value
    assert "fits bob" in question.feedback.value


def test_wrong_answer_shows_a_cross_and_keeps_the_explanation_back() -> None:
    question = _question()
    question.choices.value = "anyone"
    question.check_button.click()
    assert "✘" in question.feedback.value
    assert "Reread" in question.feedback.value
    assert "fits bob" not in question.feedback.value


def test_no_selection_asks_to_choose() -> None:
    question = _question()
    question.check_button.click()
    assert "Choose an answer" in question.feedback.value
    assert "✔" not in question.feedback.value and "✘" not in question.feedback.value


def test_feedback_is_html_escaped() -> None:
    question = ask("Is 1 < 2?", ["yes <b>", "no"], "yes <b>", "Because <maths>.")
    question.choices.value = "yes <b>"
    question.check_button.click()
    assert "&lt;maths&gt;" in question.feedback.value


def test_ask_rejects_an_answer_that_is_not_an_option() -> None:
    with pytest.raises(QuestionError) as caught:
        ask("Who?", OPTIONS, answer="Only Bob", explanation="")
    assert isinstance(caught.value, CourseError) and isinstance(caught.value, ValueError)


def test_ask_rejects_repeated_or_too_few_options() -> None:
    with pytest.raises(QuestionError):
        ask("Who?", ["bob", "bob"], answer="bob", explanation="")
    with pytest.raises(QuestionError):
        ask("Who?", ["bob"], answer="bob", explanation="")


def test_check_prints_a_tick_and_returns_true(capsys: pytest.CaptureFixture[str]) -> None:
    assert check("the key is 2048 bits", 2048, 2048) is True
    assert capsys.readouterr().out == "✔ the key is 2048 bits\n"


def test_check_prints_expected_and_got_and_returns_false(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert (
        check("the key is 2048 bits", 1024, 2048, "Use generate_private_key('rsa-2048').") is False
    )
    out = capsys.readouterr().out
    assert out.startswith("✘ the key is 2048 bits — expected 2048, got 1024\n")
    assert "rsa-2048" in out


def test_check_without_an_answer_keeps_the_expected_value_secret(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert check("seconds per MB", None, 1.56) is False
    out = capsys.readouterr().out
    assert "no answer yet" in out and "1.56" not in out


def test_check_with_a_wrong_answer_shows_the_expected_value(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert check("seconds per MB", 2.0, 1.56) is False
    assert "1.56" in capsys.readouterr().out
