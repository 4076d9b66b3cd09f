"""AppTest of the Gradient descent page: every control changes what is shown, the lecture's worked example, divergence, speed.

The oracle is torch.optim itself: the expected paths are computed here with torch.optim.<Optimizer>([p], lr=…)
in float64 (the lecture's loop), not with gradcore.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from pagetest import array, figure_sizes, figures, metric, open_page, trace
from streamlit.testing.v1 import AppTest

PAGE = "pages/4_Gradient_descent.py"
HIMMELBLAU = "(x^2+y-11)^2+(x+y^2-7)^2"
LECTURE_FINAL = "(-3.7793, -3.2832)"          # the lecture's x after 20,000 Adam steps from (−4, 0)
pytestmark = pytest.mark.usefixtures("clean_caches")


def path(at: AppTest, name: str) -> np.ndarray:
    """The (x, y) points of a run's path on the map, as drawn."""
    t = trace(figures(at)["fig_map"], name)
    return np.column_stack([array(t["x"]), array(t["y"])])


def himmelblau(p: torch.Tensor) -> torch.Tensor:
    x, y = p[0], p[1]
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def torch_path(f, optimizer: str, x0, lr: float, steps: int, **hyper) -> np.ndarray:
    """x_0 … x_steps of the plain torch.optim loop, float64."""
    p = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, optimizer)([p], lr=lr, **hyper)
    points = [p.detach().clone().numpy()]
    for _ in range(steps):
        opt.zero_grad()
        f(p).backward()
        opt.step()
        points.append(p.detach().clone().numpy())
    return np.array(points)


def fmt(p) -> str:
    return "(" + ", ".join(f"{v:.4f}" for v in p) + ")"


# ---------------------------------------------------------------- defaults and every control

def test_defaults_run_adam_from_the_lecture_start():
    at = open_page(PAGE)
    assert not at.error and not at.warning
    assert at.selectbox(key="opt").value == "Adam"
    assert (at.number_input(key="lr").value, at.select_slider(key="lr_s").value) == (1e-3, 1e-3)
    assert at.number_input(key="steps").value == 1000
    assert (at.slider(key="sx").value, at.slider(key="sy").value) == (-4.0, 0.0)
    assert set(figures(at)) == {"fig_map", "fig_surface", "fig_loss", "fig_step"}
    expected = torch_path(himmelblau, "Adam", [-4.0, 0.0], 1e-3, 1000)
    drawn = path(at, "Adam, γ = 0.001")
    assert len(drawn) == 1001
    np.testing.assert_allclose(drawn, expected, rtol=1e-6, atol=1e-6)       # float32 in the figure
    assert metric(at, "final point") == fmt(expected[-1])
    assert metric(at, "nearest known minimum") == "(-3.7793, -3.2832)"


def test_optimizer_choice_changes_the_path_and_resets_lr():
    at = open_page(PAGE)
    at.select_slider(key="lr_s").set_value(0.01).run()
    at.selectbox(key="opt").set_value("SGD").run()
    assert at.number_input(key="lr").value == 1e-3                        # SGD's torch default
    expected = torch_path(himmelblau, "SGD", [-4.0, 0.0], 1e-3, 1000)
    np.testing.assert_allclose(path(at, "SGD, γ = 0.001"), expected, rtol=1e-6, atol=1e-6)
    assert metric(at, "final point") == fmt(expected[-1]) == "(-3.7793, -3.2832)"
    assert metric(at, "known minimum reached") == "(-3.7793, -3.2832)"
    assert r"x_t = x_{t-1} - {0.001}\, g_t" in at.latex[0].value             # SGD's update rule, γ filled in


def test_three_hump_camel_run_reaches_its_local_minimum():
    # From (2, −1), 5,000 Adam steps end in the camel's local minimum (1.7476, −0.8738), now in the preset's list.
    at = open_page(PAGE, "2x^2-1.05x^4+x^6/6+xy+y^2")
    at.slider(key="sx").set_value(2.0).run()
    at.slider(key="sy").set_value(-1.0).run()
    at.number_input(key="steps").set_value(5000).run()
    assert metric(at, "known minimum reached") == "(1.7476, -0.8738)"
    assert not any(m.label == "a stationary point not in the preset's list" for m in at.metric)


