"""``mufacnet``: PEX's Mutation Factorization Network (Ren et al. 2022), the authors' default model.

After ``model/mufacnet.py``, ``model/torch_model.py``, ``model/ensemble.py`` and
``utils/seq_utils.py`` of github.com/HeliXonProtein/proximal-exploration, with ``run.py``'s
defaults. A sequence is read as the set of its sites that differ from the wild type (the
oracle's first initial solution); each such site is the one-hot window of ``2 * context + 1``
sites around it, zero-padded past the ends. Each member:

    encoder (per mutated site): Conv1d(V, 32, 5) -> ReLU -> Conv1d(32, 32, 5) -> ReLU
        -> global max-pool -> Linear(32, 128) -> ReLU -> Linear(128, latent)
    sum of the encodings over the mutated sites (the wild type's set is empty: zeros)
    decoder: Linear(latent, 128) -> ReLU -> Linear(128, 128) -> ReLU -> Linear(128, 1)

Training is the authors' ``TorchModel.train``: MSE on raw labels, Adam at 1e-3, batches of
256 reshuffled every epoch, and epochs until the epoch's mean batch loss has failed to
improve ``patience`` times in a row (the best loss is forgotten between fits). The network
and Adam's state are built once and kept: every round continues training the same members.
The ensemble predicts the members' mean (``ensemble_rule=mean``); their standard deviation is
the spread.
"""

from __future__ import annotations

import numpy as np
from seqzoo import Problem

#: Salt of the surrogate's random stream, apart from the proposer's own ("MFN").
_SALT = 0x4D464E
_PREDICT_CHUNK = 2048


def mutation_sets(x: np.ndarray, wild_type: np.ndarray, num_states: int,
                  context: int) -> tuple[np.ndarray, np.ndarray]:
    """``(n, m, V, 2 * context + 1)`` windows around each mutated site and an ``(n, m)`` mask.

    ``m`` is the most mutated sites in the batch, at least 1 (as the authors' code pads).
    """
    x = np.asarray(x, dtype=np.int64).reshape(-1, len(wild_type))
    n, length = x.shape
    width = 2 * context + 1
    diff = x != wild_type
    m = max(1, int(diff.sum(axis=1).max(initial=0)))
    # the mutated sites of each row first, in site order (stable sort keeps it)
    order = np.argsort(~diff, axis=1, kind="stable")[:, :m]
    mask = np.take_along_axis(diff, order, axis=1)
    one_hot = np.zeros((n, length + 2 * context, num_states), dtype=np.float32)
    one_hot[np.arange(n)[:, None], np.arange(length) + context, x] = 1.0
    windows = one_hot[np.arange(n)[:, None, None], order[:, :, None] + np.arange(width)]
    windows *= mask[:, :, None, None]  # padding entries are zeros, as the authors pad
    return np.ascontiguousarray(windows.transpose(0, 1, 3, 2)), mask.astype(np.float32)


def _network(num_states: int, latent: int, filters: int, hidden: int, kernel: int):
    from torch import nn

    class MuFacNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Sequential(
                nn.Conv1d(num_states, filters, kernel), nn.ReLU(),
                nn.Conv1d(filters, filters, kernel), nn.ReLU(),
                nn.AdaptiveMaxPool1d(1), nn.Flatten(1),
                nn.Linear(filters, hidden), nn.ReLU(), nn.Linear(hidden, latent))
            self.decoder = nn.Sequential(
                nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                nn.Linear(hidden, 1))

        def forward(self, sets, mask):
            n, m = mask.shape
            codes = self.encoder(sets.reshape(n * m, *sets.shape[2:])).reshape(n, m, -1)
            return self.decoder((codes * mask.unsqueeze(-1)).sum(dim=1)).squeeze(-1)

    return MuFacNet()


