"""Simplified Chinese: the catalogues are complete and consistent, the code's sentences go through them, and the
translated pages render in Chinese with no missing message id.

The scan of st.* calls covers the files listed in TRANSLATED; UNTRANSLATED lists the page files whose text is still
English only (the remaining work of issue 20): every page file must be in one of the two lists.
"""

from __future__ import annotations

import ast
import pickle
import re
import string
from pathlib import Path

import pytest
from pagetest import open_page

from gradcore import FormulaError, parse
from gradcore.check import check_gradient
from gradcore.messages import Joined, Message, msg
from ui.catalogue import LANGUAGES, TEMPLATE, extract, read
from ui.i18n import MISSING, PAGE_TITLES, translator

ROOT = Path(__file__).resolve().parents[1]
TRANSLATED = ("app.py", "pages/1_Directional_derivative.py", "ui/sidebar.py", "ui/views.py", "ui/point.py", "ui/i18n.py",
              "pages/2_Gradient.py", "ui/gradient_rows.py", "pages/3_Autograd.py", "pages/4_Gradient_descent.py", "ui/race.py",
              "pages/5_Mini-batch.py", "ui/minibatch_cost.py", "pages/6_Landscape.py", "ui/landscape_rows.py")
UNTRANSLATED = ()
CJK = re.compile(r"[\u4e00-\u9fff]")
ZH = translator("zh")


def _placeholders(template: str) -> list[tuple[str, str]]:
    """The {name:spec} fields of a str.format template, sorted (a translation may reorder them)."""
    return sorted((name, spec or "") for _, name, spec, _ in string.Formatter().parse(template) if name is not None)


def test_template_is_up_to_date_with_the_code():
    in_code = {m.id for m in extract() if m.id}
    in_template = {m.id for m in read(TEMPLATE) if m.id}
    assert in_code - in_template == set(), "new sentences: run `python -m ui.catalogue` and translate them"
    assert in_template - in_code == set(), "stale sentences: run `python -m ui.catalogue`"


@pytest.mark.parametrize("locale", sorted(LANGUAGES))
def test_catalogue_has_every_key_translated_with_the_same_placeholders(locale):
    template = {m.id for m in read(TEMPLATE) if m.id}
    catalogue = {m.id: m for m in read(LANGUAGES[locale], locale) if m.id}
    assert set(catalogue) == template
    for msgid, entry in catalogue.items():
        assert entry.string and not entry.fuzzy, f"untranslated: {msgid!r}"
        assert _placeholders(entry.string) == _placeholders(msgid), msgid
        assert CJK.search(entry.string) or msgid in {"Gradient Lab"}, f"not Chinese: {entry.string!r}"


def _calls(path: Path):
    return [n for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(n, ast.Call)]


def _callee(call: ast.Call) -> str:
    return call.func.id if isinstance(call.func, ast.Name) else call.func.attr if isinstance(call.func, ast.Attribute) else ""


def _built_text(node: ast.AST | None) -> bool:
    """Text assembled at run time (an f-string, a concatenation, str.format): no catalogue can hold it."""
    if isinstance(node, ast.IfExp):
        return _built_text(node.body) or _built_text(node.orelse)
    return isinstance(node, (ast.JoinedStr, ast.BinOp)) or (isinstance(node, ast.Call) and _callee(node) == "format")


@pytest.mark.parametrize("path", sorted(p.relative_to(ROOT).as_posix() for d in ("gradcore", "ui", "pages")
                                        for p in (ROOT / d).glob("*.py")) + ["app.py"])
def test_marked_sentences_are_literals(path):
    """msg(), _() and N_() take a literal message id (extraction cannot see an f-string); gradcore's FormulaError too."""
    for call in _calls(ROOT / path):
        first = call.args[0] if call.args else None
        where = f"{path}:{call.lineno}: {_callee(call)}() needs a literal message id with named placeholders"
        if _callee(call) in ("msg", "_", "N_") and path != "ui/i18n.py":
            assert isinstance(first, ast.Constant) and isinstance(first.value, str), where
        if _callee(call) == "FormulaError" and path.startswith("gradcore"):
            assert not _built_text(first), where


