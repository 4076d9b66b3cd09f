"""Vectorisation measured (one epoch per batch size) and the decaying learning rate that removes the noise floor."""

import numpy as np
import torch

from gradcore import minibatch as mb
from gradcore.minibatch_cost import epoch_seconds, noise_floor, run_seconds

DATA = mb.synthetic("linear", 200, 2.0, -1.0, 0.5, 0)
BEST = mb.optimum(DATA, "linear").loss


def test_an_epoch_of_batch_size_1_takes_longer_than_one_full_batch_step():
    """d2l's reason for mini-batches: N steps on one example cost far more than one vectorised step on N."""
    one, sixteen, full = epoch_seconds(DATA, "linear", [1, 16, DATA.n])
    assert one > 5 * full and one > sixteen > 0


def test_run_seconds_are_epochs_times_the_measured_epoch_time():
    run = mb.train(DATA, "linear", 16, 0.05, 3, "SGD", 0, (-1.0, 3.0))
    t = run_seconds(run, DATA.n, [1, 16, 200], [0.2, 0.01, 0.001])
    assert t[0] == 0 and np.isclose(t[-1], 3 * 0.01) and np.isclose(t[run.epoch_ends[1]], 0.01)


def hand_decayed_sgd(batch_size: int, lr: float, epochs: int, k0: float) -> np.ndarray:
    """The DataLoader loop with γ set by hand before each step: γₖ = γ / (1 + k / k₀)."""
    net, loss_fn = mb.make_net((-1.0, 3.0)), torch.nn.MSELoss()
    opt, loader, k, trail = torch.optim.SGD(net.parameters(), lr=lr), mb.make_loader(DATA, batch_size, 0), 0, []
    for _ in range(epochs):
        for xb, yb in loader:
            opt.param_groups[0]["lr"] = lr * (1 / (1 + k / k0))
            opt.zero_grad()
            loss_fn(net(xb), yb).backward()
            opt.step()
            k += 1
            trail.append([net.weight.item(), net.bias.item()])
    return np.array(trail)


def test_decay_is_the_hand_written_schedule():
    run = mb.train(DATA, "linear", 8, 0.05, 3, "SGD", 0, (-1.0, 3.0), decay_steps=20)
    assert np.allclose(run.params[1:], hand_decayed_sgd(8, 0.05, 3, 20), rtol=1e-14, atol=1e-15)


def test_a_decaying_learning_rate_lowers_the_noise_floor():
    for batch_size, factor in ((1, 10), (16, 2)):
        constant = mb.train(DATA, "linear", batch_size, 0.05, 20, "SGD", 0, (-1.0, 3.0))
        decayed = mb.train(DATA, "linear", batch_size, 0.05, 20, "SGD", 0, (-1.0, 3.0), decay_steps=200)
        assert noise_floor(decayed, BEST) * factor < noise_floor(constant, BEST), batch_size


def test_noise_floor_is_the_mean_excess_over_the_last_epoch():
    run = mb.Run("r", 1, np.zeros((5, 2)), np.array([9.0, 5.0, 4.0, 3.0, 1.0]), np.arange(5), np.array([0, 2, 4]), False)
    assert noise_floor(run, 1.0) == (3.0 + 1.0) / 2 - 1.0
