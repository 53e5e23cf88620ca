"""Check-your-understanding cells: a multiple-choice question and a one-line check.

Every lesson ends its sections with these (lesson 00-index shows how to use them):

    ask("Who can open a message locked with bob's public key?",
        ["anyone", "only bob", "only the sender"], answer="only bob",
        explanation="Only bob's private key fits bob's padlock.")

    check("the key is 2048 bits", key.key_size, 2048)

Lessons: all of them.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import ipywidgets as widgets

from pkicourse.errors import QuestionError

__all__ = ["Question", "ask", "check"]

_CORRECT = "✔ Correct."
_NOT_QUITE = "✘ Not quite. Reread the section above and try again."
_CHOOSE_FIRST = "Choose an answer first, then press Check."


class Question(widgets.VBox):  # type: ignore[misc]
    """A multiple-choice question: radio buttons, a Check button and a feedback line.

    The pieces are attributes, so a test can pick an option and press the button:
    ``question.choices.value = "only bob"; question.check_button.click()``.
    """

    def __init__(self, question: str, options: Sequence[str], answer: str, explanation: str):
        _validate(list(options), answer)
        self.answer = answer
        self.explanation = explanation
        self.choices = widgets.RadioButtons(
            options=list(options), value=None, layout=widgets.Layout(width="max-content")
        )
        self.check_button = widgets.Button(description="Check", icon="check")
        self.feedback = widgets.HTML(value="")
        self.check_button.on_click(lambda _button: self.show_feedback())
        title = widgets.HTML(value=f"<b>{html.escape(question)}</b>")
        super().__init__(children=[title, self.choices, self.check_button, self.feedback])

    def show_feedback(self) -> str:
        """What the Check button does: compare the choice with the answer and say so."""
        if self.choices.value is None:
            text, colour = _CHOOSE_FIRST, "#444444"
        elif self.choices.value == self.answer:
            text, colour = f"{_CORRECT} {self.explanation}", "#007A55"
        else:
            text, colour = _NOT_QUITE, "#B34700"
        self.feedback.value = f'<span style="color: {colour}">{html.escape(text)}</span>'
        return text


def ask(question: str, options: Sequence[str], answer: str, explanation: str) -> Question:
    """A multiple-choice question with immediate feedback (an ``ipywidgets.VBox``).

    No option is selected at first. Raises :class:`QuestionError` when ``answer`` is not one
    of ``options``, or the options repeat.
    """
    return Question(question, options, answer, explanation)


def _validate(options: list[str], answer: str) -> None:
    if len(options) < 2 or len(set(options)) != len(options):
        raise QuestionError(
            f"A question needs at least two different options, got {options!r}: "
            "list each possible answer once."
        )
    if answer not in options:
        raise QuestionError(
            f"The answer {answer!r} is not one of the options {options!r}: "
            "copy the right option's text exactly into answer=."
        )


def check(name: str, got: object, expected: object, explanation: str = "") -> bool:
    """Print "✔ name", or "✘ name — expected X, got Y" and the explanation; return the result.

    ``got`` of ``None`` means "not answered yet": the expected value is not given away.
    """
    ok = bool(got == expected)
    if ok:
        print(f"✔ {name}")
    elif got is None:
        print(f"… {name}: no answer yet. Replace None with your answer and run the cell again.")
    else:
        print(f"✘ {name} — expected {expected!r}, got {got!r}")
        if explanation:
            print(f"  {explanation}")
    return ok