ST_TEXT_CALLS = {"header", "subheader", "title", "caption", "markdown", "write", "info", "warning", "error", "success",
                 "metric", "selectbox", "slider", "radio", "button", "number_input", "text_input", "checkbox", "toggle",
                 "page_link", "set_page_config", "expander", "tabs", "download_button", "segmented_control"}
TEXT_KEYWORDS = {"label", "help", "placeholder", "page_title", "body"}
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")
NOT_ENGLISH = {"sympy", "torch", "autograd", "func", "jvp", "exp", "log", "sin", "cos", "tan", "sqrt", "abs", "max",
               "min", "relu", "style", "div", "data", "testid", "stMainBlockContainer", "stSidebarUserContent", "padding",
               "top", "rem", "material", "south", "warning", "block", "app", "pages",
               "Language",   # the language control's label is both languages: "Language · 语言"
               "grad",       # torch's x.grad
               "optim", "LBFGS"}   # torch.optim, torch.optim.LBFGS


def _english(node: ast.AST) -> list[str]:
    """English words of a literal (plain or f-string) argument; [] for anything else (a variable, a _() call)."""
    parts = [node.value] if isinstance(node, ast.Constant) and isinstance(node.value, str) else \
        [v.value for v in node.values if isinstance(v, ast.Constant)] if isinstance(node, ast.JoinedStr) else []
    return [w for text in parts for w in ENGLISH_WORD.findall(text) if w not in NOT_ENGLISH]


@pytest.mark.parametrize("path", TRANSLATED)
def test_no_english_literal_reaches_streamlit(path):
    """st.header("…"), m.metric("…", help="…") and the like take their text from _() in the translated files."""
    found = []
    for call in _calls(ROOT / path):
        if _callee(call) in ST_TEXT_CALLS:
            texts = [*call.args[:1], *(k.value for k in call.keywords if k.arg in TEXT_KEYWORDS)]
            found += [f"{path}:{call.lineno}: {words}" for node in texts if (words := _english(node))]
    assert not found, found


def test_every_page_file_is_either_translated_or_listed_as_remaining_work():
    pages = {p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("[!._]*.py")} | {"app.py"}
    assert pages == (set(TRANSLATED) | set(UNTRANSLATED)) & pages
    assert not set(TRANSLATED) & set(UNTRANSLATED)
    from ui.sidebar import page_label
    assert {page_label(ROOT / p) for p in pages if p.startswith("pages/")} <= set(PAGE_TITLES)


# ---------------------------------------------------------------- gradcore's sentences, translated by the UI

@pytest.mark.parametrize("text, chinese", [
    ("x＝1", "不允许使用字符 '＝'（读作 '='）：公式是一个表达式"),     # a full-width = from a Chinese keyboard
    ("x^2。", "这个句号不是小数点"),
    ("max(x，y)+1, 2", "逗号只用于分隔 max(…) 和 min(…) 的参数"),
    ("Sin(x)", "未知名称 'Sin'：名称都是小写，请写 'sin'。"),
    ("(x+1", "这个 '(' 没有闭合：请添加 ')'。（第 1 列）"),
    ("sqrt(x, y)", "sqrt() 只接受一个参数，而不是 2 个。"),
    ("2 3", "两个数连在一起（2 3）：请在它们之间加一个运算符。"),
])
def test_formula_errors_render_in_chinese(text, chinese):
    with pytest.raises(FormulaError) as caught:
        parse(text)
    assert chinese in caught.value.sentence.render(ZH)
    assert not CJK.search(str(caught.value))            # the English sentence is still str(err)