def test_a_run_that_stalls_on_a_saddle_says_so():
    # x² − y² from (1, 0): y stays 0, SGD with γ = 0.1 multiplies x by 0.8 a step, so the run ends on the saddle (0, 0).
    at = open_page(PAGE, "x^2-y^2")
    at.selectbox(key="opt").set_value("SGD").run()
    at.number_input(key="lr").set_value(0.1).run()
    at.slider(key="sx").set_value(1.0).run()
    at.slider(key="sy").set_value(0.0).run()
    (m,) = [m for m in at.metric if m.label == "a stationary point not in the preset's list"]
    assert m.value == "(0.0000, 0.0000)" and "|∇f| = 2.5e-97" in m.proto.help and m.proto.help.endswith("says: saddle.")


def test_lr_slider_and_number_input_stay_in_sync_and_drive_the_run():
    at = open_page(PAGE)
    at.select_slider(key="lr_s").set_value(0.05).run()
    assert at.number_input(key="lr").value == 0.05
    expected = torch_path(himmelblau, "Adam", [-4.0, 0.0], 0.05, 1000)
    assert metric(at, "final point") == fmt(expected[-1])
    at.number_input(key="lr").set_value(0.003).run()
    assert at.select_slider(key="lr_s").value == 0.002                     # the nearest grid value, in log distance
    expected = torch_path(himmelblau, "Adam", [-4.0, 0.0], 0.003, 1000)
    assert metric(at, "final point") == fmt(expected[-1])
    assert "{0.003}" in at.latex[0].value


def test_steps_and_start_change_the_run_and_the_log():
    at = open_page(PAGE)
    at.slider(key="sx").set_value(1.0).run()
    at.slider(key="sy").set_value(-1.5).run()
    at.number_input(key="steps").set_value(300).run()
    expected = torch_path(himmelblau, "Adam", [1.0, -1.5], 1e-3, 300)
    drawn = path(at, "Adam, γ = 0.001")
    assert len(drawn) == 301
    np.testing.assert_allclose(drawn[[0, -1]], expected[[0, -1]], rtol=1e-6, atol=1e-6)
    log = at.dataframe[-1].value
    assert list(log["step"]) == [0, 25, 50, 75, 100, 125, 150, 175, 200, 225, 250, 275, 300]
    np.testing.assert_allclose(log[["x", "y"]].to_numpy(), expected[::25], rtol=1e-12)
    assert array(trace(figures(at)["fig_map"], "start")["x"]).tolist() == [1.0]


def test_hyperparameters_come_from_the_registry_and_change_the_run():
    at = open_page(PAGE)
    assert at.select_slider(key="h_adam_eps").value == 1e-8
    assert (at.slider(key="h_adam_betas_0").value, at.slider(key="h_adam_betas_1").value) == (0.9, 0.999)
    assert at.checkbox(key="h_adam_amsgrad").value is False
    at.slider(key="h_adam_betas_0").set_value(0.5).run()
    at.checkbox(key="h_adam_amsgrad").check().run()
    expected = torch_path(himmelblau, "Adam", [-4.0, 0.0], 1e-3, 1000, betas=(0.5, 0.999), amsgrad=True)
    assert metric(at, "final point") == fmt(expected[-1])
    assert r"\max(\hat v_{t-1}, v_t)" in at.latex[0].value and "{0.5}" in at.latex[0].value
    script = at.code[0].value
    assert "torch.optim.Adam([p], lr=0.001, betas=(0.5, 0.999), amsgrad=True)" in script
    at.button(key="h_reset").click().run()
    assert at.slider(key="h_adam_betas_0").value == 0.9 and at.checkbox(key="h_adam_amsgrad").value is False
    at.selectbox(key="opt").set_value("SGD").run()
    assert [w.key for w in at.slider if w.key.startswith("h_sgd")] == ["h_sgd_momentum", "h_sgd_dampening",
                                                                        "h_sgd_weight_decay"]
    at.slider(key="h_sgd_momentum").set_value(0.9).run()
    expected = torch_path(himmelblau, "SGD", [-4.0, 0.0], 1e-3, 1000, momentum=0.9)
    assert metric(at, "final point") == fmt(expected[-1])


