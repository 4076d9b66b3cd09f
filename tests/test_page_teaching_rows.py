"""AppTest of issue 19's teaching rows on the Directional derivative, Gradient and Landscape pages.

Expected numbers come from sympy derivatives, torch.optim and numpy eigensolvers here, not from gradcore.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
import torch
from pagetest import array, figures, metric, open_page, trace

pytestmark = pytest.mark.usefixtures("clean_caches")

X, Y = sp.symbols("x y", real=True)
HIMMELBLAU = (X**2 + Y - 11) ** 2 + (X + Y**2 - 7) ** 2


def grad_at(p) -> np.ndarray:
    return np.array([float(sp.diff(HIMMELBLAU, v).subs({X: p[0], Y: p[1]})) for v in (X, Y)])


def f_at(p) -> float:
    return float(HIMMELBLAU.subs({X: p[0], Y: p[1]}))


# ---------------------------------------------------------------- Directional derivative

def test_theta_buttons_turn_u_to_plus_and_minus_the_gradient_and_theta_takes_tenths():
    at = open_page("pages/1_Directional_derivative.py")
    g = grad_at((1, 1))                                            # (−46, −38)
    phi = math.degrees(math.atan2(g[1], g[0])) % 360               # 219.56°
    at.button(key="th_up").click().run()
    assert at.slider(key="theta").value == pytest.approx(round(phi, 1))
    assert float(metric(at, "D_u f (sympy)")) == pytest.approx(math.hypot(*g), rel=1e-6)     # cos(0.04°) ≈ 1 − 2e-7
    at.button(key="th_down").click().run()
    assert at.slider(key="theta").value == pytest.approx(round(phi + 180, 1) % 360)
    assert float(metric(at, "D_u f (sympy)")) == pytest.approx(-math.hypot(*g), rel=1e-6)
    at.slider(key="theta").set_value(30.5).run()
    t = math.radians(30.5)
    assert float(metric(at, "D_u f (sympy)")) == pytest.approx(g[0] * math.cos(t) + g[1] * math.sin(t), rel=1e-5)


def test_hiker_derivation_and_trail_of_downhill_steps():
    at = open_page("pages/1_Directional_derivative.py")
    g = grad_at((1, 1))
    d = g[0] * math.cos(math.radians(30)) + g[1] * math.sin(math.radians(30))          # −58.8372
    hiker = trace(figures(at)["fig_surface"], "hiker")
    assert hiker["text"][0] == f"hiker: D_u f = {d:+.4g} (downhill)"
    assert (hiker["x"][0], hiker["y"][0], hiker["z"][0]) == (1.0, 1.0, 106.0)
    assert any(f"D_u f = {d:.6g}**: she descends" in m.value for m in at.markdown)
    assert any(f"descent speed = −D_u f = {-d:.6g}" in c.value for c in at.caption)
    derivation = [el.value for el in at.latex if "g(t) &= f(P + t u)" in el.value]
    assert len(derivation) == 1 and f"= {d:.10g}" in derivation[0] and "(-46)(0.866)" in derivation[0]

    trail = [np.array([1.0, 1.0])]
    for _ in range(2):
        at.button(key="step").click().run()
        trail.append(trail[-1] - 0.01 * grad_at(trail[-1]))                                # P ← P − η∇f(P)
    level = trace(figures(at)["fig_level"], "trail of 2 steps")
    np.testing.assert_allclose(np.c_[array(level["x"]), array(level["y"])], trail, rtol=1e-12)
    assert level["text"] == [f"f = {f_at(p):.4g}" for p in trail]
    surface = trace(figures(at)["fig_surface"], "trail of 2 steps")
    np.testing.assert_allclose(array(surface["z"]), [f_at(p) for p in trail], rtol=1e-9)
    at.slider(key="px").set_value(2.0).run()                                               # P moved by hand: no trail
    assert not [t for t in figures(at)["fig_level"]["data"] if str(t.get("name", "")).startswith("trail")]


def test_trail_of_downhill_steps_in_three_variables_is_projected_onto_the_plane_of_u():
    x, y, z = sp.symbols("x y z", real=True)
    f = sp.exp(x / 3) + 2 * y**2 + 3 * z**2 + x * z                  # every step moves all three coordinates
    grad = [sp.lambdify((x, y, z), sp.diff(f, v)) for v in (x, y, z)]
    at = open_page("pages/1_Directional_derivative.py", "exp(x/3)+2y^2+3z^2+x*z", ax_h="x", ax_v="z")
    trail = [np.array([1.0, 1.0, 1.0])]
    for _ in range(3):
        at.button(key="step").click().run()
        trail.append(trail[-1] - 0.01 * np.array([g(*trail[-1]) for g in grad]))      # P ← P − η∇f(P)
    values = [float(f.subs(dict(zip((x, y, z), p, strict=True)))) for p in trail]
    level = trace(figures(at)["fig_level"], "trail of 3 steps")
    np.testing.assert_allclose(np.c_[array(level["x"]), array(level["y"])], np.array(trail)[:, [0, 2]], rtol=1e-12)
    assert level["text"] == [f"f = {v:.4g}" for v in values]
    surface = trace(figures(at)["fig_surface"], "trail of 3 steps")
    np.testing.assert_allclose(np.c_[array(surface["x"]), array(surface["y"])], np.array(trail)[:, [0, 2]], rtol=1e-12)
    np.testing.assert_allclose(array(surface["z"]), values, rtol=1e-9)
    assert any("projected onto the plane of x and z" in c.value for c in at.caption)
    assert values[-1] < values[0]


# ---------------------------------------------------------------- Gradient

def test_gradient_table_and_the_counterexample_with_mixed_partials_minus_one_and_one():
    at = open_page("pages/2_Gradient.py")
    table = next(m.value for m in at.markdown if "| **gradient** |" in m.value)
    assert "∇f(P) = (-46, -38)" in table and "g′ = -46" in table and "a vector of 2 partials" in table
    at.toggle(key="gr_cx").set_value(True).run()
    (warning,) = [w.value for w in at.warning if "Schwarz" in w.value]
    assert warning.startswith("f_xy(0, 0) = -1 but f_yx(0, 0) = 1.")
    quotients = at.dataframe[-1].value
    assert [float(v) for v in quotients["(f_x(0,k) − f_x(0,0)) / k"]] == pytest.approx([-1.0] * 5, abs=1e-7)
    assert [float(v) for v in quotients["(f_y(k,0) − f_y(0,0)) / k"]] == pytest.approx([1.0] * 5, abs=1e-7)
    assert any(r"\lim_{x \to 0} f_{xy}(x, 0) = 1" in el.value and r"f_{xy}(0, y) = -1" in el.value for el in at.latex)


# ---------------------------------------------------------------- Landscape

def test_saddle_cuts_and_phase_diagram_against_eigenvalues_and_torch_sgd():
    at = open_page("pages/6_Landscape.py", ls_tab="③ Momentum")     # the phase diagram is in the momentum lever's tab
    figs = figures(at)
    along_x = trace(figs["ls_fig_saddle_curves"], "along (1, 0): a minimum")
    along_y = trace(figs["ls_fig_saddle_curves"], "along (0, 1): a maximum")
    np.testing.assert_allclose(array(along_x["y"]), array(along_x["x"]) ** 2, atol=1e-12)     # f(t, 0) = t²
    np.testing.assert_allclose(array(along_y["y"]), -array(along_y["x"]) ** 2, atol=1e-12)    # f(0, t) = −t²
    assert any(r"\lambda = -2, 2" in el.value for el in at.latex)

    hessian = np.array([[float(sp.diff(HIMMELBLAU, a, b).subs({X: 3, Y: 2})) for b in (X, Y)] for a in (X, Y)])
    lam_max = float(np.linalg.eigvalsh(hessian).max())             # minimum A = (3, 2), the nearest to P = (1, 1)
    heat = figs["ls_fig_rate"]["data"][0]
    lrs, mus, rates = array(heat["x"]), array(heat["y"]), array(heat["z"])
    for j, i in ((0, 0), (20, 30), (40, 70), (len(mus) - 1, 5), (len(mus) - 1, len(lrs) - 1)):
        m = np.array([[1 + mus[j] - lrs[i] * lam_max / 10, 0, -mus[j], 0], [0, 1 + mus[j] - lrs[i] * lam_max, 0, -mus[j]],
                      [1, 0, 0, 0], [0, 1, 0, 0]])
        rho = max(abs(np.linalg.eigvals(m)))
        assert rates[j, i] == pytest.approx(rho, rel=1e-6) if rho < 1 else np.isnan(rates[j, i])

    lr, mu = 0.004, 0.8                                            # a click on the map: this setting runs on f from P
    at.session_state["_pd_pick"] = (10.0, lam_max, lr, mu)
    at.run()
    assert metric(at, "your setting") == "lr 0.004, μ 0.8"
    w = torch.tensor([1.0, 1.0], dtype=torch.float64, requires_grad=True)
    opt, path = torch.optim.SGD([w], lr=lr, momentum=mu), [[1.0, 1.0]]
    for _ in range(200):
        opt.zero_grad()
        ((w[0] ** 2 + w[1] - 11) ** 2 + (w[0] + w[1] ** 2 - 7) ** 2).backward()
        opt.step()
        path.append(w.detach().tolist())
    run = trace(figures(at)["ls_fig_rate_run"], "heavy ball")
    np.testing.assert_allclose(np.c_[array(run["x"]), array(run["y"])], path, rtol=1e-9, atol=1e-12)

