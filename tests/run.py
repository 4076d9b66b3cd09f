"""The whole test suite in parallel where that is safe, then the tests that time the app alone.

    python tests/run.py [pytest arguments]       # what README.md ("Run the tests") and .ci/run run

Part 1 runs two pytest processes at once: the browser tests (one app server, one Chromium) and every other test,
the latter spread over pytest-xdist workers (one per core but one, at most MAX_WORKERS). Both leave out the tests
marked `serial`. (pytest-xdist's --dist loadgroup would keep the browser tests on one worker, but with pytest 9 it
no longer groups: xdist 3.8 renames item._nodeid, which pytest 9 no longer reads.)
Part 2 runs the `serial` tests one after another with nothing else running: they measure latency ratios, load and
server memory, which other tests running beside them would distort. Extra arguments go to every process (a -m of
yours narrows each); a process whose selection is empty is not a failure. The last line adds up all of them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_WORKERS = 4         # each xdist worker holds torch, sympy and Streamlit (about 0.5 GB)
NO_TESTS = 5            # pytest's exit code when the selection is empty
SUMMARY = re.compile(r"^(?:=+ )?(\d+ (?:passed|failed|errors?|skipped|deselected|xfailed|xpassed).*?) in [\d.]+s")   # with -q: no "==="
COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected)")


def workers() -> int:
    """xdist workers for the tests outside the browser: one per core but one, at most MAX_WORKERS.

    The browser tests' process (with its app server and Chromium) keeps about one core busy and times what users
    feel: on CI's 2 cores one worker runs beside it (two workers there made the Landscape page's load and the basin
    map's redraw miss their limits)."""
    return max(1, min(MAX_WORKERS, (os.cpu_count() or 2) - 1))


def split_marker(extra: list[str]) -> tuple[str | None, list[str]]:
    """A -m expression among the arguments (the last one, as pytest takes it) and the other arguments."""
    marker, rest, args = None, [], iter(extra)
    for arg in args:
        if arg == "-m":
            marker = next(args, "")
        elif arg.startswith("-m"):
            marker = arg[2:]
        else:
            rest.append(arg)
    return marker, rest


def parts(extra: list[str]) -> list[list[list[str]]]:
    """The pytest command lines: part 1's two (run at once), then part 2's one; a -m of the caller's narrows each."""
    marker, rest = split_marker(extra)
    selected = (lambda expr: expr) if marker is None else (lambda expr: f"({expr}) and ({marker})")
    pytest = [sys.executable, "-m", "pytest"]
    spread = ["-n", str(workers())] if workers() > 1 else []
    return [[[*pytest, *spread, "-m", selected("not browser and not serial"), *rest],
             [*pytest, "-m", selected("browser and not serial"), *rest]],
            [[*pytest, "-m", selected("serial"), *rest]]]


def counts_of(output: str) -> dict[str, int]:
    """The counts on pytest's summary line ("3 passed, 1 skipped in 2.0s"); errors as "error"."""
    found: dict[str, int] = {}
    for line in output.splitlines():
        if summary := SUMMARY.match(line.strip()):
            found = {("error" if word.startswith("error") else word): int(n) for n, word in COUNT.findall(summary.group(1))}
    return found


def run_at_once(commands: list[list[str]]) -> list[tuple[int, dict[str, int]]]:
    """Start every command, the first one's output live, the others' printed when they end; exit codes and counts."""
    logs = [tempfile.TemporaryFile("w+", encoding="utf-8") for _ in commands[1:]]
    print("\n".join("$ " + " ".join(c[1:]) for c in commands), flush=True)
    quiet = [subprocess.Popen(c, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, text=True)
             for c, log in zip(commands[1:], logs, strict=True)]
    live = subprocess.Popen(commands[0], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    lines = []
    for line in live.stdout:
        sys.stdout.write(line)
        lines.append(line)
    results = [(live.wait(), counts_of("".join(lines)))]
    for proc, log in zip(quiet, logs, strict=True):
        code = proc.wait()
        log.seek(0)
        output = log.read()
        log.close()
        sys.stdout.write(output)
        results.append((code, counts_of(output)))
    sys.stdout.flush()
    return results


def main(extra: list[str]) -> int:
    """Part 1, then part 2; the exit code is the first failing process's (an empty selection is not a failure)."""
    results = [result for commands in parts(extra) for result in run_at_once(commands)]
    total: dict[str, int] = {}
    for _, counts in results:
        for word, n in counts.items():
            total[word] = total.get(word, 0) + n
    codes = [code for code, _ in results]
    failing = [c for c in codes if c not in (0, NO_TESTS)]
    code = failing[0] if failing else 0 if 0 in codes else NO_TESTS
    print(f"total: {total.get('passed', 0)} passed, {total.get('failed', 0) + total.get('error', 0)} failed, "
          f"{total.get('skipped', 0)} skipped", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
