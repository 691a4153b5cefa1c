"""The hand-written ``small`` VAE step computes what torch's autograd computes."""

import numpy as np
import pytest
import torch
from seqzoo_modelbased.vae import VAE
from seqzoo_modelbased.vae_step import SmallVAEStep, _last_axis_max

LENGTH, STATES, LATENT = 7, 5, 3


def vae() -> VAE:
    torch.manual_seed(0)
    return VAE(LENGTH, STATES, hidden=16, latent=LATENT)


def data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, STATES, (n, LENGTH)), rng.random(n) + 0.1


def test_loss_and_gradient_match_autograd():
    model, (x, w) = vae(), data(12)
    params = list(model.parameters())
    eps = torch.randn((len(x), LATENT), generator=torch.Generator().manual_seed(1))
    mu, log_var = model.encoder(model._onehot(torch.as_tensor(x))).chunk(2, dim=-1)
    z = mu + eps * (0.5 * log_var).exp()
    recon = -torch.nn.functional.cross_entropy(model._logits(z).transpose(1, 2),
                                               torch.as_tensor(x), reduction="none").sum(-1)
    kl = 0.5 * (mu.pow(2) + log_var.exp() - 1 - log_var).sum(-1)
    loss = -(torch.as_tensor(w, dtype=torch.float32) * (recon - kl)).mean()
    expected = torch.autograd.grad(loss, params)

    step = SmallVAEStep([p.detach().numpy() for p in params], LENGTH, STATES, LATENT)
    onehot = np.eye(STATES, dtype=np.float32)[x].reshape(len(x), -1)
    got = step.loss_and_grad(onehot, x, w.astype(np.float32), eps.numpy())
    assert got == pytest.approx(float(loss.detach()), rel=1e-5)
    for mine, theirs in zip(step.grads, expected):
        np.testing.assert_allclose(mine, theirs.numpy(), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("clip, patience", [(0.0, 0), (0.05, 2)])
def test_a_fit_follows_the_autograd_fit_step_by_step(clip, patience):
    x, w = data(300)
    by_hand, reference = vae(), vae()
    by_hand.fit(x, w, 4, torch.Generator().manual_seed(3), batch=10, clip=clip,
                patience=patience)
    reference.fit(x, w, 4, torch.Generator().manual_seed(3), batch=10, clip=clip,
                  patience=patience, autograd=True)
    for mine, theirs in zip(by_hand.parameters(), reference.parameters()):
        np.testing.assert_allclose(mine.detach().numpy(), theirs.detach().numpy(), atol=1e-5)
    # and the fit moved the weights: the comparison is not of two untouched networks
    untouched = torch.cat([p.flatten() for p in vae().parameters()])
    moved = torch.cat([p.detach().flatten() for p in by_hand.parameters()])
    assert (moved - untouched).abs().max() > 1e-2


def test_the_fit_raises_the_likelihood_of_its_rows():
    rng = np.random.default_rng(4)
    templates = rng.integers(0, STATES, (3, LENGTH))
    x = templates[rng.integers(0, 3, 200)]
    noisy = rng.random(x.shape) < 0.1
    x[noisy] = rng.integers(0, STATES, int(noisy.sum()))
    w = np.ones(len(x))
    model = vae()
    before = model.log_prob(x, torch.Generator().manual_seed(0)).mean()
    model.fit(x, w, 20, torch.Generator().manual_seed(5), batch=10, lr=3e-3)
    after = model.log_prob(x, torch.Generator().manual_seed(0)).mean()
    assert after > before + 1.0


@pytest.mark.parametrize("states", [1, 2, 3, 5, 20, 21, 32])
def test_the_site_max_by_halving_is_numpys(states):
    a = np.random.default_rng(states).standard_normal((3, 4, states)).astype(np.float32)
    assert np.array_equal(_last_axis_max(a), a.max(-1, keepdims=True))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_generators_draws_are_torch_multinomials(seed):
    from seqzoo_modelbased.vae import categorical

    gen = torch.Generator().manual_seed(seed)
    probs = torch.randn((4000, 21), generator=gen).mul(3).softmax(-1)
    probs[:5, 3] = 0.0  # a state that cannot be drawn stays undrawn
    probs[:5] /= probs[:5].sum(-1, keepdim=True)
    theirs = torch.multinomial(probs, 1, generator=torch.Generator().manual_seed(seed))
    ours_generator = torch.Generator().manual_seed(seed)
    ours = categorical(probs, ours_generator)
    assert torch.equal(ours, theirs[:, 0])
    # and both leave the generator in the same state for what comes next
    after = torch.Generator().manual_seed(seed)
    torch.multinomial(probs, 1, generator=after)
    assert torch.equal(torch.rand(3, generator=ours_generator), torch.rand(3, generator=after))
