"""Test plugins installed through real entry points (a dist-info in a temp site dir)."""

from __future__ import annotations

import textwrap
from pathlib import Path


def install_plugin(site: Path, dist: str, entry: str, module: str, source: str) -> None:
    """Write ``module`` and a ``dist-info`` whose entry point ``entry`` names it."""
    (site / f"{module}.py").write_text(textwrap.dedent(source))
    info = site / f"{dist.replace('-', '_')}-0.3.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.3\n")
    (info / "entry_points.txt").write_text(f"[seqzoo]\n{entry} = {module}\n")


GOOD = """
    import numpy as np
    import seqzoo

    @seqzoo.hookimpl
    def register_proposers(register):
        register("stubborn", "seqzoo_goodplug:Stubborn")
        register("slow", "seqzoo_goodplug:Slow")

    class Stubborn:
        '''Always proposes the first initial solution (a proposer that never improves).'''
        def __init__(self, problem, repeat: int = 1):
            self.x0 = problem.initial_solutions[:1]
        def ask(self, n):
            return np.repeat(self.x0, n, axis=0)
        def tell(self, x, y):
            pass

    class Slow:
        '''Random proposals, slowly (for kill tests).'''
        def __init__(self, problem, delay: float = 0.05):
            self.rng, self.delay, self.p = problem.rng(), delay, problem
        def ask(self, n):
            import time
            time.sleep(self.delay)
            return self.rng.integers(0, self.p.num_states, (n, self.p.length))
        def tell(self, x, y):
            pass
"""

BROKEN = """
    raise ImportError("this plugin is broken on purpose")
"""

CLASH = """
    import seqzoo

    @seqzoo.hookimpl
    def register_proposers(register):
        register("stubborn", "seqzoo_goodplug:Stubborn")
"""