def test_every_registry_optimizer_gets_its_widgets_and_torchs_numbers():
    from gradcore.optimizers import OPTIMIZERS

    at = open_page(PAGE)
    at.number_input(key="steps").set_value(200).run()
    for spec in OPTIMIZERS.values():
        at.selectbox(key="opt").set_value(spec.name).run()
        assert not at.exception and not at.error, spec.name
        assert at.number_input(key="lr").value == spec.lr
        keys = {w.key for kind in (at.slider, at.select_slider, at.checkbox, at.number_input) for w in kind}
        for hp in spec.hypers:
            key = f"h_{spec.name.lower()}_{hp.name}"
            wanted = [f"{key}_0", f"{key}_1"] if hp.type is tuple else [key]
            assert set(wanted) <= keys, (spec.name, hp.name)
        expected = torch_path(himmelblau, spec.name, [-4.0, 0.0], spec.lr, 200)
        assert metric(at, "final point") == fmt(expected[-1]), spec.name


def test_nesterov_without_momentum_is_a_sentence_not_a_traceback():
    at = open_page(PAGE)
    at.selectbox(key="opt").set_value("SGD").run()
    at.checkbox(key="h_sgd_nesterov").check().run()
    assert not at.exception
    assert "nesterov=True needs momentum > 0" in at.error[0].value


def test_compare_adds_runs_with_their_default_lr():
    at = open_page(PAGE)
    at.multiselect(key="cmp").select("SGD").select("RMSprop").run()
    figs = figures(at)
    names = {t.get("name") for t in figs["fig_map"]["data"]}
    assert {"Adam, γ = 0.001", "SGD, γ = 0.001", "RMSprop, γ = 0.01"} <= names
    assert {"SGD, γ = 0.001", "RMSprop, γ = 0.01"} <= {t.get("name") for t in figs["fig_loss"]["data"]}
    expected = torch_path(himmelblau, "RMSprop", [-4.0, 0.0], 1e-2, 1000)
    np.testing.assert_allclose(path(at, "RMSprop, γ = 0.01")[-1], expected[-1], rtol=1e-6)
    summary = at.dataframe[0].value
    assert list(summary["run"]) == ["Adam, γ = 0.001", "SGD, γ = 0.001", "RMSprop, γ = 0.01"]
    assert summary["status"][1] == "reached"
    at.selectbox(key="opt").set_value("SGD").run()                         # the run itself leaves the options
    assert at.multiselect(key="cmp").value == ["RMSprop"]


# ---------------------------------------------------------------- the step up close

def test_scrubbed_step_shows_sgd_versus_adam():
    at = open_page(PAGE)
    table = at.dataframe[0].value.set_index("quantity")
    # Adam's first step is γ·sign(g): the step size γ/(√v̂+ε) = γ/|g| differs per coordinate.
    np.testing.assert_allclose(table.loc["gₜ = ∇f(xₜ)"], [-102, 10])
    np.testing.assert_allclose(table.loc["Δx (the step taken)"], [1e-3, -1e-3], rtol=1e-6)
    np.testing.assert_allclose(table.loc["γ/(√v̂ₜ+ε)"], [1e-3 / 102, 1e-3 / 10], rtol=1e-6)
    angle = np.degrees(np.arccos(np.dot([1, -1], [102, -10]) / (np.sqrt(2) * np.hypot(102, 10))))
    assert metric(at, "angle(Δx, −∇f)") == f"{angle:.1f}°"
    at.slider(key="scrub").set_value(10).run()
    expected = torch_path(himmelblau, "Adam", [-4.0, 0.0], 1e-3, 11)
    table = at.dataframe[0].value.set_index("quantity")
    np.testing.assert_allclose(table.loc["xₜ"], expected[10], rtol=1e-12)
    np.testing.assert_allclose(table.loc["Δx (the step taken)"], expected[11] - expected[10], rtol=1e-6)
    assert array(trace(figures(at)["fig_map"], "xₜ")["x"]) == pytest.approx([expected[10][0]], rel=1e-6)
    at.selectbox(key="opt").set_value("SGD").run()
    table = at.dataframe[0].value.set_index("quantity")
    np.testing.assert_allclose(table.loc["Δx / (−g): step size"], [1e-3, 1e-3], rtol=1e-9)   # plain GD: γ everywhere
    assert metric(at, "angle(Δx, −∇f)") == "0.0°"


