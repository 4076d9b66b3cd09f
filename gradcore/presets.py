"""The registry of preset functions: formula text, plot range and published minima."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    """A test function with the range to plot it on and its known minima (published values)."""

    name: str
    formula: str
    domain: tuple[float, float, float, float]      # x_min, x_max, y_min, y_max
    minima: tuple[tuple[float, ...], ...] = ()      # every minimum in the range: published, or verified by sympy
    note: str = ""


# Rastrigin's local minima along one axis: the roots of 2x + 20π sin(2πx) = 0 next to each integer of [−5, 5]
# (sympy's nsolve to 30 digits, rounded to 8 decimals: the curvature is 2 + 40π², so 6 would leave |∇f| ≈ 2e-4);
# in two variables every pair of them is a local minimum.
RASTRIGIN_AXIS = (0.0, 0.99495864, -0.99495864, 1.98991223, -1.98991223, 2.98485570, -2.98485570, 3.97978386,
                  -3.97978386, 4.97469139, -4.97469139)
RASTRIGIN_MINIMA = tuple((a, b) for a in RASTRIGIN_AXIS for b in RASTRIGIN_AXIS)   # (0, 0), the global one, first

PRESETS: dict[str, Preset] = {p.name: p for p in (
    Preset("Himmelblau", "(x^2+y-11)^2+(x+y^2-7)^2", (-6, 6, -6, 6),
           ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)),
           "The lecture's worked example: four minima with f = 0."),
    Preset("Rosenbrock", "(1-x)^2+100(y-x^2)^2", (-2, 2, -1, 3), ((1.0, 1.0),),
           "A long curved valley: easy to find, slow to follow."),
    Preset("Paraboloid", "x^2+y^2", (-3, 3, -3, 3), ((0.0, 0.0),), "The simplest bowl."),
    Preset("Elongated bowl", "x^2+10y^2", (-3, 3, -3, 3), ((0.0, 0.0),),
           "Curvature 10 times larger along y: plain gradient descent zig-zags."),
    Preset("Booth", "(x+2y-7)^2+(2x+y-5)^2", (-10, 10, -10, 10), ((1.0, 3.0),)),
    Preset("Beale", "(1.5-x+xy)^2+(2.25-x+xy^2)^2+(2.625-x+xy^3)^2", (-4.5, 4.5, -4.5, 4.5), ((3.0, 0.5),)),
    Preset("Matyas", "0.26(x^2+y^2)-0.48xy", (-10, 10, -10, 10), ((0.0, 0.0),)),
    Preset("Three-hump camel", "2x^2-1.05x^4+x^6/6+xy+y^2", (-5, 5, -5, 5),
           ((0.0, 0.0), (1.747552, -0.873776), (-1.747552, 0.873776)),     # the two local minima: sympy's nsolve
           "Three humps: the global minimum at (0, 0) and two local minima beside it."),
    Preset("Rastrigin", "20+x^2-10cos(2pi x)+y^2-10cos(2pi y)", (-5.12, 5.12, -5.12, 5.12), RASTRIGIN_MINIMA,
           "Many local minima (121 in this range) around one global minimum at (0, 0)."),
    Preset("Tilted double well", "(x^2-1)^2+0.3x+y^2", (-2, 2, -2, 2), ((-1.035579, 0.0), (0.960150, 0.0)),
           "A deep well on the left and a shallow one on the right."),
    Preset("Saddle", "x^2-y^2", (-2, 2, -2, 2), (), "A saddle point at the origin."),
    Preset("Monkey saddle", "x^3-3x y^2", (-2, 2, -2, 2), (), "A degenerate saddle: three valleys meet."),
    Preset("Cone", "sqrt(x^2+y^2)", (-3, 3, -3, 3), ((0.0, 0.0),), "Not differentiable at its tip."),
    Preset("Abs valley", "abs(x)+y^2", (-3, 3, -3, 3), ((0.0, 0.0),), "A kink along the y axis."),
    Preset("Cubic (1 variable)", "x^3-3x", (-3, 3, -3, 3), ((1.0,),), "A local minimum at 1, a maximum at −1."),
    Preset("Sphere (3 variables)", "x^2+y^2+z^2", (-3, 3, -3, 3), ((0.0, 0.0, 0.0),)),
    Preset("Dot product (4 variables)", "2(x1^2+x2^2+x3^2+x4^2)", (-3, 3, -3, 3), ((0.0, 0.0, 0.0, 0.0),),
           "The lecture's y = 2 x·x; its gradient is 4x."),
)}

DEFAULT = "Himmelblau"
DEFAULT_DOMAIN = (-6.0, 6.0, -6.0, 6.0)


def find_preset(formula_text: str) -> Preset | None:
    """The preset whose formula is exactly this text, if any."""
    return next((p for p in PRESETS.values() if p.formula == formula_text.strip()), None)
