"""bo's marginal likelihood with its closed-form gradient is gpytorch's, value and gradient."""

import pytest

torch = pytest.importorskip("torch")
gpytorch = pytest.importorskip("gpytorch")
pytest.importorskip("botorch")


def model(n: int = 40, length: int = 6, seed: int = 0):
    from botorch.models import SingleTaskGP
    from botorch.models.transforms.outcome import Standardize
    from gpytorch.kernels import ScaleKernel
    from seqzoo_libopt.kernel import HammingKernel

    gen = torch.Generator().manual_seed(seed)
    x = torch.randint(0, 4, (n, length), generator=gen).double()
    y = (x == 1).sum(-1, keepdim=True).double() + 0.3 * torch.randn(n, 1, generator=gen,
                                                                     dtype=torch.float64)
    gp = SingleTaskGP(x, y, covar_module=ScaleKernel(HammingKernel(4, ard_num_dims=length)),
                      outcome_transform=Standardize(m=1))
    gp.covar_module.base_kernel.lengthscale = torch.rand(1, length, generator=gen) + 0.5
    gp.train()
    return gp


def loss_and_grads(gp, mll_class):
    gp.zero_grad()
    mll = mll_class(gp.likelihood, gp)
    loss = -mll(gp(*gp.train_inputs), gp.train_targets)
    loss.backward()
    return loss.detach(), {name: p.grad.clone() for name, p in gp.named_parameters()}


@pytest.mark.parametrize("seed", [0, 1])
def test_the_closed_form_gradient_is_autograds(seed):
    from gpytorch.mlls import ExactMarginalLogLikelihood
    from seqzoo_libopt.mll import CholeskyMLL

    gp = model(seed=seed)
    theirs, their_grads = loss_and_grads(gp, ExactMarginalLogLikelihood)
    ours, our_grads = loss_and_grads(gp, CholeskyMLL)
    torch.testing.assert_close(ours, theirs, rtol=1e-12, atol=1e-12)
    assert set(our_grads) == set(their_grads) and len(our_grads) == 4
    for name, grad in their_grads.items():
        assert grad.abs().max() > 0, name  # every hyperparameter is in play
        torch.testing.assert_close(our_grads[name], grad, rtol=1e-9, atol=1e-12)


def test_a_fit_with_it_lands_where_gpytorchs_does():
    from botorch.fit import fit_gpytorch_mll
    from gpytorch.mlls import ExactMarginalLogLikelihood
    from seqzoo_libopt.mll import CholeskyMLL

    fitted = []
    for mll_class in (ExactMarginalLogLikelihood, CholeskyMLL):
        gp = model(n=60, seed=3)
        fit_gpytorch_mll(mll_class(gp.likelihood, gp),
                         optimizer_kwargs={"options": {"maxiter": 30}})
        fitted.append(gp.covar_module.base_kernel.lengthscale.detach())
    torch.testing.assert_close(fitted[1], fitted[0], rtol=1e-5, atol=1e-6)
    assert not torch.allclose(fitted[0], model(n=60, seed=3).covar_module.base_kernel.lengthscale)
