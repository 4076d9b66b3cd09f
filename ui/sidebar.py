"""The sidebar formula box and presets, kept across pages (persist_state) and in the URL (?f=…)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from gradcore import Formula, FormulaError, parse
from gradcore.budget import warm_up
from gradcore.codegen import one_line
from gradcore.formula import MAX_LENGTH
from gradcore.messages import msg
from gradcore.presets import DEFAULT, PRESETS, Preset, find_preset
from gradcore.symbolic import OverBudget
from ui.chart import plotly_preload
from ui.i18n import _, in_language, language_control, tr, translated
from ui.memory import keep_memory_low
from ui.present import presenter_view
from ui.state import keep, restore_after_page_switch
from ui.url import Param, pair, pair_text, read, start_visit, view_in_url, write

# Widget keys (they are URL parameters or session keys; keep them stable):
#   f       the formula text (kept in the URL: ?f=x^2+y^2)
#   preset  the preset selectbox (mirrors f)
#   xr, yr  the plot ranges of the first and second variable
KEY_FORMULA, KEY_PRESET, KEY_XRANGE, KEY_YRANGE = "f", "preset", "xr", "yr"
_LAST_GOOD = "_last_good_formula"
RANGE_LIMIT = 50.0
PAGES_DIR = Path(__file__).resolve().parents[1] / "pages"

# Streamlit's default padding wastes a fifth of a 720-pixel-high projector; keep the content up.
_CSS = """<style>
[data-testid="stMainBlockContainer"] {padding: 3rem 2.5rem 2rem 2.5rem;}
[data-testid="stSidebarUserContent"] {padding-top: 1rem;}
</style>"""


warm_up()   # start the symbolic worker's forkserver with the server, not on the first formula typed


def page_label(path: Path) -> str:
    """'2_Gradient_descent.py' -> 'Gradient descent' (Streamlit's own rule for the pages directory)."""
    return re.sub(r"^\d+_", "", path.stem).replace("_", " ")


def _page_order(path: Path) -> tuple[int, str]:
    match = re.match(r"^(\d+)", path.stem)
    return (int(match.group(1)) if match else 10**6, path.stem)


def page_links() -> None:
    """The navigation: home first, then the pages in the lecture's order (discovered, not listed by hand)."""
    pages = sorted(PAGES_DIR.glob("[!._]*.py"), key=_page_order)
    if not pages:  # Streamlit runs a single page app then, and page links have nowhere to go
        return
    st.page_link("app.py", label=_("Home: f and its gradient"))
    for path in pages:
        st.page_link(f"pages/{path.name}", label=translated(page_label(path)))


@dataclass(frozen=True)
class Selection:
    """What the sidebar decided: the formula to use, its plot domain, and the error of the text typed, if any."""

    formula: Formula
    domain: tuple[float, float, float, float]
    preset: Preset | None
    error: FormulaError | None


@st.cache_resource(max_entries=256, show_spinner=False)
def _parse_once(text: str) -> Formula | FormulaError:
    """parse() once per formula text, shared by every session: the Formula (read-only) or its error sentence."""
    try:
        return parse(text)
    except OverBudget:   # a busy machine may finish it next time: not remembered
        raise
    except FormulaError as err:
        return err


def load_formula(text: str) -> Formula:
    """The Formula of `text` (parsed once, in a worker with a budget), or FormulaError."""
    found = _parse_once(text)
    if isinstance(found, FormulaError):
        raise found
    return found


def _apply_preset() -> None:
    preset = PRESETS.get(st.session_state.get(KEY_PRESET))
    if preset is not None:
        st.session_state[KEY_FORMULA] = preset.formula
        st.session_state[KEY_XRANGE] = preset.domain[:2]
        st.session_state[KEY_YRANGE] = preset.domain[2:]


def formula_text(text: str) -> str:
    """The formula of a link as the box holds it: one line (%0A too), at most MAX_LENGTH characters."""
    line = one_line(text)
    if len(line) > MAX_LENGTH:
        raise ValueError(msg("a formula may have at most {most} characters", most=MAX_LENGTH))
    return line


SIDEBAR_PARAMS = (
    Param(KEY_FORMULA, KEY_FORMULA, formula_text, PRESETS[DEFAULT].formula, str),
    Param(KEY_XRANGE, KEY_XRANGE, pair(-RANGE_LIMIT, RANGE_LIMIT), PRESETS[DEFAULT].domain[:2], pair_text),
    Param(KEY_YRANGE, KEY_YRANGE, pair(-RANGE_LIMIT, RANGE_LIMIT), PRESETS[DEFAULT].domain[2:], pair_text),
)


def _init_state() -> None:
    """Defaults, and on the first run of a page visit the formula and ranges of the URL, so a shared link opens them."""
    default = PRESETS[DEFAULT]
    read(SIDEBAR_PARAMS)
    st.session_state.setdefault(KEY_FORMULA, default.formula)
    st.session_state.setdefault(KEY_XRANGE, default.domain[:2])
    st.session_state.setdefault(KEY_YRANGE, default.domain[2:])


def _try_parse(text: str) -> tuple[Formula | None, FormulaError | None]:
    try:
        return load_formula(text), None
    except FormulaError as err:
        return None, err


def _last_good() -> Formula:
    """The last formula that worked in this session, else the default preset."""
    formula, _ = _try_parse(st.session_state.get(_LAST_GOOD, PRESETS[DEFAULT].formula))
    return formula if formula is not None else load_formula(PRESETS[DEFAULT].formula)


def show_error(text: str, err: FormulaError) -> None:
    """The error sentence, and the text with a caret under the column it refers to."""
    st.error(_("**This formula cannot be used:** {error}", error=tr(err.sentence)), icon="✏️")
    if err.position is not None and text:
        caret = " " * min(err.position, len(text)) + "^"
        st.code(f"{text}\n{caret}", language=None)


def formula_sidebar() -> Selection:
    """Render the sidebar; return the formula to use (the last good one when the text has an error)."""
    _page_frame()
    _init_state()
    text = st.session_state.get(KEY_FORMULA, PRESETS[DEFAULT].formula)
    preset = find_preset(str(text))
    st.session_state[KEY_PRESET] = preset.name if preset else None
    with st.sidebar:
        language_control()
        page_links()
        st.divider()
        st.selectbox(_("Preset"), list(PRESETS), key=KEY_PRESET, on_change=_apply_preset, index=None, format_func=in_language(),
                     placeholder=_("Your own formula (choose a preset…)"))
        # Not bind="query-params": a bound widget reads an empty URL on the first run after a page switch.
        text = st.text_input("f(x, y, …) =", key=KEY_FORMULA, max_chars=MAX_LENGTH, persist_state="session",
                             help=_("Type any formula in x, y, z or x1 … x9, e.g. x^2 + 3xy, sin(x)cos(y), relu(x-1). "
                                    "Press Enter to apply."))
        keep(KEY_FORMULA, text)
        formula, error = _try_parse(text or "")
        if error is None:
            st.session_state[_LAST_GOOD] = text
            for note in formula.notes:
                st.caption(_("Read as: {note}", note=tr(note)))
        else:
            show_error(text or "", error)
            formula = _last_good()
            st.caption(_("Still showing the last formula that worked: `{formula}`", formula=formula.text))
        keep(KEY_XRANGE, st.slider(_("x range"), -RANGE_LIMIT, RANGE_LIMIT, key=KEY_XRANGE, step=0.5))
        if formula.n >= 2:
            keep(KEY_YRANGE, st.slider(_("y range"), -RANGE_LIMIT, RANGE_LIMIT, key=KEY_YRANGE, step=0.5))
    write(SIDEBAR_PARAMS)
    return Selection(formula, _domain(), find_preset(formula.text), error)


def navigation_sidebar() -> None:
    """The sidebar of a page that does not use the formula: the language and the navigation (the formula is kept)."""
    _page_frame()
    with st.sidebar:
        language_control()
        page_links()


def _page_frame() -> None:
    """What every page does first: memory upkeep, the URL's view on a new visit, the page CSS, the presenter view."""
    keep_memory_low()
    start_visit()
    restore_after_page_switch()
    st.markdown(_CSS + plotly_preload(), unsafe_allow_html=True)
    presenter_view()


def page_url_view(*tables: list[Param]) -> None:
    """The URL of a page without the formula box: only the page's own tables."""
    view_in_url((), [p for table in tables for p in table])


def url_view(*tables: list[Param]) -> None:
    """This page's whole view in the URL: the sidebar's parameters and the page's tables (see ui.url)."""
    view_in_url(SIDEBAR_PARAMS, [p for table in tables for p in table])


def _domain() -> tuple[float, float, float, float]:
    (x0, x1), (y0, y1) = st.session_state[KEY_XRANGE], st.session_state[KEY_YRANGE]
    if x1 - x0 < 1e-6:
        x1 = x0 + 1.0
    if y1 - y0 < 1e-6:
        y1 = y0 + 1.0
    return float(x0), float(x1), float(y0), float(y1)
