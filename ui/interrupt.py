"""Let Streamlit stop a long calculation: when the session ends or a newer rerun is waiting, between chunks of work.

Streamlit stops a script by raising StopException or RerunException at the script's next Streamlit call; a loop in
gradcore makes none, so a closed tab's basin map used to run to its end. Every access to st.session_state checks
the script runner's pending requests (SafeSessionState calls its yield callback), so a progress callback that
touches it lets the stop through, from inside gradcore's loop. Outside a script run it does nothing.
"""

from __future__ import annotations

import streamlit as st


def stop_if_replaced(*_progress: object) -> None:
    """A progress callback for gradcore's loops (descend, basins, train): raises Streamlit's stop or rerun if one waits."""
    _ = "_" in st.session_state