def test_full_width_input_is_read_as_ascii():
    assert parse("（x＋１）＊y－２").expr == parse("(x+1)*y-2").expr


def test_formula_error_keeps_its_message_across_processes():
    err = pickle.loads(pickle.dumps(FormulaError(msg("Write {name}(…) with parentheses, e.g. {name}(x).", name="sin"), 3)))
    assert err.sentence.render(ZH) == "请用括号写 sin(…)，例如 sin(x)。（第 4 列）"
    assert str(err) == "Write sin(…) with parentheses, e.g. sin(x). (at column 4)"


def test_check_explanations_and_kinks_render_in_chinese():
    check = check_gradient(parse("abs(x) + y^2"), [0.0, 1.0])
    text = Message.render(check.explanation, ZH)
    assert text.startswith("f 在这一点不可微，所以三个答案可以合理地不同。abs(x) 正处于折点（x = 0）")
    assert check_gradient(parse("x^2 + y^2"), [1.0, 2.0]).explanation.render(ZH) == \
        "sympy、torch 自动求导和有限差分在舍入误差范围内一致。"


def test_reading_notes_keep_their_english_and_translate():
    (note,) = parse("x2 + y").notes
    assert note == "x2 is the variable x₂, not a product with a number: type 2x or x*2 for that."
    assert note.render(ZH) == "x2 是变量 x₂，不是与数字的乘积：乘积请输入 2x 或 x*2。"
    assert isinstance(note, Message) and Joined(["a", note]).render(ZH).endswith("2x 或 x*2。")


# ---------------------------------------------------------------- the pages (AppTest)

def _visible_text(at) -> list[str]:
    kinds = ("header", "subheader", "caption", "markdown", "info", "warning", "error", "success")
    texts = [str(e.value) for kind in kinds for e in at.get(kind)
             if not re.fullmatch(r"\s*(<style>.*</style>|<link [^>]*>\s*)+", str(e.value), re.S)]   # page CSS, preload: not text
    return texts + [m.label for m in at.metric] + [w.label for kind in ("slider", "selectbox", "number_input", "button")
                                                    for w in at.get(kind) if w.label]


@pytest.mark.parametrize("page, title", [("app.py", "∇ 梯度实验室"),
                                         ("pages/1_Directional_derivative.py", "方向导数：我看的方向有多陡？"),
                                         ("pages/2_Gradient.py", "梯度与偏导数"),
                                         ("pages/3_Autograd.py", "自动求导"),
                                         ("pages/4_Gradient_descent.py", "梯度下降：用 torch.optim 沿 −∇f 前进"),
                                         ("pages/5_Mini-batch.py", "小批量随机梯度下降"),
                                         ("pages/6_Landscape.py", "地形：梯度下降最终停在哪里？")])
def test_translated_pages_render_in_chinese(clean_caches, page, title):
    MISSING.clear()
    at = open_page(page, lang="zh")
    assert (at.header or at.title)[0].value == title
    assert not MISSING, sorted(MISSING)
    english = _english_left(_visible_text(at))
    assert not english, english
    labels = [link.label for link in at.sidebar.get("page_link")]
    assert labels[:2] == ["首页：f 及其梯度", "方向导数"]


def _english_left(texts: list[str]) -> list[str]:
    """The texts with English words left (code in backticks and $math$ aside)."""
    return [t for t in texts if not CJK.search(t) and ENGLISH_WORD.search(re.sub(r"`[^`]*`|\$[^$]*\$", "", t))
            and not set(ENGLISH_WORD.findall(t)) <= NOT_ENGLISH | {"exactly"}]


def _chart_words(figure: dict) -> list[str]:
    """A figure's visible labels: title, axis titles, legend names."""
    layout = figure.get("layout", {})
    axes = [v.get("title", {}) for k, v in layout.items() if k.startswith(("xaxis", "yaxis")) and isinstance(v, dict)]
    titles = [layout.get("title", {}), *axes]
    names = [t.get("name") for t in figure.get("data", []) if t.get("showlegend", True) is not False]
    return [t.get("text", "") if isinstance(t, dict) else str(t) for t in titles] + [str(n) for n in names if n]


