"""gradcore: the pure core of Gradient Lab (no Streamlit): parse, differentiate, check, descend."""

from gradcore.formula import Formula, FormulaError, parse

__all__ = ["Formula", "FormulaError", "parse"]
