"""Bad options are one-line ValueErrors; the warm start is where each method starts."""

import numpy as np
import pytest
from seqzoo import Problem, default_alphabet
from seqzoo_libopt.cmaes import CMAES
from seqzoo_libopt.ng_adapter import Nevergrad
from seqzoo_libopt.values import finite_values


def problem(warm=None, budget=None, length=8, states=4):
    return Problem(default_alphabet(states), length, np.zeros((1, length), np.int64), seed=3,
                   warm_start=warm, budget=budget)


@pytest.mark.parametrize("factory, options", [
    (CMAES, {"population_size": 1}),
    (CMAES, {"initial_variance": 0.0}),
    (CMAES, {"max_iter": 0}),
    (Nevergrad, {"optimizer": "NoSuchOptimizer"}),
    (Nevergrad, {"parametrization": "array"}),
    (Nevergrad, {"num_workers": 0}),
])
def test_bad_options_are_value_errors(factory, options):
    with pytest.raises(ValueError) as err:
        factory(problem(), **options)
    assert "\n" not in str(err.value)


def test_infeasible_values_rank_below_every_feasible_one():
    y = finite_values(np.array([1.0, -np.inf, 3.0]))
    assert y[1] < 1.0 and np.isfinite(y).all() and y[0] == 1.0 and y[2] == 3.0
    assert (finite_values(np.array([-np.inf, -np.inf])) == 0).all()


def test_cmaes_starts_at_the_best_sequence_told():
    best = np.array([[3, 2, 1, 0, 3, 2, 1, 0]])
    rest = np.ones((5, 8), np.int64)
    cma = CMAES(problem(), population_size=8, initial_variance=1e-4)
    cma.tell(np.concatenate([rest, best]), np.r_[np.zeros(5), 1.0])
    # with a tiny sigma the whole first generation decodes to the start, which is seen, so
    # CMA-ES keeps sampling until it hands out rows; they stay one or two sites from it
    x = cma.ask(8)
    assert (np.abs(x - best) > 0).sum(axis=1).min() <= 2


def test_nevergrad_starts_from_the_warm_start_and_answers_repeats_from_memory():
    warm_x = np.array([[0] * 8, [2, 2, 2, 2, 1, 1, 1, 1]], dtype=np.int64)
    warm = (warm_x, np.array([0.0, 5.0]))
    ng = Nevergrad(problem(warm=warm, budget=50), num_workers=4)
    ng.tell(*warm)
    x = ng.ask(4)
    # DiscreteOnePlusOne mutates its start: the best warm row, a few sites changed
    assert ((x != warm_x[1]).sum(axis=1) <= 4).all()
    assert not any((row == warm_x).all(axis=1).any() for row in x)


@pytest.mark.parametrize("options", [{"acquisition": "ucb"}, {"init_design": "sobol"},
                                     {"max_data": 1}, {"multiplier": 1.0}, {"n_init": 0}])
def test_bo_bad_options_are_value_errors(options):
    from seqzoo_libopt.bo import BatchBO

    with pytest.raises(ValueError) as err:
        BatchBO(problem(), **options)
    assert "\n" not in str(err.value)


def test_hamming_kernel_matches_botorchs_categorical_kernel():
    import torch
    from botorch.models.kernels.categorical import CategoricalKernel
    from seqzoo_libopt.kernel import HammingKernel

    gen = torch.Generator().manual_seed(0)
    a = torch.randint(0, 5, (7, 6), generator=gen).double()
    b = torch.randint(0, 5, (4, 6), generator=gen).double()
    lengthscale = torch.rand(1, 6, generator=gen).double() + 0.3
    ours, theirs = HammingKernel(5, ard_num_dims=6).double(), CategoricalKernel(ard_num_dims=6)
    ours.lengthscale = theirs.lengthscale = lengthscale
    torch.testing.assert_close(ours(a, b).to_dense(), theirs.double()(a, b).to_dense())
    torch.testing.assert_close(ours(a, a, diag=True), theirs(a, a, diag=True))


