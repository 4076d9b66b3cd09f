"""The whole view in the URL (ui/url.py), on every page: a link reproduces what setting the widgets by hand shows and
the widgets write that same link; a hostile or stale value falls back alone, with a sentence; reset restores the
page's defaults and empties the URL.

Each page test opens the page twice: once from a link, once at its defaults where the widgets are then set by hand and
reset. The defaults' metrics, read before anything is moved, are the oracle for the reset; where a number has a textbook
value (Himmelblau's f and partials, torch.optim's own SGD loop) it is checked against that too.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from pagetest import metric, metrics, open_page
from streamlit.testing.v1 import AppTest

pytestmark = pytest.mark.usefixtures("clean_caches")

NOTE = "could not be used"


def notes(at: AppTest) -> str:
    """The page's sentences about values of its link that could not be used."""
    return "\n".join(w.value for w in at.warning if NOTE in w.value)


def same_view(page: str, query: dict[str, str], by_hand: Callable[[AppTest], None]) -> tuple[AppTest, AppTest]:
    """Open `page` from a link and at its defaults; set the widgets by hand; both show the same metrics and URL.

    Then reset the hand-set one: it shows its defaults again and the URL is bare."""
    linked, hand = open_page(page, **query), open_page(page)
    defaults = metrics(hand)
    by_hand(hand)
    assert not notes(linked)
    assert metrics(linked) == metrics(hand)
    assert linked.query_params == query          # the link keeps every value it gave
    assert hand.query_params == query            # and moving the widgets writes that same link
    hand.button(key="url_reset").click().run()
    assert metrics(hand) == defaults
    assert hand.query_params == {}
    return linked, hand


def test_home_point_from_the_link():
    """Home has no point sliders (the by-hand half is test_page_gradient_home_moved's): the link's P, then reset."""
    linked = open_page("app.py", px="3", py="2")
    assert not notes(linked)
    assert metric(linked, "f(P)") == "0"                     # Himmelblau's minimum (3, 2)
    assert linked.query_params == {"px": "3", "py": "2"}
    linked.button(key="url_reset").click().run()
    assert metric(linked, "f(P)") == "106"                   # (1+1−11)² + (1+1−7)² at the default P = (1, 1)
    assert linked.query_params == {}


def test_directional_point_angle_and_step_size_from_the_link():
    def by_hand(at):
        at.slider(key="px").set_value(2.0)
        at.slider(key="py").set_value(0.5)
        at.slider(key="theta").set_value(90)
        at.number_input(key="eta").set_value(0.05).run()
    linked, _ = same_view("pages/1_Directional_derivative.py", {"px": "2", "py": "0.5", "theta": "90", "eta": "0.05"},
                          by_hand)
    # θ = 90°: D_u f = ∂f/∂y = 2(x²+y−11) + 4y(x+y²−7) = −13 − 9.5 at (2, 0.5)
    assert metric(linked, "D_u f (sympy)") == "-22.5"


def test_gradient_point_from_the_link():
    def by_hand(at):
        at.slider(key="px").set_value(2.0)
        at.slider(key="py").set_value(0.5).run()
    linked, hand = same_view("pages/2_Gradient.py", {"px": "2", "py": "0.5"}, by_hand)
    assert metric(linked, "∂f/∂y at P") == "-22.5"
    assert (metric(hand, "∂f/∂x at P"), metric(hand, "∂f/∂y at P")) == ("-46", "-38")   # at (1, 1)


def test_autograd_step_accumulation_and_tab_from_the_link():
    query = {"px": "2", "py": "0.5", "ag_step": "1", "ag_calls": "3", "ag_zero": "1", "ag_tab": "Accumulation"}

    def by_hand(at):
        at.slider(key="px").set_value(2.0)
        at.slider(key="py").set_value(0.5).run()
        at.slider(key="ag_step").set_value(1)
        at.slider(key="ag_calls").set_value(3)
        at.checkbox(key="ag_zero").check()
        at.session_state["ag_tab"] = "Accumulation"          # the tab's key holds its label, as a click sets it
        at.run()
    linked, _ = same_view("pages/3_Autograd.py", query, by_hand)
    assert metric(linked, "x.grad") == "?"                  # step 1 of the backward pass: not finished
    assert linked.session_state["ag_tab"] == "Accumulation"
    (calls,) = [d.value for d in linked.dataframe if "after call" in d.value.columns]
    assert calls["after call"].tolist() == [1, 2, 3]


