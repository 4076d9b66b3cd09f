"""One plotly chart element for the whole app: mounted once per key, then changed in place with Plotly.react.

st.plotly_chart remounts a chart whenever its figure changes (its element id hashes the figure), which replots it
from scratch and resets the camera. A keyed st.components.v2 component keeps its identity while its data changes,
so the browser keeps one plot per key and applies each new figure with Plotly.react (ui/chart_assets/chart.js).

What travels: each trace, the template and the animation frames are parts named by a hash of their JSON. A part the
browser already holds for this key is sent as its name only, so a θ step re-sends the moving line, not the surface.
A figure passed as a builder (a function of no arguments) with a `memo`, the plain values it depends on, is built
and encoded once per (chart key, memo) and shared by every session (FIGURES_BYTES): a rerun that changes none of
them costs no plotly work at all.

plotly.js and chart.js are served by Streamlit's component file route from the installed plotly package and from
ui/chart_assets/: nothing is copied at start-up and nothing comes from the internet.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import plotly
import plotly.graph_objects as go
import streamlit as st
from streamlit.components import v1 as components_v1

from ui.cache import MB, named_cache
from ui.export import remember
from ui.i18n import _, language

PLOTLY_DIR = Path(plotly.__file__).parent / "package_data"       # plotly.min.js of the plotly that builds the figures
ASSETS_DIR = Path(__file__).parent / "chart_assets"
PARTS = "_chart_parts"          # session_state: chart key -> {part name: JSON text} of what that chart's browser holds
PNG_SIZE = {"width": 1920, "height": 1080}                     # the toolbar's "download as PNG": projector size
# bench/bench_chart.py sets this to time the same page drawn with st.plotly_chart, the way it was before this element
USE_PLOTLY_CHART = os.environ.get("GRADIENT_LAB_CHARTS") == "plotly_chart"
STATIC_DIR = Path(__file__).resolve().parents[1] / "static"    # Streamlit's app static route (server.enableStaticServing)
STATIC_NAME = f"plotly-{plotly.__version__}.min.js"             # a new plotly is a new file and a new URL
STATIC_DATE = 946_684_800       # 2000-01-01: the copy's Last-Modified, old enough that browsers keep it (see _static_copy)
FIGURES_BYTES = 96 * MB         # split figures of every session (a 150² basin map is about 0.5 MB of JSON)
_FIGURES = named_cache("ui.chart: split figures", FIGURES_BYTES)

# A tiny loader: the inline js travels with every element, so the real code is a module the browser fetches once.
LOADER = """
export default async function (component) {
  const url = new URL(component.data.chart_js, document.baseURI).href;
  const chart = await import(url);
  return chart.draw(component);
}
"""

_mount = st.components.v2.component("gradient_lab_chart", js=LOADER, isolate_styles=False)


def _served(name: str, folder: Path) -> str:
    """Register `folder` with Streamlit's component file route; the URL path it is served under."""
    return f"component/{components_v1.declare_component(name, path=str(folder)).name}/"


def _static_copy() -> Path | None:
    """plotly.min.js copied into static/, or None if it cannot be (the component route serves it then).

    The component route answers with neither a validator nor a lifetime, so a browser fetched 4.6 MB (1.5 MB gzipped)
    on every page load. The static route sends Last-Modified: dated STATIC_DATE, with the plotly version in the URL
    (STATIC_NAME), the browser keeps its copy without asking again until plotly is upgraded."""
    source, target = PLOTLY_DIR / "plotly.min.js", STATIC_DIR / STATIC_NAME
    try:
        if target.exists() and (target.stat().st_size, int(target.stat().st_mtime)) == (source.stat().st_size, STATIC_DATE):
            return target
        STATIC_DIR.mkdir(exist_ok=True)
        handle, part = tempfile.mkstemp(dir=STATIC_DIR, suffix=".part")
        os.close(handle)
        shutil.copyfile(source, part)       # then one rename: two servers starting at once never serve half a file
        os.chmod(part, 0o644)
        os.utime(part, (STATIC_DATE, STATIC_DATE))
        os.replace(part, target)
        return target
    except OSError:
        return None


def plotly_js_url() -> str:
    """Where the browser loads plotly.js from: the app's static route when the copy exists, else the component route."""
    if _STATIC_PLOTLY is not None:
        return f"app/static/{STATIC_NAME}"
    return _served("plotly_js", PLOTLY_DIR) + "plotly.min.js"


_STATIC_PLOTLY = _static_copy()


def plotly_preload() -> str:
    """A <link> that starts fetching plotly.js with the page, before the first chart element asks for it."""
    return f'<link rel="preload" as="script" href="{plotly_js_url()}">'


def _part(value: Any) -> tuple[str, str]:
    """(name, JSON text) of one part of a figure: the name is a hash of the text."""
    text = json.dumps(value, separators=(",", ":"), sort_keys=True)
    return hashlib.blake2b(text.encode(), digest_size=10).hexdigest(), text


