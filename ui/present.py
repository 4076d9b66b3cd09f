"""Presenter view: the figures and key numbers in projector type, without the sidebar and secondary controls.

On with the sidebar's toggle or a link with ?present=1 (read here, in this one place); a button at the top right
leaves it. The CSS below also sets the normal view's spacing; chart type follows in ui/chart_assets/chart.js, which
looks for the st-key-gl_presenter element this module draws.
"""

from __future__ import annotations

import streamlit as st

from ui.i18n import _

KEY = "_present"              # session state: the presenter view is on (kept across pages)
PARAM = "present"             # the URL parameter: ?present=1

# Both views: less empty space above the title (the header bar is transparent and lets clicks through but for its
# menu), formulas that scroll sideways instead of being cut off, and phone margins that leave maps their width.
_CSS = """<style>
[data-testid="stHeader"] {background: transparent; pointer-events: none;}
[data-testid="stHeader"] * {pointer-events: auto;}
[data-testid="stMainBlockContainer"] {padding-top: 1.5rem;}
[data-testid="stMain"] .katex-display {overflow-x: auto; overflow-y: hidden; padding: 2px 0;}
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"] {padding-left: 0.6rem; padding-right: 0.6rem;}
  [data-testid="stMain"] .gl-chart {margin-left: -0.6rem; width: calc(100% + 1.2rem) !important;}
  [data-testid="stMain"] .gl-chart .gl-bar {padding-left: 0.6rem;}
}
</style>"""

# Projector type at 1280x720: body text at least 20 px, text in the theme's near-black.
_PRESENTER_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stMain"] [data-testid="stExpander"], [data-testid="stMain"] [data-testid="stDataFrame"],
[data-testid="stMain"] [data-testid="stTable"], [data-testid="stMain"] [data-testid="stCode"],
[data-testid="stMain"] [data-testid="stDownloadButton"] {display: none !important;}
html {font-size: 21px;}
[data-testid="stMain"] :is(p, li, label, input, button, textarea, code, [data-testid="stCaptionContainer"],
  [data-testid="stMetricLabel"], [data-testid="stMetricDelta"], [data-testid="stSliderThumbValue"],
  [data-testid="stSliderTickBarMin"], [data-testid="stSliderTickBarMax"], [data-testid="stTab"] *,
  [data-testid="stWidgetLabel"] *) {font-size: max(20px, 1em) !important;}
[data-testid="stMain"] [data-testid="stCaptionContainer"], [data-testid="stMain"] [data-testid="stCaptionContainer"] *,
[data-testid="stMain"] [data-testid="stWidgetLabel"] *, [data-testid="stMain"] [data-testid="stMetricLabel"] * {
  color: #222222 !important;}
[data-testid="stMainBlockContainer"] {padding: 1rem 2rem 2rem 2rem; max-width: 100%;}
.st-key-gl_presenter {position: fixed; top: 0.4rem; right: 3.5rem; z-index: 999990; width: auto !important;}
.st-key-gl_presenter button p {font-size: 16px !important;}
</style>"""


def presenting() -> bool:
    """Is the presenter view on? The first run of a session reads ?present=1."""
    if KEY not in st.session_state:
        st.session_state[KEY] = st.query_params.get(PARAM) == "1"
    return bool(st.session_state[KEY])


def _switch(on: bool) -> None:
    """Callback: turn the presenter view on or off, and say so in the address bar."""
    st.session_state[KEY] = on
    if on:
        st.query_params[PARAM] = "1"
    elif PARAM in st.query_params:
        del st.query_params[PARAM]


def presenter_view() -> None:
    """The sidebar's toggle; in the presenter view, its type and the button that leaves it."""
    st.markdown(_CSS + (_PRESENTER_CSS if presenting() else ""), unsafe_allow_html=True)
    if presenting():
        with st.container(key="gl_presenter"):
            st.button(_("Leave presenter view"), key="present_off", on_click=_switch, args=(False,),
                      icon=":material/close_fullscreen:")
    else:
        st.sidebar.toggle(_("Presenter view"), key="present_on", value=False, on_change=_switch, args=(True,),
                          help=_("Hides the sidebar, tables and code, keeps the figures and key numbers, in large type "
                                 "for a projector. The link with ?present=1 opens a page this way."))
