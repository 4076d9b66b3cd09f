"""User-facing sentences that a UI can translate: the English text with {named} placeholders, and their values.

A Message is a str (the English sentence, so gradcore's callers and tests read it as before) that also keeps its
message id and parameters; ui/i18n.py renders it in another language from the gettext catalogue. gradcore knows no
language and imports no gettext: it only marks its sentences with msg(). Message ids are str.format templates, so a
literal brace is written {{ or }}; placeholders are named, so a translation can put them in another order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

Translate = Callable[[str], str]    # message id -> the template in some language


def english(msgid: str) -> str:
    """The source language: the message id is the English template."""
    return msgid


class Message(str):
    """An English sentence (the str itself) with its message id and parameters, renderable in another language."""

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, /, **params: Any) -> Message:
        self = super().__new__(cls, _fill(msgid, params, english))
        self.msgid, self.params = msgid, params
        return self

    def render(self, translate: Translate) -> str:
        """The sentence in the language of `translate` (nested Messages among the parameters too)."""
        return _fill(translate(self.msgid), self.params, translate)

    def __reduce__(self):
        return (_rebuild, (type(self), self.msgid, self.params))


class Joined(Message):
    """Several sentences shown one after another, each translated on its own."""

    parts: tuple[str, ...]
    sep: str

    def __new__(cls, parts: Iterable[str], sep: str = " ") -> Joined:
        parts = tuple(parts)
        self = str.__new__(cls, sep.join(parts))
        self.msgid, self.params, self.parts, self.sep = "", {}, parts, sep
        return self

    def render(self, translate: Translate) -> str:
        return self.sep.join(render(p, translate) for p in self.parts)

    def __reduce__(self):
        return (Joined, (self.parts, self.sep))


def _rebuild(cls: type, msgid: str, params: dict) -> Message:
    return cls(msgid, **params)


def _fill(template: str, params: dict[str, Any], translate: Translate) -> str:
    return template.format(**{k: render(v, translate) for k, v in params.items()})


def msg(msgid: str, /, **params: Any) -> Message:
    """A translatable sentence: msg("f is not defined at {point}.", point=...) (the catalogue's extraction keyword)."""
    return Message(msgid, **params)


def render(text: Any, translate: Translate) -> Any:
    """A Message rendered with `translate`; any other value unchanged."""
    return text.render(translate) if isinstance(text, Message) else text
