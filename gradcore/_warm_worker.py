"""Imported once by gradcore.budget's forkserver: works one formula through gradcore.symbolic, so that every
worker forked from it starts with sympy's lazy imports and caches in place (a cold worker takes ~150 ms more)."""

from gradcore.symbolic import analyse

analyse("sigmoid(x)*(x^2+y-11)^2 + abs(x-y)^1.5 + max(x, y) + log(1 + exp(z))")
