"""The interface's language: gettext catalogues (locale/<lang>/LC_MESSAGES/messages.po, compiled with Babel at
start-up), the sidebar's language control and ?lang=zh in the URL.

English is the source language: a message id is the English text, a str.format template with named placeholders
(_("f(P) = {value}", value=…)), so a translation may reorder them. gradcore's sentences are Messages (gradcore/
messages.py) that tr() renders in the chosen language. An id the catalogue lacks shows in English and is recorded in
MISSING (the tests assert it stays empty for the translated pages).
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import streamlit as st

from gradcore.messages import Message, english, render

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
LANGUAGES = {"en": "English", "zh": "中文"}     # URL value -> the control's label (each in its own language)
LOCALES = {"zh": "zh_CN"}                        # URL value -> catalogue folder; English needs none
KEY_LANG = "lang"                                # the URL parameter and the control's widget key
_CHOSEN = "_language"                            # session key: survives page switches (widget keys do not)
MISSING: set[str] = set()                        # message ids asked for in another language and not found



def N_(msgid: str) -> str:
    """Mark a message id for extraction without translating it here."""
    return msgid


# Page titles come from the pages' file names (ui/sidebar.page_label); listed here so extraction finds them.
PAGE_TITLES = (N_("Directional derivative"), N_("Gradient"), N_("Autograd"), N_("Gradient descent"), N_("Mini-batch"),
               N_("Landscape"))


@cache
def catalogue(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of `lang` (Babel reads the .po and writes the .mo in memory, once per process)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    if lang not in LOCALES:
        return gettext.NullTranslations()
    with (LOCALE_DIR / LOCALES[lang] / "LC_MESSAGES" / "messages.po").open("rb") as po:
        compiled = io.BytesIO()
        write_mo(compiled, read_po(po, locale=LOCALES[lang]))
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def translator(lang: str):
    """msgid -> the template in `lang`; a missing id gives the English one and is recorded in MISSING."""
    if lang not in LOCALES:
        return english
    table = catalogue(lang)._catalog     # a lookup that tells a missing id from one translated to itself

    def translate(msgid: str) -> str:
        found = table.get(msgid)
        if found is None:
            MISSING.add(msgid)
            return msgid
        return found
    return translate


def language() -> str:
    """The session's language: chosen in the sidebar, else ?lang= on the session's first run, else English."""
    if _CHOSEN not in st.session_state:
        from_url = st.query_params.get(KEY_LANG)
        st.session_state[_CHOSEN] = from_url if from_url in LANGUAGES else "en"
    return st.session_state[_CHOSEN]


def _(msgid: str, /, **params: Any) -> str:
    """The interface text `msgid` in the session's language, its {placeholders} filled with `params`."""
    return tr(Message(msgid, **params))


def translated(msgid: str) -> str:
    """A message id marked elsewhere (N_, a page title, a preset name) in the session's language."""
    return tr(Message(msgid))


def in_language() -> Callable[[str], str]:
    """translated() bound to the session's language now: a widget's format_func (Streamlit's tests call it outside
    the script run, where the session's language cannot be read)."""
    translate = translator(language())
    return lambda msgid: Message(msgid).render(translate)


def tr(text: Any) -> Any:
    """A gradcore Message in the session's language; any other value unchanged."""
    return render(text, translator(language()))


def _choose() -> None:
    if st.session_state.get(KEY_LANG) in LANGUAGES:
        st.session_state[_CHOSEN] = st.session_state[KEY_LANG]


def sync_language_url() -> None:
    """Keep ?lang=zh in the address bar while Chinese is chosen (none for English), so links and page switches keep it."""
    lang = language()
    if lang == "en":
        if KEY_LANG in st.query_params:
            del st.query_params[KEY_LANG]
    elif st.query_params.get(KEY_LANG) != lang:
        st.query_params[KEY_LANG] = lang


def language_control() -> None:
    """The sidebar's language switch (English / 中文)."""
    st.session_state[KEY_LANG] = language()
    st.radio("Language · 语言", list(LANGUAGES), format_func=LANGUAGES.get, key=KEY_LANG, horizontal=True,
             on_change=_choose, label_visibility="collapsed")
    sync_language_url()