# ---------------------------------------------------------------- the lecture, divergence, other dimensions

def test_worked_example_reaches_the_lecture_final_point():
    at = open_page(PAGE, "x^2+y^2")
    at.selectbox(key="opt").set_value("SGD").run()
    at.button(key="worked").click().run()
    assert not at.exception and not at.warning
    assert at.session_state["f"] == HIMMELBLAU
    assert at.selectbox(key="opt").value == "Adam" and at.number_input(key="lr").value == 1e-3
    assert at.number_input(key="steps").value == 20_000
    assert metric(at, "final point") == LECTURE_FINAL
    assert metric(at, "known minimum reached") == "(-3.7793, -3.2832)"
    assert float(metric(at, "distance to it")) < 1e-5
    log = at.dataframe[-1].value
    assert list(log["step"]) == list(range(0, 20_001, 2_000))             # the lecture prints every 2,000 steps
    script = at.code[0].value
    assert "torch.optim.Adam([p], lr=0.001)" in script and "for step in range(20001):" in script
    assert "(x ** 2 + y - 11) ** 2 + (x + y ** 2 - 7) ** 2" in script       # f as typed, as the lecture writes it
    lecture, page_log = at.code[2].value.splitlines(), at.code[3].value.splitlines()
    assert len(lecture) == 10 and len(page_log) == 11
    # torch.optim.Adam's float32 run prints this at step 2000 (x after the step, f before it); float64 logs x_2000
    assert lecture[1] == "step 2000: x = [-3.526560068130493, -2.500243663787842], f(x) = 19.450292587280273"
    assert page_log[-1] == "step  20000  x = [-3.779310253377747, -3.2831859912861696]  f = 7.888609052210118e-31"
    notes = " ".join(m.value for m in at.markdown)
    assert "Print order." in notes and "float32 vs float64." in notes and "Why f reaches 7.9e-31 in one and 0. in the other." in notes


def test_diverging_run_warns_and_keeps_the_partial_path():
    at = open_page(PAGE)
    at.selectbox(key="opt").set_value("SGD").run()
    at.select_slider(key="lr_s").set_value(1.0).run()
    assert not at.exception
    (warning,) = at.warning
    assert "Diverged at step" in warning.value and "Lower the learning rate" in warning.value
    assert "Diverged at step 5: f became infinite" in warning.value       # x_5 ≈ (2e185, −3e123): f overflows
    drawn = path(at, "SGD, γ = 1")
    expected = torch_path(himmelblau, "SGD", [-4.0, 0.0], 1.0, 4)
    assert len(drawn) == 5 and np.isfinite(drawn).all()                    # x_0 … x_4, huge values drawn clipped
    np.testing.assert_allclose(drawn[:3], expected[:3], rtol=1e-6)
    assert at.slider(key="scrub").proto.max == 4


def test_start_where_f_is_undefined_warns_and_draws_no_path():
    at = open_page(PAGE, "log(x)+y")                                              # the default start x = −4
    assert not at.exception
    (warning,) = at.warning
    assert "Cannot start at (-4, 0)" in warning.value and "Choose another start point" in warning.value
    assert not any(t.get("name") == "Adam, γ = 0.001" for t in figures(at)["fig_map"]["data"])
    at.slider(key="sx").set_value(2.0).run()                                # a valid start: the run goes
    expected = torch_path(lambda p: torch.log(p[0]) + p[1], "Adam", [2.0, 0.0], 1e-3, 1000)
    assert not at.warning and metric(at, "final point") == fmt(expected[-1])


