"""The whole view in the URL: each page's controls written to the query string and read back from it.

Each page declares its parameters once, as a table of Param(name, widget key, parser, default). On the first run of a
page visit (a new session, a reload, a link followed, an outline scene) the values in the URL are put into the widget
keys before any widget is drawn; on every run the current values are written back, defaults left out, so a link
reopens the same view. A value that cannot be used (unparseable, out of range, unknown, too long) falls back alone,
and the page says which and why. Not bind="query-params": a bound widget read an empty URL after a page switch in
Streamlit 1.67 (shared/design.md), and it cannot say why it dropped a value.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from gradcore.messages import msg
from ui.export import figures_button
from ui.i18n import KEY_LANG, _, tr
from ui.present import PARAM as PRESENT

MAX_VALUE = 400          # characters of one URL value: a formula is at most 300
_VISIT = "_url_visit_page"      # the page whose visit is under way
_FRESH = "_url_fresh_visit"     # True on the first run of a page visit
_READ = "_url_read_keys"        # the session keys this run took from the URL
_NOTES = "_url_notes"           # the sentences about values of the link that could not be used, for this visit
_PARAMS = "_url_params"         # the parameters of the page shown: a region's rerun (ui.region) writes them again
SCENE = "scene"                 # ?scene=N (an outline scene's link): a whole view, every value it does not name a default


@dataclass(frozen=True)
class Param:
    """One URL parameter: its name, the session key it fills, parse(text) -> value (ValueError: why not), default."""

    name: str
    key: str
    parse: Callable[[str], Any]
    default: Any
    text: Callable[[Any], str] = str


def number_text(value: float) -> str:
    """A float as the URL writes it: 10 significant digits, no trailing zeros (1.0 -> '1')."""
    return f"{float(value):.10g}"


def _in_range(convert: Callable[[str], float], not_one: str, low: float, high: float, spelled: str) -> Callable:
    """Parser of convert(text) in [low, high]; `not_one` says why a text convert() rejects fails, `spelled` formats the bounds."""
    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            raise ValueError(not_one) from None
        if not math.isfinite(value) or not low <= value <= high:
            raise ValueError(msg("it must lie between {low} and {high}", low=f"{low:{spelled}}", high=f"{high:{spelled}}"))
        return value
    return parse


def number(low: float, high: float) -> Callable[[str], float]:
    """Parser of a float in [low, high]."""
    return _in_range(float, msg("it is not a number"), low, high, "g")


def tenths(low: float, high: float) -> Callable[[str], float]:
    """Parser of a float in [low, high] rounded to 0.1 (a slider in tenths: θ in degrees)."""
    parse = number(low, high)
    return lambda text: round(parse(text), 1)


def integer(low: int, high: int) -> Callable[[str], int]:
    """Parser of a whole number in [low, high]."""
    return _in_range(int, msg("it is not a whole number"), low, high, ",")


def choice(options: Sequence[Any]) -> Callable[[str], Any]:
    """Parser of one of `options`, matched by its text (case-insensitive)."""
    by_text = {str(o).lower(): o for o in options}

    def parse(text: str) -> Any:
        if text.lower() not in by_text:
            raise ValueError(msg("it must be one of {options}", options=", ".join(str(o) for o in options)))
        return by_text[text.lower()]
    return parse


def level(options: Sequence[float]) -> Callable[[str], float]:
    """Parser of one of a slider's numeric `options` (1e-6 and 0.000001 alike)."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise ValueError(msg("it is not a number")) from None
        for option in options:
            if math.isclose(value, option, rel_tol=1e-9):
                return option
        raise ValueError(msg("it must be one of {options}", options=", ".join(f"{o:g}" for o in options)))
    return parse


def pair(low: float, high: float) -> Callable[[str], tuple[float, float]]:
    """Parser of a range 'a,b' with low ≤ a < b ≤ high."""
    one = number(low, high)

    def parse(text: str) -> tuple[float, float]:
        parts = text.split(",")
        if len(parts) != 2:
            raise ValueError(msg("it must be two numbers, low,high"))
        a, b = one(parts[0]), one(parts[1])
        if a >= b:
            raise ValueError(msg("its low end must be below its high end"))
        return a, b
    return parse