class MuFacNetEnsemble:
    """PEX's MuFacNet ensemble (``model/mufacnet.py``), kept and trained further every fit.

    Options:
        members: networks in the ensemble (run.py's ensemble_size, 3)
        latent: width of a mutation's encoding (latent_dim, 32)
        context: sites either side of a mutation in its window (context_radius, 10)
        filters: filters of the encoder's two convolutions (32)
        hidden: units of the encoder's and decoder's hidden layers (128)
        kernel: width of the encoder's convolutions (5)
        lr: Adam's learning rate (1e-3)
        batch: rows per gradient step (256)
        patience: epochs without a lower mean training loss before a fit stops (10)
        max_epochs: most epochs of one fit, per member (the authors' loop has no cap;
            0: none)
    """

    def __init__(self, problem: Problem, members: int = 3, latent: int = 32,
                 context: int = 10, filters: int = 32, hidden: int = 128, kernel: int = 5,
                 lr: float = 1e-3, batch: int = 256, patience: int = 10,
                 max_epochs: int = 2000):
        for name, value, low in (("members", members, 1), ("latent", latent, 1),
                                 ("context", context, 0), ("filters", filters, 1),
                                 ("hidden", hidden, 1), ("kernel", kernel, 1),
                                 ("batch", batch, 1), ("patience", patience, 1),
                                 ("max_epochs", max_epochs, 0)):
            if value < low:
                raise ValueError(f"{name} must be at least {low}, got {value}")
        if not lr > 0.0:
            raise ValueError(f"lr must be positive, got {lr}")
        if 2 * context + 1 < 2 * kernel - 1:
            raise ValueError(f"mufacnet's two unpadded convolutions of width {kernel} need a "
                             f"window of at least {2 * kernel - 1} sites: context >= "
                             f"{kernel - 1}, got {context}")
        self.num_states, self.context = problem.num_states, context
        self.batch, self.patience, self.max_epochs = batch, patience, max_epochs
        self.wild_type = np.asarray(problem.initial_solutions, dtype=np.int64).reshape(
            -1, problem.length)[0]
        import torch  # here, not at the top: `zoo list` reads the options without torch

        seed = int(problem.rng(salt=_SALT).integers(2**63))
        self.generator = torch.Generator().manual_seed(seed)
        with torch.random.fork_rng():  # default init draws from the global stream
            torch.manual_seed(seed % 2**31)
            self.nets = [_network(self.num_states, latent, filters, hidden, kernel)
                         for _ in range(members)]
        self.optimizers = [torch.optim.Adam(net.parameters(), lr=lr) for net in self.nets]
        self.epochs_run: list[int] = []  # per member, the last fit's epochs (diagnostics)

    def _tensors(self, x: np.ndarray):
        import torch

        sets, mask = mutation_sets(x, self.wild_type, self.num_states, self.context)
        return torch.from_numpy(sets), torch.from_numpy(mask)

    def fit(self, x: np.ndarray, y: np.ndarray) -> None:
        """Each member in turn, as the authors' ``Ensemble.train`` does, until ``patience``."""
        import torch

        if len(x) == 0:
            return
        sets, mask = self._tensors(x)
        labels = torch.as_tensor(np.asarray(y, dtype=np.float32))
        n = len(labels)
        self.epochs_run = []
        for net, optimizer in zip(self.nets, self.optimizers):
            net.train()
            best, stale, epochs = np.inf, 0, 0
            while stale < self.patience and (self.max_epochs == 0 or epochs < self.max_epochs):
                order = torch.randperm(n, generator=self.generator)
                losses = []
                for start in range(0, n, self.batch):
                    rows = order[start: start + self.batch]
                    loss = torch.mean((net(sets[rows], mask[rows]) - labels[rows]) ** 2)
                    losses.append(loss.item())
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
                epochs += 1
                current = float(np.mean(losses))
                if current < best:
                    best, stale = current, 0
                else:
                    stale += 1
            net.eval()
            self.epochs_run.append(epochs)

    def members_predict(self, x: np.ndarray) -> np.ndarray:
        """Every member's prediction, ``(members, n)``."""
        import torch

        x = np.asarray(x, dtype=np.int64).reshape(-1, len(self.wild_type))
        out = np.empty((len(self.nets), len(x)))
        with torch.inference_mode():
            for start in range(0, len(x), _PREDICT_CHUNK):
                sets, mask = self._tensors(x[start: start + _PREDICT_CHUNK])
                for k, net in enumerate(self.nets):
                    out[k, start: start + len(mask)] = net(sets, mask).double().numpy()
        return out

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The members' mean (the authors' ``ensemble_rule=mean``) and their spread."""
        out = self.members_predict(x)
        return out.mean(axis=0), out.std(axis=0)