def split_figure(spec: dict) -> tuple[dict, dict[str, str]]:
    """A figure's JSON as a skeleton naming its parts (traces, template, frames) and the parts by name."""
    layout = dict(spec.get("layout", {}))
    pieces = {"traces": spec.get("data", []), "template": layout.pop("template", None), "frames": spec.get("frames")}
    parts, skeleton = {}, {"layout": layout, "traces": []}
    for trace in pieces["traces"]:
        name, parts[name] = _part(trace)
        skeleton["traces"].append(name)
    for field in ("template", "frames"):
        if pieces[field]:
            name, parts[name] = _part(pieces[field])
            skeleton[field] = name
    return skeleton, parts


def join_figure(skeleton: dict, parts: dict[str, str]) -> dict:
    """The figure's JSON again from a skeleton and its parts (what the browser draws)."""
    layout = dict(skeleton["layout"])
    if "template" in skeleton:
        layout["template"] = json.loads(parts[skeleton["template"]])
    spec = {"data": [json.loads(parts[name]) for name in skeleton["traces"]], "layout": layout}
    if "frames" in skeleton:
        spec["frames"] = json.loads(parts[skeleton["frames"]])
    return spec


def prepared_figure(fig: go.Figure | Callable[[], go.Figure], key: str, memo: tuple | None = None) -> tuple[dict, dict[str, str]]:
    """split_figure of the figure's JSON; with a memo, built once per (key, memo) for all sessions."""
    if memo is None:
        return split_figure(_spec(_built(fig)))
    memo = (memo, language())     # a figure's labels follow the session's language: never share them across languages
    found, prepared = _FIGURES.get((key, memo))
    if not found:
        prepared = split_figure(_spec(_built(fig)))
        _FIGURES.put((key, memo), prepared)
    return prepared


def _built(fig: go.Figure | Callable[[], go.Figure]) -> go.Figure:
    return fig() if callable(fig) else fig


def _spec(fig: go.Figure | dict) -> dict:
    """A figure's JSON; a dict is taken as JSON already (a layer of plain frames, which plotly would check for long)."""
    return fig if isinstance(fig, dict) else json.loads(fig.to_json())


class Layers(tuple):
    """A figure in layers, each (figure or builder, memo or None): a layer with a memo is built once per memo for all
    sessions, so a control that moves one layer rebuilds only that one. Drawn as one figure: the traces in layer order,
    the layouts merged key by key (later layers win), the template and frames of the first layer that has them
    (the layers over a base are built with gradcore.figures.NO_TEMPLATE)."""

    def prepared(self, key: str) -> tuple[dict, dict[str, str]]:
        """split_figure of the figure the layers make, each layer prepared (and memoised) on its own."""
        skeleton, parts = {"layout": {}, "traces": []}, {}
        for i, (fig, memo) in enumerate(self):
            layer, layer_parts = prepared_figure(fig, f"{key}/{i}", memo)
            skeleton["layout"].update(layer["layout"])
            skeleton["traces"] += layer["traces"]
            skeleton.update({field: layer[field] for field in ("template", "frames") if field in layer and field not in skeleton})
            parts.update(layer_parts)
        return skeleton, parts


def _forget(key: str) -> None:
    """Callback: the browser lacks parts of this chart (a skipped update, a new tab): send all of it next run."""
    st.session_state.get(PARTS, {}).pop(key, None)


def chart(fig: go.Figure | Callable[[], go.Figure] | Layers, key: str, *, on_click: Callable[[], None] | None = None,
          config: dict | None = None, where=None, memo: tuple | None = None) -> None:
    """Draw `fig` under `key` (in `where`, a column or container); later runs update the same plot in place.

    on_click runs when a point is clicked; clicked_points(key) then holds the points. `fig` may be a function that
    builds the figure: with `memo`, the plain values the figure depends on, it is built once for every session."""
    if USE_PLOTLY_CHART:
        figure = go.Figure(join_figure(*fig.prepared(key))) if isinstance(fig, Layers) else _built(fig)
        (where or st).plotly_chart(figure, key=key, config=config)
        return
    skeleton, parts = fig.prepared(key) if isinstance(fig, Layers) else prepared_figure(fig, key, memo)
    held = st.session_state.setdefault(PARTS, {}).get(key, {})
    st.session_state[PARTS][key] = parts
    data = {**skeleton, "parts": {n: json.loads(t) for n, t in parts.items() if n not in held}, "key": key,
            "clickable": on_click is not None, "speed_label": _("Animation speed"),
            "config": {"toImageButtonOptions": {"filename": key, **PNG_SIZE}, **(config or {})},
            "plotly_js": plotly_js_url(),
            "chart_js": _served("chart_js", ASSETS_DIR) + "chart.js"}
    callbacks = {"on_missing_change": lambda: _forget(key), **({"on_click_change": on_click} if on_click else {})}
    with where if where is not None else contextlib.nullcontext():
        _mount(key=key, data=data, **callbacks)
    remember(key, lambda: join_figure(skeleton, parts))     # the figure as drawn, also when fig was a builder


def clicked_points(key: str) -> list[dict]:
    """The points of the last click on chart `key`: dicts with x, y (z on 3-D), curve_number and point_index."""
    state = st.session_state.get(key) or {}
    return list((state.get("click") or {}).get("points") or [])