LABELS_NOT_ENGLISH = NOT_ENGLISH | {"lr", "SGD", "Adam", "log", "max"}     # torch.optim's names, math


@pytest.mark.parametrize("page, query", [("pages/5_Mini-batch.py", {"mb_decay": "1"}),
                                          ("pages/6_Landscape.py", {"ls_tab": "② Learning rate"}),
                                          ("pages/6_Landscape.py", {"ls_tab": "③ Momentum"})])
def test_minibatch_and_landscape_charts_and_tabs_in_chinese(clean_caches, page, query):
    """Every lever's tab and every chart's title, axis titles and legend of the Mini-batch and Landscape pages."""
    from pagetest import figures

    MISSING.clear()
    at = open_page(page, lang="zh", **{k: v for k, v in query.items() if k != "mb_decay"})
    if "mb_decay" in query:
        at.toggle(key="mb_decay").set_value(True).run()
    assert not at.exception and not MISSING, sorted(MISSING)
    assert not _english_left(_visible_text(at) + [t.label for t in at.tabs])
    words = [w for fig in figures(at).values() for w in _chart_words(fig)]
    english = [w for w in words if w and not CJK.search(w) and set(ENGLISH_WORD.findall(w)) - LABELS_NOT_ENGLISH]
    assert not english, english
    if page.endswith("Landscape.py"):
        assert [t.label for t in at.tabs] == ["① 初始点", "② 学习率", "③ 动量"]
        assert at.query_params["ls_tab"] == query["ls_tab"]              # the link keeps the English tab name


def test_language_control_switches_and_is_kept_across_pages(clean_caches):
    at = open_page("app.py")
    assert at.header[0].value.startswith("∇ Gradient Lab")
    at.radio(key="lang").set_value("zh").run()
    assert at.header[0].value.startswith("∇ 梯度实验室") and at.query_params["lang"] == "zh"
    at.switch_page("pages/1_Directional_derivative.py").run()
    assert at.header[0].value == "方向导数：我看的方向有多陡？"
    at.radio(key="lang").set_value("en").run()
    assert at.header[0].value.startswith("Directional derivative") and "lang" not in at.query_params


def test_every_page_renders_in_chinese_without_a_missing_key(clean_caches):
    """The pages still in English (UNTRANSLATED) run in Chinese too: the sidebar, the shared views, no exception."""
    MISSING.clear()
    at = open_page("app.py", lang="zh")
    for page in (*[p for p in TRANSLATED if p.startswith("pages/")], *UNTRANSLATED):
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert [link.label for link in at.sidebar.get("page_link")][1] == "方向导数"
        assert at.query_params.get("lang") == "zh" and at.radio(key="lang").value == "zh", page   # kept in links
    assert not MISSING, sorted(MISSING)


def test_generated_script_comment_in_chinese_and_the_script_still_runs(capsys):
    from gradcore.codegen import descent_script

    args = (parse("x^2+3y^2"), "SGD", [1.0, 1.0], 0.1, 4)
    english, chinese = descent_script(*args), descent_script(*args, tr=lambda m: m.render(ZH))
    assert chinese.splitlines()[0] == "# 梯度实验室：对 f(x, y) 做梯度下降，输入的公式为 'x^2+3y^2'"
    assert english.splitlines()[0] == "# Gradient Lab: gradient descent on f(x, y), typed as 'x^2+3y^2'"
    assert chinese.splitlines()[1:] == english.splitlines()[1:]
    exec(compile(chinese, "descent.py", "exec"), {})
    last = capsys.readouterr().out.splitlines()[-1]          # SGD, lr 0.1: x ← 0.8 x, y ← 0.4 y (∇ = (2x, 6y))
    x, y = (float(v) for v in re.search(r"x = \[(.*?), (.*?)\]", last).groups())
    assert last.startswith("step      4") and x == pytest.approx(0.8**4) and y == pytest.approx(0.4**4)


