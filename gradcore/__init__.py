"""gradcore: the pure core of Gradient Lab (no Streamlit): parse, differentiate, check, descend."""

from gradcore.calculus import classify, directional_derivative, unit_vector
from gradcore.check import GradientCheck, check_gradient
from gradcore.descent import Trajectory, descend
from gradcore.formula import Formula, FormulaError, parse
from gradcore.optimizers import OPTIMIZERS, get_optimizer

__all__ = [
    "OPTIMIZERS", "Formula", "FormulaError", "GradientCheck", "Trajectory", "check_gradient", "classify", "descend",
    "directional_derivative", "get_optimizer", "parse", "unit_vector",
]