def pair_text(value) -> str:
    return ",".join(number_text(v) for v in value)


def flag(text: str) -> bool:
    """Parser of a checkbox: 1 or 0 (true/false)."""
    if text.lower() not in {"1", "0", "true", "false"}:
        raise ValueError(msg("it must be 1 or 0"))
    return text.lower() in {"1", "true"}


def flag_text(value) -> str:
    return "1" if value else "0"


def subset(options: Sequence[str], most: int) -> Callable[[str], list[str]]:
    """Parser of up to `most` comma-separated choices."""
    one = choice(options)

    def parse(text: str) -> list[str]:
        chosen = [one(part) for part in text.split(",") if part]
        if len(chosen) > most:
            raise ValueError(msg("at most {most} may be chosen", most=most))
        return list(dict.fromkeys(chosen))
    return parse


def list_text(value) -> str:
    return ",".join(str(v) for v in value)


def start_visit() -> bool:
    """Mark the first run of a page visit (called once per run, first thing): True when this run starts one."""
    ctx = get_script_run_ctx()
    page = ctx.page_script_hash if ctx is not None else ""
    fresh = st.session_state.get(_VISIT) != page
    st.session_state[_VISIT], st.session_state[_FRESH], st.session_state[_READ] = page, fresh, set()
    if fresh:
        st.session_state[_NOTES] = []
    return fresh


def _note(sentence: str) -> None:
    """Keep a sentence (a Message, translated when shown) about a value of the link for this visit."""
    st.session_state.setdefault(_NOTES, []).append(sentence)


def _shown(text: str) -> str:
    """A value of the link as the page quotes it: short, on one line, as code."""
    flat = " ".join(text.split())
    return msg("`{start}…` ({count:,} characters)", start=flat[:40], count=len(text)) if len(flat) > 40 else f"`{flat}`"


def read(params: Iterable[Param]) -> None:
    """On the first run of a visit, put the URL's values into the widget keys; an unusable one falls back, noted."""
    if not st.session_state.get(_FRESH):
        return
    _scene_defaults(params)
    for p in params:
        if p.name not in st.query_params:
            continue
        text = st.query_params[p.name]
        try:
            if len(text) > MAX_VALUE:
                raise ValueError(msg("it is longer than {most} characters", most=MAX_VALUE))
            st.session_state[p.key] = p.parse(text)
            st.session_state[_READ].add(p.key)
        except ValueError as why:
            instead = msg("the page's own value") if p.default is None else p.text(p.default) or msg("none")
            _note(msg("**{name}** = {value} cannot be used: {why}. Using {instead} instead.", name=p.name, value=_shown(text),
                      why=why.args[0] if why.args else str(why), instead=instead))
            del st.query_params[p.name]


def _scene_defaults(params: Iterable[Param]) -> None:
    """A scene's link opens exactly its view: every parameter it does not name goes back to its default, as on reset."""
    if SCENE in st.query_params:
        for p in params:
            if p.name not in st.query_params:
                st.session_state[p.key] = p.default


def from_link(key: str) -> bool:
    """True when this run took the value of session key `key` from the URL."""
    return key in st.session_state.get(_READ, ())


def write(params: Iterable[Param]) -> None:
    """Put the widgets' current values into the URL, each only where it differs from its default."""
    for p in params:
        value = st.session_state.get(p.key, p.default)
        text = p.text(value)
        if text == p.text(p.default):
            if p.name in st.query_params:
                del st.query_params[p.name]
        elif st.query_params.get(p.name) != text:
            st.query_params[p.name] = text


def rewrite() -> None:
    """Write the URL again from the page's parameters (after a region's rerun, which skips the page's own write)."""
    write(st.session_state.get(_PARAMS, ()))