def test_directional_rows_from_the_merge_render_in_chinese(clean_caches):
    """The hiker, her trail, the θ sweep button and a link's fallback sentences (added by other issues) in Chinese."""
    from pagetest import figures

    MISSING.clear()
    at = open_page("pages/1_Directional_derivative.py", "(x^2+y-11)^2+(x+y^2-7)^2", lang="zh", px="1", py="1",
                   theta="220", eta="9999", zzz="1")
    notes = at.warning[0].value           # ∇f(1, 1) = (−46, −38): θ = 220° looks 0.4° from ∇f, uphill
    assert "**eta** = `9999` 无法使用：它必须介于 0.0001 和 10 之间。改用 0.01。" in notes
    assert "**zzz** 不是本页的设置：已忽略。" in notes
    assert any("她上升 59.664 个单位的 f" in m.value for m in at.markdown)
    fig = figures(at)
    assert fig["fig_level"]["layout"]["updatemenus"][0]["buttons"][0]["label"] == "⟳ 让 u 转一整圈"
    hiker = [t for t in fig["fig_surface"]["data"] if t.get("name") == "徒步者"]
    assert hiker[0]["text"][0].startswith("徒步者：D_u f = +59.6") and hiker[0]["text"][0].endswith("（上坡）")
    at.button(key="step").click().run()
    at.button(key="step").click().run()
    assert any(c.value.startswith("下山 2 步的足迹：f = 106 → ") for c in at.caption)
    assert "2 步的足迹" in [t.get("name") for t in figures(at)["fig_level"]["data"]]
    assert at.query_params["lang"] == "zh" and not at.exception and not MISSING, sorted(MISSING)


@pytest.mark.parametrize("page, title, query", [
    ("pages/2_Gradient.py", "梯度与偏导数", {"gr_cx": "1"}),
    ("pages/2_Gradient.py", "梯度与偏导数", {"f": "abs(x) + y^2", "px": "0", "py": "1"}),        # a kink: the warnings
    ("pages/2_Gradient.py", "梯度与偏导数", {"f": "x^2 - y^2", "px": "0", "py": "0"}),           # a critical point
    ("pages/3_Autograd.py", "自动求导", {}),
    ("pages/3_Autograd.py", "自动求导", {"ag_tab": "Accumulation", "ag_step": "2"}),
], ids=["gradient", "gradient-kink", "gradient-saddle", "autograd", "autograd-step"])
def test_gradient_and_autograd_render_in_chinese(clean_caches, page, title, query):
    """Pages 2 and 3 in Chinese: no missing key, no English sentence, their charts, tabs and tables in Chinese."""
    from pagetest import charts, figures

    MISSING.clear()
    at = open_page(page, lang="zh", **query)
    assert (at.header or at.title)[0].value == title
    assert not MISSING, sorted(MISSING)
    texts = _visible_text(at) + [t.value for t in at.title] + [t.label for t in at.get("tab")] + \
        [w.label for w in (*at.toggle, *at.checkbox)]
    english = [t for t in texts if not CJK.search(t) and ENGLISH_WORD.search(re.sub(r"`[^`]*`|\$[^$]*\$", "", t))
               and not set(ENGLISH_WORD.findall(t)) <= NOT_ENGLISH | {"backward", "optimizer", "zero_grad"}]
    assert not english, english
    headers = [c for df in at.dataframe for c in df.value.columns]
    assert not [c for c in headers if ENGLISH_WORD.fullmatch(c) and c not in NOT_ENGLISH], headers
    for fig in (figures(at) if charts(at) else {}).values():
        assert CJK.search(fig["layout"]["title"]["text"]), fig["layout"]["title"]["text"]
        legend = fig["layout"].get("legend", {}).get("title", {}).get("text")
        assert legend is None or CJK.search(legend), legend


