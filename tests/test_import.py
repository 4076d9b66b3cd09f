"""gradcore is usable without Streamlit: importing it must not import streamlit."""

from __future__ import annotations

import subprocess
import sys


def test_gradcore_does_not_import_streamlit():
    code = ("import sys, pkgutil, importlib, gradcore\n"
            "for m in pkgutil.iter_modules(gradcore.__path__): importlib.import_module('gradcore.' + m.name)\n"
            "assert 'streamlit' not in sys.modules, sorted(k for k in sys.modules if 'streamlit' in k)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