def torch_sgd(x0, lr: float, steps: int, scheduler=None):
    """The plain torch.optim.SGD loop on Himmelblau, float64 (with scheduler(opt) stepped after each step): where it ends."""
    p = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr)
    sched = scheduler(opt) if scheduler else None
    for _ in range(steps):
        opt.zero_grad()
        ((p[0] ** 2 + p[1] - 11) ** 2 + (p[0] + p[1] ** 2 - 7) ** 2).backward()
        opt.step()
        if sched:
            sched.step()
    return p.detach().tolist()


def test_descent_optimizer_lr_steps_and_start_from_the_link():
    query = {"opt": "SGD", "lr": "0.005", "steps": "200", "sx": "1", "sy": "-1"}

    def by_hand(at):
        at.selectbox(key="opt").set_value("SGD").run()
        at.number_input(key="lr").set_value(0.005)
        at.number_input(key="steps").set_value(200)
        at.slider(key="sx").set_value(1.0)
        at.slider(key="sy").set_value(-1.0).run()
    linked, _ = same_view("pages/4_Gradient_descent.py", query, by_hand)
    end = torch_sgd([1.0, -1.0], 0.005, 200)
    assert metric(linked, "final point") == "(" + ", ".join(f"{v:.4f}" for v in end) + ")"


def test_descent_schedule_and_racer_settings_from_the_link():
    query = {"opt": "SGD", "lr": "0.005", "steps": "200", "sched": "StepLR", "sched_step": "20", "sched_gamma": "0.3"}

    def by_hand(at):
        at.selectbox(key="opt").set_value("SGD").run()
        at.number_input(key="lr").set_value(0.005)
        at.number_input(key="steps").set_value(200).run()
        at.selectbox(key="sched").set_value("StepLR").run()
        at.number_input(key="sched_step").set_value(20)
        at.number_input(key="sched_gamma").set_value(0.3).run()
    linked, _ = same_view("pages/4_Gradient_descent.py", query, by_hand)
    end = torch_sgd([-4.0, 0.0], 0.005, 200, lambda o: torch.optim.lr_scheduler.StepLR(o, 20, gamma=0.3))
    assert metric(linked, "final point") == "(" + ", ".join(f"{v:.4f}" for v in end) + ")"
    bad = open_page("pages/4_Gradient_descent.py", sched="Bogus", sched_gamma="7", opt="SGD")
    assert "**sched** = `Bogus` cannot be used" in notes(bad) and "**sched_gamma** = `7` cannot be used" in notes(bad)
    assert (bad.session_state["sched"], bad.session_state["opt"]) == ("constant", "SGD")     # the rest is kept


def test_minibatch_training_settings_from_the_link():
    query = {"mb_bs": "32", "mb_lr": "0.1", "mb_opt": "Adam", "mb_ep": "10"}

    def by_hand(at):
        at.select_slider(key="mb_bs").set_value(32)
        at.select_slider(key="mb_lr").set_value(0.1)
        at.selectbox(key="mb_opt").set_value("Adam")
        at.slider(key="mb_ep").set_value(10).run()
    linked, _ = same_view("pages/5_Mini-batch.py", query, by_hand)
    assert not linked.sidebar.text_input and not linked.sidebar.slider   # no formula box, no ranges: unused here


