"""The heaviest inputs one person can give are refused early, with a sentence that says what to do instead."""

from __future__ import annotations

import time
import tomllib
from pathlib import Path

import pytest

from gradcore import minibatch as mb

ROOT = Path(__file__).resolve().parents[1]


def test_a_ten_million_row_csv_is_refused_at_once_with_a_sentence():
    raw = b"x,y\n" + b"1.5,2.5\n" * 10_000_000              # 80 MB, what a person might export by mistake
    start = time.perf_counter()
    with pytest.raises(mb.DataError) as refused:
        mb.read_csv(raw, "linear", "huge.csv")
    assert time.perf_counter() - start < 1.0               # refused on its size, before anything is parsed
    assert str(refused.value) == (f"The file is {len(raw) / 1e6:.1f} MB; the limit is {mb.MAX_BYTES / 1e6:g} MB "
                                  f"({mb.MAX_ROWS} rows): upload a sample of it.")


def test_a_csv_under_the_byte_limit_but_over_the_row_limit_is_refused():
    raw = b"x,y\n" + b"1,2\n" * (mb.MAX_ROWS + 1)
    with pytest.raises(mb.DataError, match=f"the limit is {mb.MAX_ROWS:,}: upload a random sample"):
        mb.read_csv(raw, "linear", "rows.csv")


def test_streamlit_refuses_uploads_over_5_mb_before_they_reach_the_app():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] <= 5