@pytest.mark.parametrize("length", [6, 16, 37])  # packed codes: part of one, one, three groups
def test_hamming_kernel_fit_path_gives_the_prediction_paths_values_and_gradients(length):
    import torch
    from seqzoo_libopt.kernel import HammingKernel

    gen = torch.Generator().manual_seed(1)
    x = torch.randint(0, 3, (9, length), generator=gen).double()
    kernel = HammingKernel(3, ard_num_dims=length).double()
    kernel.lengthscale = torch.rand(1, length, generator=gen).double() + 0.3

    def value_and_grad():
        k = kernel(x, x).to_dense()
        (grad,) = torch.autograd.grad((k * k).sum(), kernel.raw_lengthscale)
        return k.detach(), grad

    fit, fit_grad = value_and_grad()  # site comparisons, kept for the next step
    assert kernel._cached is not None and kernel._cached[0] is x
    again, _ = value_and_grad()
    torch.testing.assert_close(again, fit, rtol=0, atol=0)
    kernel.raw_lengthscale.requires_grad_(False)  # no fit: the one-hot product
    with torch.no_grad():
        predicted = kernel(x, x).to_dense()
    kernel.raw_lengthscale.requires_grad_(True)
    torch.testing.assert_close(fit, predicted, rtol=1e-12, atol=1e-12)
    # by hand: d/d raw of sum k^2, through the one-hot product's autograd
    kernel._matches = lambda *args: None
    _, reference_grad = value_and_grad()
    torch.testing.assert_close(fit_grad, reference_grad, rtol=1e-10, atol=1e-12)


def test_hamming_kernel_stays_exact_when_a_lengthscale_collapses():
    # a fit took one lengthscale to 1e-15 on f2 after 53 rounds: the products cancelled
    # numbers of 1e13 and the kernel matrix lost positive definiteness
    import torch
    from seqzoo_libopt.kernel import HammingKernel

    gen = torch.Generator().manual_seed(2)
    x = torch.randint(0, 3, (60, 8), generator=gen).double()
    kernel = HammingKernel(3, ard_num_dims=8).double()
    lengthscale = torch.rand(1, 8, generator=gen).double() + 0.3
    lengthscale[0, 0], lengthscale[0, 5] = 1e-15, 1e-9
    kernel.lengthscale = lengthscale
    weight = (1.0 / lengthscale[0]) / 8
    exact = torch.exp(-((x[:, None, :] != x[None, :, :]).double() * weight).sum(-1))
    with torch.no_grad():
        predicted = kernel(x, x).to_dense()  # the one-hot product
    torch.testing.assert_close(predicted, exact, rtol=0, atol=1e-12)
    fit = kernel(x, x).to_dense().detach()  # the fit's site comparisons
    torch.testing.assert_close(fit, exact, rtol=0, atol=1e-12)
    assert torch.linalg.eigvalsh(predicted + 1e-6 * torch.eye(60)).min() > 0


def test_hamming_kernel_compares_again_rows_changed_in_place():
    import torch
    from seqzoo_libopt.kernel import HammingKernel

    x = torch.zeros(3, 4, dtype=torch.float64)
    kernel = HammingKernel(2, ard_num_dims=4).double()
    before = kernel(x, x).to_dense().detach()
    x[0] = 1.0  # the same tensor, new values: its version counter moved
    after = kernel(x, x).to_dense().detach()
    assert before[0, 1] == 1.0 and after[0, 1] < 1.0


def test_bo_searches_the_trust_region_around_the_best_warm_row():
    from seqzoo_libopt.bo import BatchBO

    rng = np.random.default_rng(0)
    warm_x = rng.integers(0, 4, (30, 8))
    warm_y = -(warm_x != 3).sum(axis=1).astype(float)  # best: most sites at state 3
    warm_y[0] = -np.inf
    bo = BatchBO(problem(warm=(warm_x, warm_y)), n_init=10, candidates=64, fit_steps=5,
                 length_init=2)
    bo.tell(warm_x, warm_y)
    x = bo.ask(8)
    distance = (x != warm_x[np.argmax(warm_y)]).sum(axis=1)
    assert len(x) == 8 and ((distance >= 1) & (distance <= 2)).all()
    assert not any((row == warm_x).all(axis=1).any() for row in x)
