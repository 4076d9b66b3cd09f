"""The heaviest requests one person can make stop at the request's wall-clock deadline, with a sentence.

Time limits alone (input sizes) left a 50,000-step × 4-optimizer comparison, a 200² basin map of a long formula or
50 epochs of batch size 1 running for as long as a busy server needed; gradcore.budget.deadline stops them inside
their loops, and ui.interrupt.bounded says what had been computed and what to change.
"""

from __future__ import annotations

import time

import pytest
from pagetest import open_page, page_text

from gradcore import landscape as ls
from gradcore import minibatch as mb
from gradcore.budget import DeadlinePassed, deadline
from gradcore.descent import descend
from gradcore.formula import parse

# a costly step (bench/load.py's heavy formula in part: its exact derivatives alone can take seconds on a busy machine)
HEAVY = "sin(x*y)+log(1+x^2+y^2)+sigmoid(x*y-1)+atan(x*y)+sin(2x)*sin(2y)"
SECONDS = 0.5
SLACK_S = 4.0       # one progress interval on a loaded 2-core machine; the unbounded runs take 10-100 s here


def stopped(run) -> tuple[DeadlinePassed, float]:
    """Run `run()`, which must hit its deadline: the exception and the seconds it took."""
    start = time.perf_counter()
    with pytest.raises(DeadlinePassed) as late:
        run()
    return late.value, time.perf_counter() - start


def test_a_deadline_calls_its_progress_callback_and_then_raises_with_the_steps_done():
    seen = []
    on_time = deadline(60, lambda t, n: seen.append((t, n)))
    on_time(10, 100)
    late = deadline(1.0, lambda t, n: seen.append((t, n)), started=time.monotonic() - 2)
    with pytest.raises(DeadlinePassed, match="stopped after 1 s, at step 20 of 100") as err:
        late(20, 100)
    assert (err.value.done, err.value.total, err.value.seconds) == (20, 100, 1.0)
    assert seen == [(10, 100), (20, 100)]


def test_50000_steps_of_the_heavy_formula_stop_at_the_deadline():
    # one start runs generated code at about 10 µs a step (gradcore.fused): 50,000 steps take about 0.5 s, so its
    # deadline is a tenth of the others' (the page's deadline is 45 s; what is tested is that the loop stops at one)
    late, seconds = stopped(lambda: descend(parse(HEAVY), "NAdam", [-3.0, 2.0], 1e-3, 50_000,
                                            callback=deadline(SECONDS / 10)))
    assert seconds < SECONDS / 10 + SLACK_S
    assert 0 < late.done < late.total == 50_000


def test_a_200_by_200_basin_map_of_the_heavy_formula_stops_at_the_deadline():
    f = parse(HEAVY)
    late, seconds = stopped(lambda: ls.basins(f, (), (-3, 3, -3, 3), "SGD", 0.01, 1000, 200, callback=deadline(SECONDS)))
    assert seconds < SECONDS + SLACK_S
    assert 0 < late.done < late.total == 1000


def test_50_epochs_of_batch_size_1_on_1000_examples_stop_at_the_deadline():
    data = mb.synthetic("linear", mb.MAX_ROWS)
    mb.train(mb.synthetic("linear", 20), "linear", 1, 0.01, 1)       # torch's first backward pass loads its kernels
    late, seconds = stopped(lambda: mb.train(data, "linear", 1, 0.01, 50, callback=deadline(SECONDS)))
    assert seconds < SECONDS + SLACK_S
    assert 0 < late.done < late.total == 50 * mb.MAX_ROWS


def test_the_descent_page_says_what_ran_and_what_to_change_and_answers_the_same_request_at_once(clean_caches, monkeypatch):
    import ui.interrupt

    monkeypatch.setattr(ui.interrupt, "REQUEST_SECONDS", SECONDS)
    started = []                                  # one per calculation begun under the request's deadline
    monkeypatch.setattr(ui.interrupt, "deadline", lambda *args, **kw: started.append(1) or deadline(*args, **kw))
    at = open_page("pages/4_Gradient_descent.py", HEAVY)
    at.multiselect(key="cmp").select("SGD").select("RMSprop").run()
    at.number_input(key="steps").set_value(50_000).run()
    assert not at.exception
    sentences = [w.value for w in at.warning if "Stopped after" in w.value]
    assert len(sentences) == 1
    assert sentences[0].startswith("**Stopped after 0.5 s**, the time one request may compute while the whole class "
                                   "shares the server: ")
    assert sentences[0].endswith(" steps of this run had been computed. Ask for fewer steps or fewer compared optimizers.")
    begun = len(started)
    at.run()                                      # the same request again: the sentence, not another 0.5 s of descent
    assert len(started) == begun
    assert any("Stopped after 0.5 s" in text for text in page_text(at))
