"""One round of training: denoising, regression and feasibility.

The three losses are summed into one Adam step a batch (``updates="joint"``), or, as cortex's
``NeuralTree`` trains, each head -- the LM and every ensemble member -- takes its own step
on its own loss, in random order (``updates="per_head"``): the shared encoder then moves
mostly for the regression, and the denoiser learns slowly.

* **Denoising** (masked LM): each feasible sequence gets a random fraction of its positions
  masked and the model predicts them back. Only feasible sequences teach the denoiser, so its
  infills stay in the region the oracle accepts. The fraction is drawn per sequence from
  5-30% (``masking="uniform"``) or, as cortex's ``MaskCorruptionProcess`` does, once per batch
  from its cosine diffusion schedule (``masking="cosine"``: anywhere in (0, 1], 0.64 on
  average).
* **Regression**: each ensemble member fits the transformed values of the feasible sequences,
  weighted by its own bootstrap counts (infeasible ``-inf`` values carry no magnitude), by
  squared error, or by cortex's Gaussian likelihood for a :class:`CortexNet`. With
  ``corrupt_regression`` it reads masked inputs instead, as cortex's regression task does
  (``corrupt_train_inputs``), and its label is smoothed toward the prior by the masked
  fraction (cortex's label smoothing ``"corrupt_frac"``: a :class:`CortexNet`'s Gaussian
  leaves fit the whole smoothed label; this plugin's heads predict a mean only, so only their
  target's mean shrinks toward 0).
* **Feasibility**: a classifier on every observation, the only place ``-inf`` is learned.

All heads read the batches of one loader over every row (``loaders="shared"``), or, as
cortex's tasks each have their own data, each task its own rows (``loaders="per_task"``:
:meth:`Dataset.task_sets`), an epoch ending with the shortest loader.

The network is warm-started from the previous round, so a few epochs a round suffice.

:func:`fit` is a plain loop that makes the steps PyTorch Lightning's ``Trainer`` made here
before (the same batches, losses, optimizer steps, step cap and per-epoch schedule, in the
same order: the same weights, ``tests/test_fast_paths.py``). Importing Lightning cost more
CPU than a ``zoo compare`` round of ``lambo2:preset=quick`` (4 s: it loads torchmetrics,
scipy, matplotlib and transformers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial

import torch
from torch.nn import functional as F

from .data import Dataset
from .network import Network

#: The fraction of positions masked per training sequence is drawn from this range.
MASK_RATE = (0.05, 0.3)
#: The feasibility table is a lookup, not a deep net: it needs big steps to learn in a round.
FEASIBILITY_LR = 0.05
#: Warm-up epochs of the cosine schedule (cortex's ``num_warmup_steps: 2``).
COSINE_WARMUP = 2


def cosine_mask_rates(steps: int = 1000, max_beta: float = 0.999) -> torch.Tensor:
    """cortex's masked fraction at each diffusion step ``t = 1..steps``: ``sqrt(alpha-bar_t)``
    of the cosine schedule (Nichol & Dhariwal 2021) discretised into betas capped at
    ``max_beta``, as cortex's ``CorruptionProcess`` builds it; step 1 masks nearly all, the
    last nearly none."""
    def alpha_bar(u: float) -> float:
        return math.cos((u + 0.008) / 1.008 * math.pi / 2) ** 2
    betas = torch.tensor([min(1 - alpha_bar((i + 1) / steps) / alpha_bar(i / steps), max_beta)
                          for i in range(steps)], dtype=torch.float64)
    return torch.cumprod(1 - betas, 0).sqrt().float()


COSINE_MASK_RATES = cosine_mask_rates()


@dataclass(frozen=True)
class Recipe:
    """How one round trains: every choice :func:`fit` and :class:`Lambo2Task` make.

    ``epochs`` or ``max_steps`` optimizer steps if fewer (0: no cap; with ``per_head``
    updates every head's step counts), batches of ``batch_size``, Adam at ``lr`` with betas
    (0.9, ``beta2``) on a ``constant`` or ``cosine`` ``schedule``; ``classifier`` trains the
    feasibility table; ``masking``, ``corrupt_regression``, ``updates`` and ``loaders`` as
    the module docstring says.
    """

    epochs: int = 2
    max_steps: int = 40
    batch_size: int = 128
    lr: float = 1e-3
    accelerator: str = "auto"
    classifier: bool = True
    schedule: str = "constant"
    masking: str = "uniform"
    corrupt_regression: bool = False
    beta2: float = 0.999
    updates: str = "joint"
    loaders: str = "shared"


class Lambo2Task:
    """The training objective around a network (which it does not own)."""

    def __init__(self, net: Network, recipe: Recipe):
        self.net, self.recipe = net, recipe
        # "per_head": cortex's NeuralTree steps the optimizer once per leaf
        self.automatic_optimization = recipe.updates == "joint"
        self.optimizer: torch.optim.Optimizer | None = None

    def mask(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Which positions to mask, and each row's masked fraction."""
        if self.recipe.masking == "cosine":
            t = torch.randint(len(COSINE_MASK_RATES), (1,))
            rate = COSINE_MASK_RATES[t].to(x.device).expand(len(x), 1)
        else:
            rate = torch.empty(len(x), 1, device=x.device).uniform_(*MASK_RATE)
        return torch.rand(x.shape, device=x.device) < rate, rate

    def training_step(self, batch) -> int:
        """Train on one batch; returns the optimizer steps taken (what the step cap counts)."""
        optimizer = self.optimizer
        if self.automatic_optimization:
            loss = self.joint_loss(batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            return 1
        # cortex's order: every head (leaf) its own forward, loss and Adam step, shuffled
        heads = ["denoise", *range(self.net.ensemble_size)] + \
            (["classify"] if self.recipe.classifier else [])
        steps = 0
        for i in torch.randperm(len(heads)).tolist():
            if _task_batch(batch, heads[i]) is None:
                continue
            optimizer.zero_grad()
            self.head_loss(heads[i], batch).backward()
            optimizer.step()
            steps += 1
        return steps

    def joint_loss(self, batch) -> torch.Tensor:
        """The summed losses of every head on one batch (``updates="joint"``)."""
        if not isinstance(batch, dict):
            return sum(self.losses(*batch).values())
        heads = ["denoise", None] + (["classify"] if self.recipe.classifier else [])
        return sum(self.head_loss(h, batch) for h in heads if _task_batch(batch, h) is not None)

    def head_loss(self, head: str | int | None, batch) -> torch.Tensor:
        """One head's loss on its batch: ``denoise``, ``classify``, ensemble member ``head``,
        or every member (``None``)."""
        x, target, feasible, weights = _task_batch(batch, head)
        if head == "denoise":
            return self.denoise_loss(x, feasible)
        if head == "classify":
            return self.classify_loss(x, feasible)
        return self.regress_loss(x, target, feasible, weights, member=head)

    def losses(self, x, target, feasible, weights) -> dict[str, torch.Tensor]:
        out = {"denoise": self.denoise_loss(x, feasible),
               "regress": self.regress_loss(x, target, feasible, weights)}
        if self.recipe.classifier:
            out["classify"] = self.classify_loss(x, feasible)
        return out

    def denoise_loss(self, x, feasible) -> torch.Tensor:
        net = self.net
        masked = self.mask(x)[0] & (feasible[:, None] > 0)
        x, masked = _feasible_rows(feasible, x, masked)
        logits = net.logits(net.encode(torch.where(masked, net.mask_id, x)))
        return F.cross_entropy(logits[masked], x[masked]) if masked.any() else logits.sum() * 0.0

    def regress_loss(self, x, target, feasible, weights, member: int | None = None
                     ) -> torch.Tensor:
        """Every member's weighted loss (the network's :meth:`~Network.member_losses`), or
        one ``member``'s."""
        net, smoothing = self.net, 0.0
        if self.recipe.corrupt_regression:  # its own batch draw, as cortex's tasks draw theirs
            masked, rate = self.mask(x)
            x, masked, rate, target, weights, feasible = _feasible_rows(
                feasible, x, masked, rate, target, weights, feasible)
            hidden, smoothing = net.encode(torch.where(masked, net.mask_id, x)), rate[:, 0]
        else:
            x, target, weights, feasible = _feasible_rows(feasible, x, target, weights, feasible)
            hidden = net.encode(x)
        members = list(range(net.ensemble_size)) if member is None else [member]
        err = net.member_losses(hidden, target, smoothing, members)
        w = (weights * feasible[:, None])[:, members]
        return (w * err).sum() / w.sum().clamp_min(1.0)

    def classify_loss(self, x, feasible) -> torch.Tensor:
        log_p = self.net.log_feasible(x)
        log_not_p = torch.log(-torch.expm1(log_p.clamp(max=-1e-6)))
        return -(feasible * log_p + (1 - feasible) * log_not_p).mean()

    def configure_optimizers(self) -> tuple[torch.optim.Optimizer,
                                             torch.optim.lr_scheduler.LRScheduler | None]:
        """Adam, and the learning-rate schedule stepped at the end of every epoch (``None``:
        constant)."""
        table = list(self.net.feasibility.parameters())
        ids = {id(p) for p in table}
        rest = [p for p in self.net.parameters() if id(p) not in ids]
        groups = [{"params": rest, "lr": self.recipe.lr}]
        if self.recipe.classifier:
            groups.append({"params": table, "lr": FEASIBILITY_LR})
        optimizer = torch.optim.Adam(groups, betas=(0.9, self.recipe.beta2))
        if self.recipe.schedule == "constant":
            return optimizer, None
        return optimizer, torch.optim.lr_scheduler.LambdaLR(
            optimizer, partial(cosine, epochs=self.recipe.epochs))


def _feasible_rows(feasible: torch.Tensor, *tensors: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """``tensors`` cut to the feasible rows: an infeasible row's denoising and regression terms
    are 0 (it is never masked, its weight is 0), so encoding it is wasted work; a shared
    loader's batch holds every observation. Random draws are made on the whole batch first,
    so they are the same. A batch with no feasible row keeps every row: its loss must still
    be an exact 0 tied to the same weights (Adam then steps on zero gradients, as before)."""
    rows = feasible > 0
    if bool(rows.all()) or not bool(rows.any()):
        return tensors
    return tuple(t[rows] for t in tensors)


def _task_batch(batch, head: str | int | None):
    """The batch ``head`` trains on: the one batch of a shared loader, or its task's own."""
    if not isinstance(batch, dict):
        return batch
    return batch.get("regress" if head is None or isinstance(head, int) else head)


def cosine(epoch: int, epochs: int, warmup: int = COSINE_WARMUP) -> float:
    """The learning-rate factor of cortex's schedule (transformers' cosine with warmup, stepped
    once per epoch): linear from 0 over ``warmup`` epochs, then a half cosine down to 0."""
    if epoch < warmup:
        return epoch / warmup
    progress = (epoch - warmup) / max(1, epochs - warmup)
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * progress)))


