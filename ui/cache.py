"""A cache with a byte budget, shared by every session: for results whose size depends on what a person asks for.

st.cache_data counts entries, not bytes: 32 cached 50,000-step descent runs in nine variables held about 600 MB on
a 2.7 GB Community Cloud host. bytes_cache(budget) keeps the most recently used results while their total size
(numpy arrays, strings and the arguments that key them) stays within `budget`; a result larger than the whole budget
is returned but not kept. Keys are the arguments' values, so they must be plain hashable values (str, numbers,
tuples, bytes), as with st.cache_data's keys on the formula text. A cached value is shared, not copied: treat it as
read-only (gradcore's results are frozen dataclasses).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import streamlit as st

from ui.i18n import tr

MB = 1_000_000
# The budgets, sized for Community Cloud's 2.7 GB (the server itself, with torch and sympy loaded, takes about 0.5 GB;
# README, "Memory"): descent runs are up to 19 MB each (50,000 steps in nine variables), mini-batch runs up to 1.6 MB.
DESCENT_RUNS_BYTES = 200 * MB
TRAINING_RUNS_BYTES = 48 * MB

_CACHES: dict[str, BytesCache] = {}      # one per function, kept across reruns of the page that defines it


def nbytes(value: Any, depth: int = 0) -> int:
    """About how many bytes `value` holds: numpy buffers, str/bytes lengths, containers and dataclass fields summed."""
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, (str, bytes)):
        return len(value)
    if depth > 8:
        return sys.getsizeof(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return sum(nbytes(getattr(value, f.name), depth + 1) for f in dataclasses.fields(value))
    if isinstance(value, dict):
        return sum(nbytes(k, depth + 1) + nbytes(v, depth + 1) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return sum(nbytes(v, depth + 1) for v in value) + 8 * len(value)
    return sys.getsizeof(value)


class BytesCache:
    """Least recently used entries are dropped first, until the entries' bytes fit the budget."""

    def __init__(self, budget: int):
        self.budget, self.used = budget, 0
        self._entries: OrderedDict[Any, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> tuple[bool, Any]:
        with self._lock:
            if key not in self._entries:
                return False, None
            self._entries.move_to_end(key)
            return True, self._entries[key][0]

    def put(self, key: Any, value: Any) -> None:
        size = nbytes(value) + nbytes(key)
        with self._lock:
            if key in self._entries or size > self.budget:
                return
            self._entries[key], self.used = (value, size), self.used + size
            while self.used > self.budget:
                _, (_, dropped) = self._entries.popitem(last=False)
                self.used -= dropped

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.used = 0


def bytes_cache(budget: int, show_spinner: str | None = None) -> Callable[[Callable], Callable]:
    """Decorator: cache the function's results by its arguments' values within `budget` bytes (see the module)."""
    def decorate(func: Callable) -> Callable:
        name = f"{func.__code__.co_filename}:{func.__qualname__}"
        cache = _CACHES.get(name)
        if cache is None or cache.budget != budget:
            cache = _CACHES[name] = BytesCache(budget)

        @functools.wraps(func)
        def cached(*args: Any, **kwargs: Any) -> Any:
            key = (args, tuple(sorted(kwargs.items())))
            found, value = cache.get(key)
            if not found:
                with st.spinner(tr(show_spinner)) if show_spinner else contextlib.nullcontext():
                    value = func(*args, **kwargs)
                cache.put(key, value)
            return value

        cached.cache = cache
        return cached
    return decorate


def named_cache(name: str, budget: int) -> BytesCache:
    """The process's one BytesCache called `name`, for a cache that is not a function's (clear_all empties it too)."""
    cache = _CACHES.get(name)
    if cache is None or cache.budget != budget:
        cache = _CACHES[name] = BytesCache(budget)
    return cache


def clear_all() -> None:
    """Empty every bytes_cache (the tests start each page from nothing, as with st.cache_data.clear())."""
    for cache in _CACHES.values():
        cache.clear()