def test_landscape_levers_from_the_link():
    query = {"ls_steps": "100", "ls_res": "50", "lm_mu": "0.5", "sd_eps": "1e-09", "ls_tab": "② Learning rate"}

    def by_hand(at):
        at.session_state["ls_tab"] = "③ Momentum"          # only the open lever's tab draws its controls
        at.run()
        at.select_slider(key="ls_steps").set_value(100)
        at.select_slider(key="ls_res").set_value(50)
        at.slider(key="lm_mu").set_value(0.5)
        at.select_slider(key="sd_eps").set_value(1e-9)
        at.session_state["ls_tab"] = "② Learning rate"
        at.run()
    linked, _ = same_view("pages/6_Landscape.py", query, by_hand)
    assert linked.session_state["ls_tab"] == "② Learning rate"


def test_teaching_rows_settings_from_the_link():
    """Momentum's phase diagram (κ) and the f_xy ≠ f_yx counterexample are part of their pages' view."""
    linked = open_page("pages/6_Landscape.py", pd_kappa="50", ls_tab="③ Momentum")
    assert not notes(linked) and linked.session_state["pd_kappa"] == 50.0
    assert linked.query_params["pd_kappa"] == "50"
    shown = open_page("pages/2_Gradient.py", gr_cx="1")
    assert not notes(shown) and shown.toggle(key="gr_cx").value is True
    assert shown.query_params["gr_cx"] == "1"


def test_every_hostile_value_falls_back_alone_with_its_sentence():
    at = open_page("pages/4_Gradient_descent.py", formula="x^2 + (y", lr="1e308", steps="-5", opt="Bogus", zzz="1",
                   sx="9" * 10_000, sy="2", dtype="float32")
    said = notes(at)
    for sentence in ("**lr** = `1e308` cannot be used: it must lie between 1e-05 and 100",
                     "**steps** = `-5` cannot be used: it must lie between 1 and 50,000",
                     "**opt** = `Bogus` cannot be used: it must be one of SGD",
                     "**zzz** is not a setting of this page: ignored",
                     "**sx** = `9999999999", "cannot be used: it is longer than 400 characters"):
        assert sentence in said, said
    assert "This formula cannot be used" in at.error[0].value          # the box keeps the text and says why
    state = at.session_state
    assert (state["opt"], state["lr"], state["steps"], state["sx"]) == ("Adam", 1e-3, 1000, -4.0)   # the defaults
    assert (state["sy"], state["dtype"]) == (2.0, "float32")                                       # kept: nothing else lost
    assert {"lr", "steps", "opt", "zzz", "sx"}.isdisjoint(at.query_params)
    assert at.query_params["sy"] == "2"


def test_a_10000_character_formula_falls_back_to_the_default_and_keeps_the_point():
    at = open_page("app.py", formula="x+" * 5_000, px="3", py="2")
    assert "**f** = `x+x+" in notes(at) and "(10,000 characters) cannot be used: it is longer than 400" in notes(at)
    assert metric(at, "f(P)") == "0"
    assert "f" not in at.query_params


SCENE_NUMBERS = {   # outline section -> metrics its scene must show (worked by hand)
    2: {"∂f/∂x at P": "2", "∂f/∂y at P": "6"},                       # ∇(x² + 3y²) at (1, 1) = (2x, 6y)
    4: {"φ, direction of ∇f": "45.0°", "D_u f (sympy)": "2.82843",      # u along ∇f = (2, 2): D_u f = |∇f| = 2√2
        "|∇f(P)|": "2.82843"},
}


@pytest.mark.parametrize("number", sorted(SCENE_NUMBERS))
def test_an_outline_scene_opens_its_page_prepared(number):
    from ui.outline import OUTLINE

    (scene,) = [s for s in OUTLINE if s.number == number]
    at = open_page(scene.page, **scene.query)
    assert not notes(at) and not at.error
    assert {k: metric(at, k) for k in SCENE_NUMBERS[number]} == SCENE_NUMBERS[number]
    assert f"Lecture § {', '.join(str(s.number) for s in OUTLINE if s.page == scene.page)}" in at.caption[0].value