def _loader(data: Dataset, recipe: Recipe, seed: int):
    """One shuffled loader over every row, or (``per_task``) each task's own over its rows,
    an epoch ending with the shortest as cortex's ``CombinedLoader("min_size")`` feeds its
    leaves; ``None`` when no task has a row to learn from. Each loader's generator draws
    one permutation an epoch, when the epoch starts."""
    size = recipe.batch_size
    if recipe.loaders == "shared":
        return _Shuffled(data.tensors().tensors, size, seed)
    sets = {k: v for k, v in data.task_sets().items()
            if len(v) and (k != "classify" or recipe.classifier)}
    if not sets:
        return None
    return _Shortest({k: _Shuffled(v.tensors, size, seed + i)
                      for i, (k, v) in enumerate(sets.items())})


class _Shuffled:
    """``DataLoader(TensorDataset(*tensors), batch_size, shuffle=True, generator=...)``'s
    batches, drawn from the generator exactly as it draws them, without its per-row fetch and
    collate (a tenth of a training step here).

    An epoch's iterator draws the loader's base seed (one int64) when made, the permutation
    at its first batch, and, as the sampler does once the permutation is spent, a second
    permutation whose first ``0`` entries it keeps: before a short last batch, or when a
    batch is asked for after a full last one.
    """

    def __init__(self, tensors: tuple[torch.Tensor, ...], size: int, seed: int):
        self.tensors, self.size = tensors, size
        self.generator = torch.Generator().manual_seed(seed)

    def __iter__(self):
        torch.empty((), dtype=torch.int64).random_(generator=self.generator)
        return self._epoch()

    def _epoch(self):
        n = len(self.tensors[0])
        order = torch.randperm(n, generator=self.generator)
        for start in range(0, n, self.size):
            rows = order[start: start + self.size]
            if len(rows) < self.size:
                torch.randperm(n, generator=self.generator)
            yield [t[rows] for t in self.tensors]
        if n % self.size == 0:
            torch.randperm(n, generator=self.generator)