def test_one_variable_draws_the_curve_with_the_path():
    at = open_page(PAGE, "x^3-3x")
    at.slider(key="sx").set_value(2.5).run()
    assert not at.exception and not at.warning
    assert set(figures(at)) == {"fig_map", "fig_coords", "fig_loss", "fig_step"}
    expected = torch_path(lambda p: p[0] ** 3 - 3 * p[0], "Adam", [2.5], 1e-3, 1000)
    drawn = trace(figures(at)["fig_map"], "Adam, γ = 0.001")
    np.testing.assert_allclose(array(drawn["x"])[[0, -1]], expected[[0, -1], 0], rtol=1e-6)
    np.testing.assert_allclose(array(drawn["y"])[-1], expected[-1, 0] ** 3 - 3 * expected[-1, 0], rtol=1e-5)
    assert metric(at, "final point") == fmt(expected[-1])


def test_three_variables_draw_a_slice_in_the_chosen_plane():
    at = open_page(PAGE, "x^2+2y^2+3z^2")
    at.slider(key="sz").set_value(2.0).run()
    at.selectbox(key="ax_v").set_value("z").run()
    assert not at.exception and not at.warning
    figs = figures(at)
    assert set(figs) == {"fig_map", "fig_coords", "fig_loss", "fig_step"}
    expected = torch_path(lambda p: p[0] ** 2 + 2 * p[1] ** 2 + 3 * p[2] ** 2, "Adam", [-4.0, 0.0, 2.0], 1e-3, 1000)
    np.testing.assert_allclose(path(at, "Adam, γ = 0.001")[-1], expected[-1, [0, 2]], rtol=1e-6)
    assert figs["fig_map"]["layout"]["yaxis"]["title"]["text"] == "z"
    assert "Slice through the end (y = " in figs["fig_map"]["layout"]["title"]["text"]
    assert metric(at, "final point") == fmt(expected[-1])


# ---------------------------------------------------------------- the code reproduces the log

LINE = re.compile(r"step\s+(\d+)\s+x = \[([^\]]*)\]\s+f = (\S+)")


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_the_pytorch_code_prints_the_log(dtype):
    at = open_page(PAGE)
    at.number_input(key="steps").set_value(200).run()
    at.button_group(key="dtype").set_value(dtype).run()
    script = at.code[0].value
    assert f"dtype=torch.{dtype}" in script
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == at.code[1].value.splitlines()          # every line, as text
    printed = [(int(m[1]), [float(v) for v in m[2].split(",")], float(m[3])) for m in LINE.finditer(out.stdout)]
    log = at.dataframe[-1].value
    assert [row[0] for row in printed] == list(log["step"])
    assert [row[1] for row in printed] == log[["x", "y"]].to_numpy().tolist()
    assert [row[2] for row in printed] == log["f"].tolist()


@pytest.mark.parametrize(("url_text", "clean"), [("x\n+y", "x +y"), ("x\n-1", "x -1")], ids=["newline-plus-y", "newline-minus-1"])
def test_a_newline_in_the_url_never_reaches_the_script(url_text, clean):
    """/Gradient_descent?f=x%0A%2By: the formula box holds one line, and the script quotes it in its first line only."""
    at = open_page(PAGE, formula=url_text)
    assert at.text_input(key="f").value == clean
    script = at.code[0].value
    assert script.splitlines()[0].endswith(f"typed as {clean!r}")
    assert [line for line in script.splitlines() if line.strip() in ("+y", "-1")] == []
    compile(script, "gradient_descent.py", "exec")

def test_rerun_time_and_payload_at_defaults():
    at = open_page(PAGE)
    wall, cpu = [], []
    for i in range(10):
        c0, t0 = time.process_time(), time.perf_counter()
        at.slider(key="sy").set_value(round(0.1 * (i + 1), 2)).run()     # a new start each time: a fresh run
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    assert not at.exception
    payload = sum(figure_sizes(at).values())
    print(f"\nGradient descent page rerun at defaults (1,000 steps): median {statistics.median(wall) * 1000:.0f} ms wall, "
          f"{statistics.median(cpu) * 1000:.0f} ms CPU (of 10); figures {payload / 1e6:.3f} MB")
    assert payload < 1.5e6
    assert statistics.median(wall) < 1.0            # generous guard on a shared machine; the goal is 0.3 s
