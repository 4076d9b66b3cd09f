"""The deployed app's .streamlit/config.toml: users see a short error box, the tests still see the exception."""

from __future__ import annotations

import tomllib
from pathlib import Path

from streamlit import config
from streamlit.testing.v1 import AppTest

CONFIG = Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml"
RAISES = "raise ValueError('secret in /srv/app/gradcore/formula.py')"


def test_config_hides_error_details_from_users():
    assert tomllib.loads(CONFIG.read_text())["client"]["showErrorDetails"] == "none"


def test_with_the_deployed_setting_an_exception_is_a_short_box_without_the_traceback():
    before = config.get_option("client.showErrorDetails")
    config.set_option("client.showErrorDetails", "none")
    try:
        at = AppTest.from_string(RAISES).run()
    finally:
        config.set_option("client.showErrorDetails", before)
    (shown,) = at.exception                      # AppTest (and a browser test's stException check) still sees it
    assert shown.value.startswith("This app has encountered an error.") and "secret" not in shown.value
    assert shown.stack_trace == [] and shown.proto.type == ""


def test_the_tests_print_the_real_exception():
    """tests/conftest.py sets "full": a failing page test names the error and the line it came from."""
    (shown,) = AppTest.from_string(RAISES).run().exception
    assert shown.value == "secret in /srv/app/gradcore/formula.py" and shown.stack_trace
