"""The lecture's outline: its sections in order, each a scene (a page and the URL that prepares it), and the one
section-numbering convention of every page ("Lecture § 1, 4"), derived from the outline so it cannot drift."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from ui.i18n import N_, _, translated
from ui.url import SCENE

HIMMELBLAU = "(x^2+y-11)^2+(x+y^2-7)^2"


@dataclass(frozen=True)
class Scene:
    """One section of the lecture: its number and title, the page that shows it, the URL that prepares the view."""

    number: int
    title: str
    page: str
    query: dict[str, str]
    shows: str


OUTLINE = (
    Scene(1, N_("The directional derivative and the hiker"), "pages/1_Directional_derivative.py",
          {"f": HIMMELBLAU, "px": "1", "py": "1", "theta": "40"},
          N_("A hiker at P = (1, 1) on Himmelblau's mountain: the slope D_u f of each way to look; θ = 40° is nearly the "
          "steepest way down (−∇f points at 39.6°).")),
    Scene(2, N_("Partial derivatives and the gradient"), "pages/2_Gradient.py",
          {"f": "x^2+3y^2", "xr": "-3,3", "yr": "-3,3", "px": "1", "py": "1"},
          N_("∂f/∂x and ∂f/∂y of x² + 3y² as slopes along the axes, collected into ∇f = (2, 6) at (1, 1).")),
    Scene(3, N_("Second-order partial derivatives"), "pages/2_Gradient.py",
          {"f": "x^3 y^2+sin(x y)", "xr": "-2,2", "yr": "-2,2", "px": "1", "py": "0.5"},
          N_("f_xx, f_xy, f_yx, f_yy of x³y² + sin(xy), and f_xy = f_yx checked at P.")),
    Scene(4, N_("The gradient as the direction of steepest ascent"), "pages/1_Directional_derivative.py",
          {"f": "x^2+y^2", "xr": "-3,3", "yr": "-3,3", "px": "1", "py": "1", "theta": "45"},
          N_("On the bowl x² + y² at (1, 1), θ = 45° points along ∇f: D_u f equals |∇f| = 2√2, its largest value.")),
    Scene(5, N_("Autograd: y.backward() fills x.grad"), "pages/3_Autograd.py",
          {"f": "2(x1^2+x2^2+x3^2+x4^2)", "xr": "-3,3", "yr": "-3,3", "px1": "0", "px2": "1", "px3": "2", "px4": "3",
           "ag_tab": "Vector input"},
          N_("The lecture's x = arange(4.0), y = 2 x·x: x.grad = 4x = (0, 4, 8, 12).")),
    Scene(6, N_("Gradient descent and the worked example"), "pages/4_Gradient_descent.py",
          {"f": HIMMELBLAU, "opt": "Adam", "lr": "0.001", "steps": "20000", "sx": "-4", "sy": "0"},
          N_("torch.optim.Adam([x], lr=1e-3) on Himmelblau from (−4, 0) for 20,000 steps, as in the lecture.")),
    Scene(7, N_("Mini-batch gradient descent"), "pages/5_Mini-batch.py", {"mb_bs": "16", "mb_lr": "0.05"},
          N_("Full batch, B = 16 and B = 1 from the same start: cost per example and gradient noise.")),
    Scene(8, N_("Minima, saddle points and the three levers"), "pages/6_Landscape.py",
          {"f": HIMMELBLAU, "ls_tab": "③ Momentum"},
          N_("Critical points and basins of Himmelblau; start point, learning rate and momentum decide where descent ends.")),
)


def sections_of(page: str) -> list[Scene]:
    """The outline's sections that `page` (a path such as pages/2_Gradient.py, or __file__) shows."""
    name = Path(page).name
    return [s for s in OUTLINE if Path(s.page).name == name]


def section_label(page: str) -> str:
    """'Lecture § 1, 4': the numbers of the outline's sections this page shows (the one convention of every page)."""
    return _("Lecture § {numbers}", numbers=", ".join(str(s.number) for s in sections_of(page)))


def show_section_label(page: str) -> None:
    """The page's place in the lecture, above its title."""
    st.caption(" · ".join([section_label(page), *(translated(s.title) for s in sections_of(page))]))


def scene_link(scene: Scene) -> dict[str, str]:
    """The query string of a scene's link: its values, and ?scene=N so that every other setting opens at its default."""
    return {**scene.query, SCENE: str(scene.number)}


def show_outline() -> None:
    """The lecture's sections in order, each a link that opens its page in the prepared scene."""
    st.subheader(_("The lecture, section by section"))
    for scene in OUTLINE:
        st.page_link(scene.page, label=_("§ {number} · {title}", number=scene.number, title=translated(scene.title)),
                     query_params=scene_link(scene), icon=":material/play_circle:")
        st.caption(translated(scene.shows))