class _Shortest:
    """Batches of several loaders as one dict a step, until the shortest is done (Lightning's
    ``CombinedLoader`` in ``min_size`` mode: the loaders start their epoch in order)."""

    def __init__(self, loaders: dict[str, torch.utils.data.DataLoader]):
        self.loaders = loaders

    def __iter__(self):
        for batches in zip(*self.loaders.values()):
            yield dict(zip(self.loaders, batches))


def _device(accelerator: str) -> torch.device:
    """Where ``accelerator`` trains, as Lightning's names pick it: ``auto`` takes a GPU when
    one is there."""
    if accelerator in ("gpu", "cuda") or (accelerator == "auto" and torch.cuda.is_available()):
        return torch.device("cuda")
    if accelerator == "mps" or (accelerator == "auto" and torch.backends.mps.is_available()):
        return torch.device("mps")
    return torch.device("cpu")


def _to(batch, device: torch.device):
    if isinstance(batch, dict):
        return {k: _to(v, device) for k, v in batch.items()}
    return [t.to(device) for t in batch]


def fit(net: Network, data: Dataset, recipe: Recipe, seed: int) -> None:
    """Train ``net`` in place on ``data`` as ``recipe`` says, its random draws from ``seed``.

    ``recipe.epochs`` passes over the loader, stopping once ``recipe.max_steps`` optimizer
    steps are taken (0: no cap; the cap is checked after each batch, so a ``per_head`` batch
    finishes its heads); the schedule steps at the end of each epoch. The step cap keeps a
    round's cost flat as the data grows: warm-started, the model only has to absorb the
    newest batch, and the shuffled loader shows it a fresh sample of the rest.
    """
    torch.manual_seed(seed)
    loader = _loader(data, recipe, seed)
    if loader is not None:
        device = _device(recipe.accelerator)
        net.to(device).requires_grad_(True).train()
        task = Lambo2Task(net, recipe)
        task.optimizer, schedule = task.configure_optimizers()
        steps = 0
        for _ in range(recipe.epochs):
            for batch in loader:
                steps += task.training_step(_to(batch, device))
                if recipe.max_steps and steps >= recipe.max_steps:
                    break
            if schedule is not None:
                schedule.step()
            if recipe.max_steps and steps >= recipe.max_steps:
                break
    # proposing only differentiates with respect to inputs, never the weights
    net.cpu().eval().requires_grad_(False)
