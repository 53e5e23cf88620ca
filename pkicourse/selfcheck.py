"""Check-your-understanding cells: a multiple-choice question and a predict-then-check line.

Every lesson ends its sections with these (lesson 00-index shows how to use them). Feedback
teaches: each option carries its own explanation, so a wrong pick says *why* it is wrong; a hint
comes before the answer; the answer is shown only on request or after a few wrong tries.

    ask("Who can open a message locked with bob's public key?",
        {"anyone": "A padlock anyone can open protects nothing: ...",
         "only bob": "Only bob's private key fits bob's padlock.",
         "only the sender": "Locking needs no secret, so the sender holds no key that opens it."},
        answer="only bob",
        hint="Which private key belongs to the padlock that was used?")

    check("SHA-256 digest length in bytes", my_guess, 32,
          explanation="256 bits = 32 bytes.", hint="How many bits are in a byte?")

Feedback never relies on colour alone: every line starts with ✔, ✘, 💡 or … and says it in words.

Lessons: all of them.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

import ipywidgets as widgets

from pkicourse.errors import QuestionError

__all__ = ["TRIES_BEFORE_ANSWER", "Question", "ask", "check"]

# After this many wrong tries the answer is shown anyway, so nobody stays stuck.
TRIES_BEFORE_ANSWER = 3

_CHOOSE_FIRST = "… Choose an answer first, then press Check."
# check() counts wrong tries per question name, across re-runs of a cell.
_wrong_tries: dict[str, int] = {}


class Question(widgets.VBox):  # type: ignore[misc]
    """A multiple-choice question: radio buttons, Check and Show-answer buttons, a feedback line.

    The pieces are attributes, so a test can pick an option and press the buttons:
    ``question.choices.value = "only bob"; question.check_button.click()``.
    """

    def __init__(self, question: str, options: Mapping[str, str], answer: str, hint: str):
        _validate(options, answer, hint)
        self.options = dict(options)
        self.answer = answer
        self.hint = hint
        self.wrong_tries = 0
        self.choices = widgets.RadioButtons(
            options=list(self.options), value=None, layout=widgets.Layout(width="max-content")
        )
        self.check_button = widgets.Button(description="Check", icon="check")
        self.answer_button = widgets.Button(description="Show answer", icon="eye")
        self.answer_button.layout.display = "none"  # offered after the first wrong try
        self.feedback = widgets.HTML(value="")
        self.check_button.on_click(lambda _button: self.show_feedback())
        self.answer_button.on_click(lambda _button: self.show_answer())
        title = widgets.HTML(value=f"<b>{html.escape(question)}</b>")
        buttons = widgets.HBox([self.check_button, self.answer_button])
        super().__init__(children=[title, self.choices, buttons, self.feedback])

    def show_feedback(self) -> str:
        """What Check does: ✔ and why it is right, or ✘, why this option is wrong, and the hint."""
        choice = self.choices.value
        if choice is None:
            return self._say([_CHOOSE_FIRST])
        if choice == self.answer:
            return self._say([f"✔ Correct. {self.options[choice]}"])
        self.wrong_tries += 1
        self.answer_button.layout.display = None
        lines = [f"✘ Not this one. {self.options[choice]}", f"💡 Hint: {self.hint}"]
        if self.wrong_tries >= TRIES_BEFORE_ANSWER:
            lines.append(self._answer_line())
        return self._say(lines)

    def show_answer(self) -> str:
        """What Show answer does: the right option and why it is right."""
        return self._say([self._answer_line()])

    def _answer_line(self) -> str:
        return f"➜ The answer is “{self.answer}”. {self.options[self.answer]}"

    def _say(self, lines: list[str]) -> str:
        self.feedback.value = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
        return "\n".join(lines)


def ask(question: str, options: Mapping[str, str], answer: str, *, hint: str) -> Question:
    """A multiple-choice question with immediate feedback (an ``ipywidgets.VBox``).

    ``options`` maps each option's text to its explanation: why it is right (for ``answer``) or
    why it is wrong (every other one). No option is selected at first. Raises
    :class:`QuestionError` when ``answer`` is not an option, an explanation or the hint is empty,
    or there are fewer than two options.
    """
    return Question(question, options, answer, hint)


def _validate(options: Mapping[str, str], answer: str, hint: str) -> None:
    if not isinstance(options, Mapping) or len(options) < 2:
        raise QuestionError(
            "A question needs at least two options, given as a dict that maps each option to "
            'why it is right or wrong: {"option A": "why ...", "option B": "why ..."}.'
        )
    if answer not in options:
        raise QuestionError(
            f"The answer {answer!r} is not one of the options {list(options)!r}: "
            "copy the right option's text exactly into answer=."
        )
    unexplained = [option for option, why in options.items() if not str(why).strip()]
    if unexplained:
        raise QuestionError(
            f"These options have no explanation: {unexplained!r}. Say why each one is "
            "right or wrong: that is what a learner reads after choosing it."
        )
    if not hint.strip():
        raise QuestionError("Give a hint: it is shown after a wrong try, before the answer.")


def check(
    name: str, got: object, expected: object, *, explanation: str = "", hint: str = ""
) -> bool:
    """Compare a learner's prediction with the computed value; print the verdict; return it.

    ``got`` of ``None`` means "not answered yet". A wrong answer gets ✘ and the hint, not the
    expected value; after ``TRIES_BEFORE_ANSWER`` wrong tries (counted per ``name``) the
    expected value and the explanation are shown.
    """
    if got is None:
        print(f"… {name}: no answer yet. Replace None with your answer and run the cell again.")
        return False
    if type(got) is type(expected) and got == expected:
        _wrong_tries.pop(name, None)
        print(f"✔ {name}: {got!r} is right." + (f" {explanation}" if explanation else ""))
        return True
    tries = _wrong_tries[name] = _wrong_tries.get(name, 0) + 1
    print(f"✘ {name}: {got!r} is not it (try {tries}).")
    if type(got) is not type(expected):
        kinds = type(got).__name__, type(expected).__name__
        print(f"  Your answer is of type {kinds[0]}; the answer is of type {kinds[1]}.")
    if hint:
        print(f"  💡 Hint: {hint}")
    if tries >= TRIES_BEFORE_ANSWER:
        print(f"  ➜ The answer is {expected!r}." + (f" {explanation}" if explanation else ""))
    else:
        left = TRIES_BEFORE_ANSWER - tries
        print(f"  Change your answer and run the cell again ({left} more before the answer shows).")
    return False