def test_autograd_tab_is_named_in_english_in_the_url_and_kept_across_languages(clean_caches):
    at = open_page("pages/3_Autograd.py", lang="zh", ag_tab="Accumulation")
    assert at.session_state["ag_tab"] == "梯度累加" and at.query_params["ag_tab"] == "Accumulation"
    at.radio(key="lang").set_value("en").run()
    assert at.session_state["ag_tab"] == "Accumulation" and at.query_params["ag_tab"] == "Accumulation"
    assert [t.label for t in at.get("tab")][3] == "Accumulation"


def test_descent_divergence_optimizer_names_and_hyperparameter_help_in_chinese(clean_caches):
    """SGD with γ = 1 on Himmelblau from (−4, 0) overflows at step 5: the warning, the optimizers' names and the
    hyperparameters' help in Chinese (torch.optim's class and argument names kept)."""
    MISSING.clear()
    at = open_page("pages/4_Gradient_descent.py", lang="zh", opt="SGD", lr="1")
    (warning,) = at.warning
    assert "在第 5 步发散：f 变为无穷大。请降低学习率（试试 0.1）。" in warning.value
    assert "SGD（梯度下降，可选动量）" in at.selectbox(key="opt").options
    assert "Adam（自适应矩估计）" in at.selectbox(key="opt").options
    helps = [w.help for kind in ("slider", "select_slider", "number_input", "checkbox") for w in at.get(kind)]
    assert "上一步保留到这一步的比例。" in helps and "Nesterov 动量：迈步之前先沿动量方向向前看。" in helps
    assert not at.exception and not MISSING, sorted(MISSING)


def test_batch_divergence_and_unusable_starts_render_in_chinese():
    """descend()'s sentences for a batch of starts: counts and reasons as whole translated clauses."""
    from gradcore import descend

    run = descend(parse("x^2 + sqrt(x + 5)"), "SGD", [[1.0], [2.0], [-6.0]], 10.0, 20)   # x_1 = 1 − 10·2.2 < −5
    assert run.message.render(ZH) == ("3 个初始点中有 2 个发散了（最早在第 1 步：f 变为无定义（NaN））。请降低学习率（试试 1）。"
                                      " 3 个初始点中有 1 个无法使用：f 无定义（NaN）。请选择其他初始点。")
    single = descend(parse("x^2"), "SGD", [1.0], 10.0, 500)            # x_t = (−19)^t: f overflows at t = 121
    assert single.message.render(ZH) == "在第 121 步发散：f 变为无穷大。请降低学习率（试试 1）。"


def test_descent_spinner_and_deadline_sentence_in_chinese(clean_caches, monkeypatch):
    """The Gradient descent page's spinner and its 'Stopped after … s' sentence (ui/cache, ui/interrupt) in Chinese."""
    import contextlib

    import streamlit

    import ui.interrupt

    spinners = []
    monkeypatch.setattr(streamlit, "spinner", lambda text, **kw: spinners.append(text) or contextlib.nullcontext())
    monkeypatch.setattr(ui.interrupt, "REQUEST_SECONDS", 0.0)         # the first progress call is past the deadline
    MISSING.clear()
    at = open_page("pages/4_Gradient_descent.py", lang="zh", steps="50000")
    assert "正在运行 torch.optim 的更新规则…" in spinners
    (sentence,) = [w.value for w in at.warning if "已停止" in w.value]
    assert sentence.startswith("**计算 0 秒后已停止**：全班共用服务器时，一次请求最多只能计算这么久。本次运行的 50,000 步中已算完 ")
    assert sentence.endswith("步。请减少步数，或减少参与比较的优化器。") and not MISSING, sorted(MISSING)