def test_every_outline_scene_is_a_link_on_the_home_page():
    from ui.outline import OUTLINE

    at = open_page("app.py")
    links = [(p.proto.label, p.proto.page) for p in at.get("page_link")]
    assert [label for label, _ in links if label.startswith("§")] == [f"§ {s.number} · {s.title}" for s in OUTLINE]


def test_a_page_switch_keeps_each_page_view_and_writes_it_back_to_the_url():
    at = open_page("pages/4_Gradient_descent.py", opt="SGD", lr="0.005", steps="200")
    for page in ("pages/1_Directional_derivative.py", "pages/4_Gradient_descent.py"):
        at.query_params.clear()                   # a page link opens the other page with a bare URL, as the browser does
        at.switch_page(page).run()
        assert not notes(at) and not at.exception
    assert (at.session_state["opt"], at.session_state["lr"], at.session_state["steps"]) == ("SGD", 0.005, 200)
    assert at.query_params == {"opt": "SGD", "lr": "0.005", "steps": "200"}


def test_a_presenter_link_keeps_present_in_the_url_without_a_note():
    """?present=1 opens the presenter view and stays in the link (it is every page's, like ?lang=)."""
    at = open_page("pages/2_Gradient.py", present="1", px="2")
    assert not notes(at)
    assert at.query_params.get("present") == "1" and at.query_params.get("px") == "2"
    assert at.button(key="present_off")         # the presenter view's way out is drawn


def _play_directional(at: AppTest) -> None:
    at.number_input(key="eta").set_value(0.5)           # the step size of "take a step along u"
    at.slider(key="theta").set_value(200.0)
    at.slider(key="px").set_value(-2.0).run()


def _play_descent(at: AppTest) -> None:
    at.selectbox(key="opt").set_value("SGD").run()
    at.number_input(key="lr").set_value(0.005)
    at.session_state["dtype"] = "float32"               # the precision's segmented control
    at.slider(key="sy").set_value(2.0).run()


def _play_minibatch(at: AppTest) -> None:
    at.selectbox(key="mb_opt").set_value("Adam")
    at.slider(key="mb_ep").set_value(5)
    at.select_slider(key="mb_bs").set_value(32).run()


# outline section -> (what a lecturer changes on that page first, session keys the scene does not name: their defaults,
# metrics the scene must show, worked by hand)
AFTER_PLAY = {
    4: (_play_directional, {"eta": 0.01}, {"D_u f (sympy)": "2.82843"}),   # u along ∇(x² + y²): 2√2
    6: (_play_descent, {"dtype": "float64", "sy": 0.0}, {"final point": "(-3.7793, -3.2832)"}),   # the lecture's Adam run
    7: (_play_minibatch, {"mb_opt": "SGD", "mb_ep": 20}, {}),
}


@pytest.mark.parametrize("number", sorted(AFTER_PLAY))
def test_a_scene_opens_exactly_its_view_after_other_settings_were_changed(number):
    """A lecturer who played with the page, then follows the scene's link, sees the scene: nothing of the play is left.

    The oracle is the scene opened in a fresh session (every value it does not name at its default) and the numbers
    worked by hand."""
    from ui.outline import OUTLINE, scene_link

    (scene,) = [s for s in OUTLINE if s.number == number]
    play, defaults, shown = AFTER_PLAY[number]
    fresh = open_page(scene.page, **scene_link(scene))
    at = open_page(scene.page)
    play(at)
    at.query_params.clear()
    at.switch_page("app.py").run()                       # back home, then the outline's link
    for key, value in scene_link(scene).items():
        at.query_params[key] = value
    at.switch_page(scene.page).run()
    assert not at.exception and not notes(at)
    assert {k: at.session_state[k] for k in defaults} == defaults
    assert {k: metric(at, k) for k in shown} == shown
    assert metrics(at) == metrics(fresh)
    assert "scene" not in at.query_params and at.query_params == fresh.query_params
    assert all(at.query_params.get(k, v) == v for k, v in scene.query.items())     # its values, defaults left out