def drop_unknown(known: Iterable[str]) -> None:
    """Remove the URL's parameters this page does not use, noting each (only on the first run of a visit)."""
    names = set(known)
    for name in [n for n in st.query_params if n not in names]:
        if st.session_state.get(_FRESH):
            _note(msg("**{name}** is not a setting of this page: ignored.",
                      name=_shown(name)[1:-1] if len(name) <= 40 else name[:40] + "…"))
        del st.query_params[name]


def reset(params: Sequence[Param]) -> None:
    """Callback: every parameter back to its default, and a bare URL."""
    for p in params:
        st.session_state[p.key] = p.default
    st.query_params.clear()
    st.session_state[_NOTES] = []


def page_name() -> str:
    """The page's name in the URL ('Gradient_descent'; 'home' for the home page)."""
    return urlparse(st.context.url or "").path.strip("/") or "home"


def show_notes() -> None:
    """The sentences about values of the link that could not be used, as one warning."""
    notes = st.session_state.get(_NOTES) or []
    if notes:
        st.warning(_("**Some values in this link could not be used; the page shows its own instead.**") + "\n\n"
                   + "\n".join(f"- {tr(n)}" for n in notes), icon=":material/link_off:")


# The address bar always holds the current view (each run writes the URL, a region's rerun too); this element shows it
# as it is when looked at, with a copy button, so a link copied after a region's rerun is never one run behind.
_LINK_JS = """
export default function (component) {
  const root = component.parentElement;
  let box = root.querySelector(":scope > .gl-link");
  if (!box) {
    box = document.createElement("div");
    box.className = "gl-link";
    box.innerHTML = `<code class="gl-link-text" style="display:block;word-break:break-all;white-space:pre-wrap;
        font-size:0.85rem;padding:0.4rem;background:rgba(128,128,128,0.08);border-radius:0.3rem"></code>
      <button class="gl-link-copy" type="button" style="margin-top:0.3rem"></button>`;
    root.appendChild(box);
    const text = box.querySelector(".gl-link-text"), button = box.querySelector(".gl-link-copy");
    const show = () => { if (text.textContent !== window.location.href) text.textContent = window.location.href; };
    show();
    box.timer = setInterval(show, 400);
    button.addEventListener("click", async () => {
      show();
      try { await navigator.clipboard.writeText(window.location.href); }
      catch (e) {   // no clipboard API on plain http: select the text for Ctrl+C
        const range = document.createRange(); range.selectNodeContents(text);
        const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range); document.execCommand("copy");
      }
      button.textContent = box.copied;
      setTimeout(() => { button.textContent = box.copy; }, 1500);
    });
  }
  box.copy = component.data.copy; box.copied = component.data.copied;
  box.querySelector(".gl-link-copy").textContent = box.copy;
  return () => { clearInterval(box.timer); box.remove(); };
}
"""
_live_link = st.components.v2.component("gradient_lab_view_link", js=_LINK_JS, isolate_styles=False)


def link_and_reset(params: Sequence[Param]) -> None:
    """The sidebar's 'link to this view' (copyable) and 'reset to this page's defaults'."""
    with st.sidebar:
        with st.expander(_("Link to this view"), icon=":material/link:"):
            st.caption(_("Copy it with the button below: it opens this page with every setting as it is now."))
            _live_link(key="url_live_link", data={"copy": _("Copy link"), "copied": _("Copied")})
        st.button(_("Reset this page to its defaults"), key="url_reset", on_click=reset, args=(list(params),),
                  icon=":material/restart_alt:", width="stretch")
        figures_button(page_name())


def view_in_url(shared: Sequence[Param], page: Sequence[Param]) -> None:
    """A page's whole view in the URL: read on a visit's first run, written back, unknown keys dropped, notes shown."""
    read(page)
    if SCENE in st.query_params:       # read by every table of the page by now: the link shows the view's own values
        del st.query_params[SCENE]
    every = [*shared, *page]
    st.session_state[_PARAMS] = every
    write(every)
    drop_unknown([*(p.name for p in every), KEY_LANG, PRESENT])   # ?lang= and ?present= belong to every page
    show_notes()
    link_and_reset(every)