def test_autograd_script_comments_in_chinese_and_the_script_still_runs(clean_caches, capsys):
    """The Autograd page's "Show the code" script: comments and docstrings in Chinese, the code itself unchanged."""
    def script(lang: str) -> list[str]:
        at = open_page("pages/3_Autograd.py", "x^2*y + y^3", lang=lang, px="1", py="2")
        (code,) = [el.value for el in at.code if "def show(" in el.value]
        return code.splitlines()

    english, chinese = script("en"), script("zh")
    assert chinese[0] == '"""梯度实验室，自动求导页：f = x**2*y + y**3，P = (1.0, 2.0)。"""'
    assert "# 1. 计算图：每个输入都是一个叶子张量，记录对它做的每一步运算" in chinese
    assert "# 2. 同样的计算，把 p 作为一个有 2 个分量的张量" in chinese
    assert "# 3. 梯度会累加：每次 backward() 都加到 .grad 上" in chinese
    changed = [(e, c) for e, c in zip(english, chinese, strict=True) if e != c]
    assert len(changed) == 7 and all(CJK.search(c) and ("#" in c or '"""' in c) for _, c in changed), changed
    exec(compile("\n".join(chinese), "autograd.py", "exec"), {})
    printed = capsys.readouterr().out                     # ∇f = (2xy, x² + 3y²) = (4, 13) at (1, 2)
    assert "x.grad = 4.0" in printed and "y.grad = 13.0" in printed and "gradcheck = True" in printed


@pytest.mark.parametrize("raw, sentence", [
    (b"a,b,c\n1,2,3\n4,5,6\n", "找到 3 列（“a”, “b”, “c”）：请在第一行把输入列命名为 `x`、目标列命名为 `y`，或只保留两列。"),
    (b"x,y\n1,2\n2,abc\n3,\n", "第 3 行，y 列：“abc”不是数字；请使用 1.5 或 -2e-3 这样的普通数字。 （后面还有 1 处类似的问题。）"),
    (b"x,y\n1,2\n", "文件只有 1 个数据行；至少需要 2 个样本 (x, y)。"),
    (b"PK\x03\x04zip", "这是 zip 或 Excel（.xlsx）文件，不是文本"),
], ids=["three-columns", "bad-cells", "one-line", "xlsx"])
def test_minibatch_csv_errors_render_in_chinese(clean_caches, raw, sentence):
    """gradcore.minibatch's DataError sentences for an uploaded CSV, on the Mini-batch page in Chinese."""
    MISSING.clear()
    at = open_page("pages/5_Mini-batch.py", lang="zh")
    at.radio(key="mb_data").set_value("Upload CSV").run()
    at.file_uploader(key="mb_csv").set_value(("data.csv", raw, "text/csv")).run()
    (error,) = [e.value for e in at.main.error]
    assert sentence in error.replace("\\", ""), error
    assert not at.exception and not MISSING, sorted(MISSING)


def test_descent_hyperparameter_errors_render_in_chinese(clean_caches):
    """torch.optim.SGD refuses nesterov=True without momentum: the Gradient descent page says so in Chinese."""
    from gradcore.optimizers import get_optimizer

    MISSING.clear()
    at = open_page("pages/4_Gradient_descent.py", lang="zh", opt="SGD")
    at.checkbox(key="h_sgd_nesterov").check().run()
    assert [e.value for e in at.error] == ["**这些超参数无法使用：** SGD：nesterov=True 需要 momentum > 0 且 dampening = 0。"]
    with pytest.raises(ValueError) as err:
        get_optimizer("Adam").resolve({"betas": (-1.0, 0.999)})
    assert err.value.args[0].render(ZH) == "Adam：betas[0] 必须在 [0, 1) 内，实际为 -1。"
    assert str(err.value) == "Adam: betas[0] must be in [0, 1), got -1."
    assert not at.exception and not MISSING, sorted(MISSING)
