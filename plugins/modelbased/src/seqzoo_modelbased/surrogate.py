"""``cnn-ensemble``: FLEXS's "ensemble of 3 CNNs", the model its paper's explorers rank with.

Each member is ``flexs/baselines/models/cnn.py``'s ``CNN`` as ``paper_code/cloud/*`` builds
it (``num_filters=32, hidden_size=100, loss="MSE"``, the defaults ``kernel_size=5``,
``batch_size=256``, ``epochs=20``) on one-hot sites:

    Conv1D(32, 5, valid, relu) -> Conv1D(32, 5, same, relu) -> MaxPooling1D(1)
    -> Conv1D(32, V - 1, same, relu) -> GlobalMaxPooling1D -> Dense(100, relu)
    -> Dense(100, relu) -> Dropout(0.25) -> Dense(1)

trained with Keras's defaults: Adam (learning rate 1e-3, epsilon 1e-7), Glorot-uniform
weights and zero biases, the rows reshuffled every epoch, on the raw labels.
``flexs.Ensemble`` combines the members by their mean; the spread (standard deviation) of
the members is the uncertainty a proposer may use. As in FLEXS, a member is built once and
every ``fit`` continues training it (Keras's ``model.fit`` on the same compiled model),
with the optimizer's state kept; ``reinit=true`` starts each fit from fresh weights instead.

The members are trained together as one network with grouped convolutions and batched
matrix products, each on its own shuffle of the rows: the same updates as training them
one after another, in one pass per batch.
"""

from __future__ import annotations

import numpy as np
from seqzoo import Problem

#: Salt of the surrogate's random stream, apart from the proposer's own (``"CNN"``).
_SALT = 0x434E4E
_PREDICT_CHUNK = 4096


class CNNEnsemble:
    """FLEXS's ensemble of CNNs (``flexs/baselines/models/cnn.py``, ``flexs.Ensemble``).

    Options:
        members: CNNs in the ensemble (FLEXS's paper: 3)
        epochs: epochs of Adam each fit (FLEXS: 20)
        filters: filters of each convolution (num_filters, 32)
        hidden: units of each of the two dense layers (hidden_size, 100)
        kernel: width of the first two convolutions (kernel_size, 5); the third is as
            wide as the alphabet less one, as in FLEXS
        dropout: dropout before the read-out (0.25)
        batch: rows per gradient step (256)
        lr: Adam's learning rate (Keras's default, 1e-3)
        reinit: start every fit from fresh weights (FLEXS continues training the same
            network round after round)
    """

    def __init__(self, problem: Problem, members: int = 3, epochs: int = 20,
                 filters: int = 32, hidden: int = 100, kernel: int = 5,
                 dropout: float = 0.25, batch: int = 256, lr: float = 1e-3,
                 reinit: bool = False):
        for name, value, low in (("members", members, 1), ("epochs", epochs, 1),
                                 ("filters", filters, 1), ("hidden", hidden, 1),
                                 ("kernel", kernel, 1), ("batch", batch, 1)):
            if value < low:
                raise ValueError(f"{name} must be at least {low}, got {value}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must lie in [0, 1), got {dropout}")
        if not lr > 0.0:
            raise ValueError(f"lr must be positive, got {lr}")
        if problem.num_states < 2:
            raise ValueError("cnn-ensemble needs an alphabet of at least 2 states")
        if problem.length < kernel:
            raise ValueError(f"cnn-ensemble's first convolution has no padding: sequences "
                             f"of length {problem.length} need kernel <= {problem.length}")
        self.members, self.epochs, self.filters, self.hidden = members, epochs, filters, hidden
        self.kernel, self.dropout, self.batch, self.lr = kernel, dropout, batch, lr
        self.reinit = reinit
        self.num_states, self.length = problem.num_states, problem.length
        import torch  # here, not at the top: `zoo list` reads the options without torch

        seed = int(problem.rng(salt=_SALT).integers(2**63))
        self.generator = torch.Generator().manual_seed(seed)
        self._build()

    def _build(self) -> None:
        import torch

        from .cnn_members import _Members

        self.net = _Members(self.members, self.num_states, self.filters, self.hidden,
                            self.kernel, self.dropout, self.generator)
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=self.lr, eps=1e-7)

    def fit(self, x: np.ndarray, y: np.ndarray) -> None:
        """``epochs`` epochs on every row, each member on its own shuffle of them."""
        import torch

        x = torch.as_tensor(np.asarray(x, dtype=np.int64))
        y = torch.as_tensor(np.asarray(y, dtype=np.float32))
        n = len(x)
        if n == 0:
            return
        if self.reinit:
            self._build()
        self.net.train()
        for _ in range(self.epochs):
            order = torch.stack([torch.randperm(n, generator=self.generator)
                                 for _ in range(self.members)])
            for start in range(0, n, self.batch):
                rows = order[:, start: start + self.batch]  # (members, b)
                # sum, not mean, over members: each member's gradient is its own MSE's
                loss = ((self.net(x[rows], self.generator) - y[rows]) ** 2).mean(dim=1).sum()
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
        self.net.eval()

    def members_predict(self, x: np.ndarray) -> np.ndarray:
        """Every member's prediction, ``(members, n)``."""
        import torch

        x = torch.as_tensor(np.asarray(x, dtype=np.int64))
        with torch.inference_mode():
            parts = [self.net(x[s: s + _PREDICT_CHUNK].expand(self.members, -1, -1))
                     for s in range(0, len(x), _PREDICT_CHUNK)]
        if not parts:
            return np.empty((self.members, 0))
        return torch.cat(parts, dim=1).double().numpy()

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The members' mean (``flexs.Ensemble``) and their standard deviation."""
        out = np.nan_to_num(self.members_predict(x))  # as FLEXS's KerasModel predicts
        return out.mean(axis=0), out.std(axis=0)
