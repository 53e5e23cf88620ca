"""Tests for pkicourse.selfcheck: feedback that teaches (why each option is wrong, a hint before
the answer, the answer only on request or after a few tries) and never colour alone."""

from __future__ import annotations

import re

import pytest

from pkicourse import selfcheck
from pkicourse.errors import CourseError, QuestionError
from pkicourse.selfcheck import TRIES_BEFORE_ANSWER, Question, ask, check

OPTIONS = {
    "anyone": "A padlock that anyone can open would protect nothing.",
    "only bob": "Only bob's private key fits bob's padlock.",
    "only the sender": "Locking needs no secret, so the sender has no key that opens it.",
}
HINT = "Whose padlock was used?"


def _question() -> Question:
    return ask("Who can open it?", OPTIONS, answer="only bob", hint=HINT)


def _text(question: Question) -> str:
    return re.sub(r"<[^>]+>", " ", question.feedback.value)


def _pick(question: Question, option: str) -> str:
    question.choices.value = option
    question.check_button.click()
    return _text(question)


def test_ask_returns_a_vbox_with_nothing_selected_and_no_answer_button() -> None:
    import ipywidgets

    question = _question()
    assert isinstance(question, ipywidgets.VBox)
    assert question.choices in question.children
    assert question.choices.value is None
    assert list(question.choices.options) == list(OPTIONS)
    assert question.answer_button.layout.display == "none"


def test_right_answer_shows_a_tick_in_words_and_the_explanation() -> None:
    text = _pick(_question(), "only bob")
    assert "✔" in text and "Correct" in text
    assert "fits bob" in text


@pytest.mark.parametrize("wrong", ["anyone", "only the sender"])
def test_each_wrong_option_says_why_it_is_wrong_and_hints_without_the_answer(wrong: str) -> None:
    question = _question()
    text = _pick(question, wrong)
    assert "✘" in text and "Not this one" in text
    assert OPTIONS[wrong] in text, "the wrong option's own explanation must be shown"
    assert HINT in text
    assert "fits bob" not in text, "the right answer's explanation must wait"
    assert question.answer_button.layout.display is None, "Show answer is offered now"


def test_show_answer_reveals_the_answer_on_request() -> None:
    question = _question()
    _pick(question, "anyone")
    question.answer_button.click()
    text = _text(question)
    assert "only bob" in text and "fits bob" in text


def test_answer_appears_by_itself_after_enough_wrong_tries() -> None:
    question = _question()
    for _ in range(TRIES_BEFORE_ANSWER - 1):
        assert "fits bob" not in _pick(question, "anyone")
    assert "fits bob" in _pick(question, "anyone")


def test_no_selection_asks_to_choose() -> None:
    question = _question()
    question.check_button.click()
    text = _text(question)
    assert "Choose an answer" in text
    assert "✔" not in text and "✘" not in text


def test_feedback_is_html_escaped() -> None:
    question = ask(
        "Is 1 < 2?", {"yes <b>": "Because <maths>.", "no": "It is."}, "yes <b>", hint="x"
    )
    question.choices.value = "yes <b>"
    question.check_button.click()
    assert "&lt;maths&gt;" in question.feedback.value


def test_feedback_does_not_rely_on_colour() -> None:
    question = _question()
    _pick(question, "anyone")
    assert "color" not in question.feedback.value


@pytest.mark.parametrize(
    ("options", "answer", "hint"),
    [
        (OPTIONS, "Only Bob", HINT),  # not an option
        ({"bob": "yes"}, "bob", HINT),  # too few
        (["anyone", "only bob"], "only bob", HINT),  # no explanations at all
        ({"anyone": "", "only bob": "yes"}, "only bob", HINT),  # a wrong option unexplained
        (OPTIONS, "only bob", "  "),  # no hint
    ],
)
def test_ask_rejects_questions_that_cannot_teach(options: object, answer: str, hint: str) -> None:
    with pytest.raises(QuestionError) as caught:
        ask("Who?", options, answer=answer, hint=hint)  # type: ignore[arg-type]
    assert isinstance(caught.value, CourseError) and isinstance(caught.value, ValueError)


@pytest.fixture(autouse=True)
def _fresh_tries() -> None:
    selfcheck._wrong_tries.clear()


def test_check_prints_a_tick_and_returns_true(capsys: pytest.CaptureFixture[str]) -> None:
    assert check("the key is 2048 bits", 2048, 2048, explanation="Because.") is True
    out = capsys.readouterr().out
    assert out.startswith("✔ the key is 2048 bits") and "Because." in out


def test_check_without_an_answer_keeps_the_expected_value_secret(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert check("seconds per MB", None, 1.56) is False
    out = capsys.readouterr().out
    assert "no answer yet" in out and "1.56" not in out


def test_check_hints_first_and_reveals_only_after_enough_tries(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for attempt in range(1, TRIES_BEFORE_ANSWER):
        assert check("digest bytes", 31 + attempt * 10, 32, hint="bits / 8") is False
        out = capsys.readouterr().out
        assert out.startswith("✘") and "bits / 8" in out
        assert "32" not in out, f"try {attempt} must not give the answer away"
    assert check("digest bytes", 64, 32, explanation="256 bits.", hint="bits / 8") is False
    out = capsys.readouterr().out
    assert "The answer is 32" in out and "256 bits." in out


def test_check_counts_tries_per_question(capsys: pytest.CaptureFixture[str]) -> None:
    for _ in range(TRIES_BEFORE_ANSWER - 1):
        check("first", 1, 2)
    check("second", 1, 2)
    assert "The answer" not in capsys.readouterr().out


def test_check_wants_the_same_type_and_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert check("digest bytes", "32", 32) is False
    assert "of type str; the answer is of type int" in capsys.readouterr().out
    assert check("digest bytes", 32, 32) is True
    assert "expected" not in capsys.readouterr().out
