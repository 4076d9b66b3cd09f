"""tests/run.py, the README's test command: browser tests beside the others, then the tests that time the app alone."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
import run  # noqa: E402  (tests/run.py is a script)


def marker_of(command: list[str]) -> str:
    """The -m expression (the one after `python -m pytest`)."""
    return command[len(command) - command[::-1].index("-m")]


def test_part_1_runs_the_browser_tests_beside_the_others_and_part_2_the_serial_tests_alone(monkeypatch):
    monkeypatch.setattr(run.os, "cpu_count", lambda: 2)          # CI's machine
    (others, browser), (serial,) = run.parts(["-x"])
    assert others[1:] == ["-m", "pytest", "-m", "not browser and not serial", "-x"]     # one core for the browser's
    assert browser[1:] == ["-m", "pytest", "-m", "browser and not serial", "-x"]
    assert serial[1:] == ["-m", "pytest", "-m", "serial", "-x"]


@pytest.mark.parametrize(("cores", "spread"), [(1, []), (2, []), (3, ["-n", "2"]), (16, ["-n", "4"])])
def test_the_tests_outside_the_browser_spread_over_the_cores_left(monkeypatch, cores, spread):
    monkeypatch.setattr(run.os, "cpu_count", lambda: cores)
    (others, browser), _ = run.parts([])
    assert others[3:-2] == spread
    assert "-n" not in browser


@pytest.mark.parametrize("given", [["-m", "not slow"], ["-mnot slow"]])
def test_a_marker_of_the_callers_narrows_every_process(given):
    (others, browser), (serial,) = run.parts([*given, "tests/test_load.py"])
    assert marker_of(others) == "(not browser and not serial) and (not slow)"
    assert marker_of(browser) == "(browser and not serial) and (not slow)"
    assert marker_of(serial) == "(serial) and (not slow)"
    assert all(c.count("-m") == 2 and c[-1] == "tests/test_load.py" for c in (others, browser, serial))


@pytest.mark.parametrize(("codes", "expected"), [((0, 0, 0), 0), ((0, 5, 0), 0), ((5, 5, 0), 0), ((1, 0, 0), 1),
                                                 ((0, 0, 1), 1), ((5, 5, 5), 5), ((0, 2, 1), 2)])
def test_the_exit_code_is_the_first_failing_processs_and_an_empty_one_is_no_failure(monkeypatch, capsys, codes, expected):
    results = iter([(codes[0], {"passed": 3, "skipped": 1}), (codes[1], {"passed": 2, "failed": 1, "error": 1}),
                    (codes[2], {"passed": 1})])
    monkeypatch.setattr(run, "run_at_once", lambda commands: [next(results) for _ in commands])
    assert run.main([]) == expected
    assert capsys.readouterr().out.splitlines()[-1] == "total: 6 passed, 2 failed, 1 skipped"


def test_the_summary_line_of_pytest_is_counted():
    output = "....\n=========== 2 failed, 1440 passed, 6 skipped, 3 deselected, 1 error in 812.31s (0:13:32) ===========\n"
    assert run.counts_of(output) == {"failed": 2, "passed": 1440, "skipped": 6, "deselected": 3, "error": 1}


def test_two_processes_at_once_both_report(capsys):
    script = "import sys; print('=== {} passed in 0.01s ==='.format(sys.argv[1])); sys.exit(int(sys.argv[2]))"
    results = run.run_at_once([[sys.executable, "-c", script, "3", "0"], [sys.executable, "-c", script, "4", "1"]])
    assert results == [(0, {"passed": 3}), (1, {"passed": 4})]
    out = capsys.readouterr().out
    assert "=== 3 passed in 0.01s ===" in out and "=== 4 passed in 0.01s ===" in out


def test_the_tests_that_measure_load_memory_or_latency_ratios_are_serial():
    for path in ("tests/test_load.py", "tests/browser/test_hostile_load.py"):
        text = (ROOT / path).read_text(encoding="utf-8")
        assert "pytest.mark.serial" in text, path


def test_the_counts_are_read_from_a_quiet_summary_too():
    """pytest -q drops the === around its summary line: the total must still add it up."""
    assert run.counts_of("....\n41 passed, 1723 deselected, 6 warnings in 185.44s (0:03:05)\n") == {
        "passed": 41, "deselected": 1723}
