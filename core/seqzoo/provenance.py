"""What code made a result: package versions and, in a git checkout, the commit.

Recorded in every run's ``config.json`` and in a comparison's store, so that results made by
different code are never silently mixed.
"""

from __future__ import annotations

import platform
import subprocess
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from . import __version__

#: Heavy libraries whose version changes results; recorded when installed.
LIBRARIES = ("numpy", "torch", "transformers", "peft", "pytorch-lightning", "botorch")


def versions() -> dict[str, str]:
    """Python, seqzoo, every installed plugin distribution and the libraries above."""
    from .plugins import registry

    out = {"python": platform.python_version(), "seqzoo": __version__}
    for info in registry().plugins.values():
        if info.distribution and info.version:
            out[info.distribution] = info.version
    for dist in LIBRARIES:
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return out


@lru_cache(maxsize=1)
def commit() -> str | None:
    """``HEAD`` of the git checkout seqzoo runs from, ``+dirty`` when it has local changes;
    ``None`` for an installed wheel or without git."""
    here = Path(__file__).resolve().parent
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                              text=True, timeout=5)
        if head.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=here, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def provenance() -> dict[str, object]:
    return {"versions": versions(), "commit": commit()}
