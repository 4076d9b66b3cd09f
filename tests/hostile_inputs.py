"""The formulas of issues 12 and 13 that once crashed a page or stalled the server, shared by the unit, AppTest and
browser tests: the refused ones with a fragment of their sentence, the ones that must be computed."""

from __future__ import annotations

import os


def nested(fn: str, depth: int) -> str:
    """fn(fn(…fn(x)…)), depth deep."""
    return f"{fn}(" * depth + "x" + ")" * depth


def load_scaled(seconds: float) -> float:
    """A time limit for a machine with a core to spare, grown by the load per core on a busier one, so that seven
    test runs sharing two cores measure the code, not the queue."""
    return seconds * max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1))


SIGMOID8 = nested("sigmoid", 8)

# typed -> a fragment of the FormulaError sentence it must give
REFUSED = {
    "x" + "*1e15" * 21: "keep constants below 1e100",
    "0^x": "0 to a variable power",
    "(-1)^x": "negative base to a variable power",
    "x*((3^53/2^84)^100)^100": "too many exact digits",
    "sin(((3^53/2^84)^100)^100 x)": "too many exact digits",
    "x*(((999999999999999/999999999999997)^100)^100)^100": "too many exact digits",
    "((1.000000000000001)^100)^100": "too many exact digits",
    "x + min(2, (-1)^(1e-20))": "negative number to a fractional power",
    "x^2+y^2，": "full-width comma",
}

# formulas that once raised a TypeError, "cannot compile …", an OverflowError or hung: now drawn
COMPUTED = ["relu(x)^2", "max(x,y)^4", "sign(log(x))", "abs(sqrt(x))", "abs(x^pi)", "abs(log(log(x)))", "1e-20x",
            "cosh(x^1.0000001)", "abs(sin(exp(x+1e15)))", SIGMOID8, "max(x,y,z)*(x+y+z)^100"]
