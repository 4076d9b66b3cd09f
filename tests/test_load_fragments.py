"""bench/load.py moves a widget drawn inside an st.fragment as a browser does: a rerun of that fragment alone.

A small app of our own (not the lecture pages, whose regions change while the pages are worked on): a counter of
full runs, a slider outside any fragment and one inside a fragment. Moving the fragment's slider must rerun only the
fragment (the full-run counter stays, the server says "fragment run"); moving the outer one reruns the page.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import load  # noqa: E402  (bench/ is a folder of scripts, not a package)

APP = '''
import streamlit as st

st.session_state["full_runs"] = st.session_state.get("full_runs", 0) + 1
st.markdown(f"full runs: {st.session_state['full_runs']}")
outer = st.slider("outer", 0, 10, key="outer")


@st.fragment
def region():
    inner = st.slider("inner", 0, 10, key="inner")
    st.markdown(f"inner {inner}, outer {outer}")


region()
'''


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fragment_app")
    (folder / "app.py").write_text(APP)
    with load.serve(command=(sys.executable, "-m", "streamlit", "run", "app.py"), cwd=folder) as (url, pid):
        yield url, pid


class Texts(load.Session):
    """A Session that also keeps the markdown the last rerun drew."""

    def _see(self, what, element, fragment_id=""):
        if element.WhichOneof("type") == "markdown":
            self.texts.append(element.markdown.body)
        super()._see(what, element, fragment_id)

    def _rerun(self, what, states, fragment_id="", query=""):
        self.texts = []
        return super()._rerun(what, states, fragment_id, query)


def test_a_widget_in_a_fragment_reruns_the_fragment_alone(server):
    session = Texts(server[0])
    try:
        session.open("")
        assert session.texts == ["full runs: 1", "inner 0, outer 0"]
        assert session.fragments["inner"] and not session.fragments["outer"]
        session.set("inner", 4)
        assert session.finished == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
        assert session.texts == ["inner 4, outer 0"]              # the page's own text was not drawn again
        session.set("outer", 7)
        assert session.finished == ForwardMsg.FINISHED_SUCCESSFULLY
        assert session.texts == ["full runs: 2", "inner 4, outer 7"]
        session.set("inner", 5)                                     # the fragment's id is still known after a full run
        assert session.finished == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
        assert session.texts == ["inner 5, outer 7"]
    finally:
        session.close()


def test_widgets_of_a_fragment_and_of_the_page_changed_together_rerun_the_page(server):
    session = Texts(server[0])
    try:
        session.open("")
        session.set_many({"inner": 2, "outer": 3})
        assert session.finished == ForwardMsg.FINISHED_SUCCESSFULLY
        assert session.texts == ["full runs: 2", "inner 2, outer 3"]
    finally:
        session.close()


def test_cpu_per_control_names_region_controls_and_survives_a_missing_one(server):
    rows = load.cpu_per_control(*server, {"": [("inner", "inner", [1, 2]), ("outer", "outer", [1]), ("gone", "nope", [1])]})
    assert [label for _, label, _ in rows] == ["inner (region)", "outer", "gone (not on the page)"]
    assert rows[0][2] >= 0 and rows[1][2] >= 0 and rows[2][2] != rows[2][2]        # NaN for the missing one
