"""The optimizer registry: torch.optim's names and defaults, exact error messages, LaTeX of the update rules."""

import inspect
import math

import pytest
import torch

from gradcore.optimizers import MATH_OPS, NAMES, NUMPY_OPS, check_lr, get_optimizer, latex_number

NOT_HYPERPARAMETERS = {"self", "params", "lr", "foreach", "maximize", "capturable", "differentiable", "fused"}


def torch_signature(name: str) -> dict[str, object]:
    """torch.optim.<name>'s hyperparameters and their defaults, read from the installed torch."""
    params = inspect.signature(getattr(torch.optim, name).__init__).parameters
    return {k: p.default for k, p in params.items() if k not in NOT_HYPERPARAMETERS}


def test_the_registry_holds_torch_optims_ten_optimizers():
    assert NAMES == ("SGD", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "Rprop")
    assert all(isinstance(getattr(torch.optim, name), type) for name in NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_hyperparameter_names_and_defaults_are_torch_optims(name):
    spec = get_optimizer(name)
    assert spec.defaults == torch_signature(name)
    assert spec.lr == inspect.signature(getattr(torch.optim, name).__init__).parameters["lr"].default


@pytest.mark.parametrize("name", NAMES)
def test_each_default_is_valid_and_inside_its_ui_range(name):
    spec = get_optimizer(name)
    assert spec.resolve() == spec.defaults
    assert spec.lr_range[0] <= spec.lr <= spec.lr_range[1]
    for hp in spec.hypers:
        assert isinstance(hp.default, hp.type), hp.name
        assert hp.help, hp.name
        if hp.type is float:
            assert hp.ui_range[0] <= hp.default <= hp.ui_range[1], hp.name
        if hp.type is tuple:
            assert all(lo <= v <= hi for v, (lo, hi) in zip(hp.default, hp.ui_range, strict=True)), hp.name


@pytest.mark.parametrize(("typed", "name"), [
    ("adam", "Adam"), ("ADAM", "Adam"), ("AdamW", "AdamW"), ("sgd", "SGD"), ("rmsProp", "RMSprop"), ("nadam", "NAdam"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_names_are_case_insensitive(typed, name):
    assert get_optimizer(typed).name == name


CHOOSE = "Choose one of: SGD, Adagrad, RMSprop, Adadelta, Adam, AdamW, Adamax, NAdam, RAdam, Rprop."


@pytest.mark.parametrize(("typed", "message"), [
    ("adamm", f"Unknown optimizer 'adamm'. Did you mean 'Adam'? {CHOOSE}"),
    ("rms_prop", f"Unknown optimizer 'rms_prop'. Did you mean 'RMSprop'? {CHOOSE}"),
    ("LBFGS", f"Unknown optimizer 'LBFGS'. {CHOOSE}"),
    (None, f"Unknown optimizer None. {CHOOSE}"),
], ids=["typo", "underscore", "not-supported", "none"])
def test_unknown_optimizer_names_say_what_exists(typed, message):
    with pytest.raises(ValueError) as err:
        get_optimizer(typed)
    assert str(err.value) == message


BAD_HYPERPARAMETERS = [
    ("SGD", {"momentum": -0.1}, "SGD: momentum must be >= 0, got -0.1."),
    ("SGD", {"dampening": 1.5}, "SGD: dampening must be in [0, 1], got 1.5."),
    ("SGD", {"nesterov": True}, "SGD: nesterov=True needs momentum > 0 and dampening = 0."),
    ("SGD", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "SGD: nesterov=True needs momentum > 0 and dampening = 0."),
    ("SGD", {"nesterov": "yes"}, "SGD: nesterov must be True or False, got 'yes'."),
    ("SGD", {"weight_decay": True}, "SGD: weight_decay must be a finite number, got True."),
    ("Adam", {"betas": (0.9, 1.0)}, "Adam: betas[1] must be in [0, 1), got 1."),
    ("Adam", {"betas": (-0.1, 0.999)}, "Adam: betas[0] must be in [0, 1), got -0.1."),
    ("Adam", {"betas": 0.9}, "Adam: betas must be a pair of numbers such as (0.9, 0.999), got 0.9."),
    ("Adam", {"eps": float("nan")}, "Adam: eps must be a finite number, got nan."),
    ("Adam", {"eps": "1e-8"}, "Adam: eps must be a finite number, got '1e-8'."),
    ("Adam", {"momentum": 0.9},
     "Adam has no hyperparameter 'momentum'. Its hyperparameters are: betas, eps, weight_decay, amsgrad, decoupled_weight_decay."),
    ("Adam", {"beta": (0.9, 0.99)},
     "Adam has no hyperparameter 'beta'. Did you mean 'betas'? Its hyperparameters are: betas, eps, weight_decay, amsgrad, "
     "decoupled_weight_decay."),
    ("AdamW", {"amsgrad": 1}, "AdamW: amsgrad must be True or False, got 1."),
    ("Adagrad", {"initial_accumulator_value": -1}, "Adagrad: initial_accumulator_value must be >= 0, got -1."),
    ("RMSprop", {"alpha": -0.5}, "RMSprop: alpha must be >= 0, got -0.5."),
    ("Adadelta", {"rho": 1.1}, "Adadelta: rho must be in [0, 1], got 1.1."),
    ("NAdam", {"momentum_decay": -1}, "NAdam: momentum_decay must be >= 0, got -1."),
    ("Rprop", {"etas": (1.5, 1.2)}, "Rprop: etas[0] must be in (0, 1), got 1.5."),
    ("Rprop", {"etas": (0.5, 1.0)}, "Rprop: etas[1] must be > 1, got 1."),
    ("Rprop", {"step_sizes": (1.0, 0.1)}, "Rprop: step_sizes must be (smallest, largest), got (1.0, 0.1)."),
    ("Rprop", {"lr_decay": 0.1}, "Rprop has no hyperparameter 'lr_decay'. Its hyperparameters are: etas, step_sizes."),
]


@pytest.mark.parametrize(("name", "hyper", "message"), BAD_HYPERPARAMETERS,
                         ids=[f"{n}-{'-'.join(h)}-{i}" for i, (n, h, _) in enumerate(BAD_HYPERPARAMETERS)])
def test_bad_hyperparameters_raise_an_exact_message(name, hyper, message):
    with pytest.raises(ValueError) as err:
        get_optimizer(name).resolve(hyper)
    assert str(err.value) == message


@pytest.mark.parametrize(("lr", "message"), [
    (-0.1, "lr must be a finite number >= 0, got -0.1."),
    (math.inf, "lr must be a finite number >= 0, got inf."),
    ("0.1", "lr must be a finite number >= 0, got '0.1'."),
], ids=["negative", "infinite", "text"])
def test_bad_learning_rates_raise_an_exact_message(lr, message):
    with pytest.raises(ValueError) as err:
        check_lr(lr)
    assert str(err.value) == message


def test_resolve_fills_in_defaults_and_converts_numbers():
    values = get_optimizer("adam").resolve({"betas": [0.8, 0.99], "weight_decay": 1})
    assert values == {"betas": (0.8, 0.99), "eps": 1e-8, "weight_decay": 1.0, "amsgrad": False, "decoupled_weight_decay": False}


@pytest.mark.parametrize(("value", "latex"), [
    (0.9, "0.9"), (0.001, "0.001"), (0, "0"), (50.0, "50"), (1e-8, "10^{-8}"), (2.5e-5, r"2.5 \cdot 10^{-5}"), (1e6, "10^{6}"),
], ids=lambda v: str(v))
def test_latex_numbers(value, latex):
    assert latex_number(value) == latex


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("symbolic", [False, True], ids=["numbers", "symbols"])
def test_every_placeholder_of_the_update_rule_is_filled(name, symbolic):
    spec = get_optimizer(name)
    flags = {hp.name: True for hp in spec.hypers if hp.type is bool}
    extra = {"momentum": 0.9, "weight_decay": 0.1, "dampening": 0.0}
    values = {**flags, **{k: v for k, v in extra.items() if k in spec.defaults}}
    for latex in (spec.latex(symbolic=symbolic), spec.latex(values, symbolic=symbolic)):
        assert latex.startswith("\\begin{aligned}") and latex.endswith("\\end{aligned}")
        assert "<<" not in latex and ">>" not in latex
        assert latex.count("{") == latex.count("}")


@pytest.mark.parametrize(("name", "values", "present", "absent"), [
    ("SGD", {}, [r"x_t = x_{t-1} - {0.001}\, g_t"], ["b_t"]),
    ("SGD", {"momentum": 0.9}, [r"b_t = {0.9}\, b_{t-1}", r"x_t = x_{t-1} - {0.001}\, b_t"], [r"\left(g_t"]),
    ("SGD", {"momentum": 0.9, "nesterov": True, "lr": 0.1}, [r"x_t = x_{t-1} - {0.1} \left(g_t + {0.9}\, b_t\right)"], []),
    ("Adam", {}, [r"+ {10^{-8}}}", r"m_t = {0.9}\, m_{t-1}"], [r"\hat v_t", r"\leftarrow"]),
    ("Adam", {"amsgrad": True, "weight_decay": 0.1}, [r"\hat v_t = \max", r"g_t \leftarrow g_t + {0.1}\, x_{t-1}"], []),
    ("AdamW", {}, [r"x_{t-1} \leftarrow (1 - {0.001} \cdot {0.01})\, x_{t-1}"], [r"g_t \leftarrow"]),
    ("RMSprop", {"centered": True}, [r"\bar g_t"], [r"b_t"]),
    ("Rprop", {}, [r"\Gamma_0 = {0.01}", "{10^{-6}}", "{1.2}"], []),
], ids=["sgd", "sgd-momentum", "sgd-nesterov", "adam", "adam-amsgrad-l2", "adamw-decoupled", "rmsprop-centered", "rprop"])
def test_latex_lines_follow_the_settings(name, values, present, absent):
    latex = get_optimizer(name).latex(values)
    for text in present:
        assert text in latex
    for text in absent:
        assert text not in latex


def test_symbols_follow_torch_optims_documentation():
    assert r"{\beta_1}" in get_optimizer("adam").latex(symbolic=True)
    assert r"{\gamma}" in get_optimizer("sgd").latex(symbolic=True)
    assert r"{\eta_+}" in get_optimizer("rprop").latex(symbolic=True)


@pytest.mark.parametrize("name", NAMES)
def test_a_rule_names_the_state_torch_keeps(name):
    spec = get_optimizer(name)
    rule = spec.rule(spec.lr, spec.resolve(), NUMPY_OPS)
    x = torch.tensor([1.0, -2.0], requires_grad=True)
    opt = getattr(torch.optim, name)([x])
    x.grad = torch.tensor([0.5, 0.25])
    opt.step()
    tracked = {k for k, v in opt.state[x].items() if torch.is_tensor(v) and v.shape == x.shape}
    assert set(rule.state_names) == tracked
    assert len(spec.rule(spec.lr, spec.resolve(), MATH_OPS).init(1.0)) == len(rule.state_names)
