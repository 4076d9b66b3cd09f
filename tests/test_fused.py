"""gradcore.fused: the generated update is the rule's own per-coordinate update, bit for bit (torch.optim is tested in test_descent)."""

import numpy as np
import pytest
from test_descent import FUNCTIONS, SETTINGS

from gradcore import descent, fused
from gradcore.descent import descend
from gradcore.formula import parse
from gradcore.optimizers import Rule


@pytest.fixture(scope="module")
def formulas():
    return {name: parse(text) for name, (text, _) in FUNCTIONS.items()}


def test_exact_float32_rounding_is_numpys_over_the_whole_range():
    rng = np.random.default_rng(0)
    v = rng.uniform(1, 2, 200_000) * 2.0 ** rng.integers(-160, 130, 200_000) * rng.choice([-1, 1], 200_000)
    ties = (np.arange(1, 2001) * 2.0**-150)          # halfway between float32 subnormals: ties to even
    values = np.concatenate([v, ties, [3.4028235677973366e38, 3.4028234663852886e38, 0.0, -0.0]])
    with np.errstate(over="ignore"):
        expected = values.astype(np.float32).astype(np.float64).tolist()
    assert [fused.round32_exact(x) for x in values.tolist()] == expected


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("optimizer", "lr", "hyper"), [s[1:] for s in SETTINGS], ids=[s[0] for s in SETTINGS])
def test_the_generated_update_is_the_rules_own_bit_for_bit(formulas, monkeypatch, optimizer, lr, hyper, dtype):
    for name, (_, x0) in FUNCTIONS.items():
        ours = descend(formulas[name], optimizer, x0, lr, 100, dtype=dtype, **hyper)
        with monkeypatch.context() as m:
            m.setattr(descent, "fused_update", lambda *args: lambda c: None)     # the generic update, one call per coordinate
            theirs = descend(formulas[name], optimizer, x0, lr, 100, dtype=dtype, **hyper)
        assert (ours.points == theirs.points).all() and (ours.losses == theirs.losses).all(), name
        assert all((ours.state[k] == theirs.state[k]).all() for k in theirs.state), name


def test_every_registered_optimizer_is_traced():
    for _, optimizer, lr, hyper in SETTINGS:
        spec = descent.get_optimizer(optimizer)
        for dtype in ("float64", "float32"):
            update = fused.fused_update(spec.name, lr, spec.resolve(hyper), dtype, 2)
            c = next(spec.rule(lr, spec.resolve(hyper)).constants())
            assert update(c) is not None, (optimizer, dtype)


def test_a_rule_that_branches_on_a_value_is_left_to_the_generic_path():
    def build(lr, hyper, ops):
        return Rule((), lambda x: (), lambda: iter([None]), lambda x, g, s, c: (x - lr * g if g > 0 else x, s))

    with pytest.raises(fused.Untraceable):
        fused._source(build, 0.1, {}, "float64", 2, None)
