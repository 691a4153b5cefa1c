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
from typing import Any

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


def changed_versions(then: dict[str, str], now: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Versions recorded then that differ now, as ``{name: (then, now)}``. A package installed
    since is not a change: it cannot have made what was recorded."""
    return {k: (v, now.get(k, "not installed")) for k, v in sorted(then.items())
            if now.get(k) != v}


def code_change(record: dict[str, Any], here: dict[str, Any] | None = None) -> str | None:
    """How the code that wrote ``record`` (a run's ``config.json``) differs from this
    process's (``here``: :func:`provenance`, computed once by a caller that checks many), in a
    few words, or ``None`` when it does not."""
    here = provenance() if here is None else here
    if record.get("versions") is None:
        return "no version record"
    if record.get("commit") != here["commit"]:
        return f"commit {record.get('commit')} here {here['commit']}"
    changed = changed_versions(record["versions"], here["versions"])
    if changed:
        name, (was, now) = next(iter(changed.items()))
        return f"{name} {was} here {now}"
    return None
