"""Before a Ray grid spends anything: does every node run what the driver runs?

A node with another Python, a plugin missing or at another version, or another commit would
fail its runs one by one or, worse, mix results of other code into the store. One probe per
node (no CPU asked, pinned to the node) reports its own; the first difference stops the grid
with one line that names the node.
"""

from __future__ import annotations

from typing import Any

from ...errors import SeqzooError

#: Seconds a node may take to answer (a fresh worker imports the plugins first).
TIMEOUT = 120


def fingerprint() -> dict[str, Any]:
    """This process's Python, plugins (name: distribution version) and commit."""
    import platform

    from ...plugins import registry
    from ...provenance import commit, versions

    reg = registry()
    commit.cache_clear()  # the checkout now, as the nodes see theirs now
    return {"python": platform.python_version(),
            "plugins": {name: f"{info.distribution or name} {info.version or '?'}"
                        + (" (fails to load)" if info.error else "")
                        for name, info in reg.plugins.items()},
            "versions": versions(), "commit": commit()}


def _node_fingerprint() -> dict[str, Any]:
    # Ray sends a module's function by name, so a node runs its own installed fingerprint
    return fingerprint()


def difference(theirs: dict[str, Any], ours: dict[str, Any]) -> str | None:
    """The first way a node differs from the driver, in words, or ``None``."""
    if theirs["python"] != ours["python"]:
        return f"Python {theirs['python']} there, {ours['python']} here"
    for name in sorted(set(theirs["plugins"]) | set(ours["plugins"])):
        there, here = theirs["plugins"].get(name), ours["plugins"].get(name)
        if there != here:
            return (f"plugin {name!r}: {there or 'not installed'} there, "
                    f"{here or 'not installed'} here")
    for name in sorted(set(theirs["versions"]) | set(ours["versions"])):
        there, here = theirs["versions"].get(name), ours["versions"].get(name)
        if there != here:
            return f"{name} {there or 'not installed'} there, {here or 'not installed'} here"
    if theirs["commit"] != ours["commit"]:
        return f"commit {theirs['commit']} there, {ours['commit']} here"
    return None


def check_nodes(env: dict[str, str], cpus: int = 1, gpus: float = 0) -> None:
    """Raise :class:`SeqzooError` naming the first node that differs from this process, or
    if no node can hold a run of ``cpus`` CPUs and ``gpus`` GPUs (Ray would wait forever)."""
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    nodes = [n for n in ray.nodes() if n.get("Alive")]
    fits = [n for n in nodes if n.get("Resources", {}).get("CPU", 0) >= cpus
            and n.get("Resources", {}).get("GPU", 0) >= gpus]
    if not fits:
        most = max((n.get("Resources", {}).get("CPU", 0) for n in nodes), default=0)
        raise SeqzooError(f"no node of the cluster can hold a run of {cpus} CPUs"
                          + (f" and {gpus:g} GPUs" if gpus else "")
                          + f" (the largest has {most:g} CPUs); lower --threads"
                          + (" or --gpus-per-run" if gpus else ""))
    options: dict[str, Any] = {"num_cpus": 0, "max_retries": 1}
    if env:
        options["runtime_env"] = {"env_vars": env}
    probe = ray.remote(**options)(_node_fingerprint)
    refs = {node["NodeManagerAddress"] + f" ({node['NodeID'][:8]})": probe.options(
        scheduling_strategy=NodeAffinitySchedulingStrategy(node["NodeID"], soft=False)).remote()
        for node in nodes}
    ours = fingerprint()
    for name, ref in refs.items():
        try:
            theirs = ray.get(ref, timeout=TIMEOUT)
        except Exception as exc:
            raise SeqzooError(f"node {name} did not answer the pre-flight check: "
                              f"{type(exc).__name__}: {exc}") from None
        diff = difference(theirs, ours)
        if diff is not None:
            raise SeqzooError(f"node {name} differs from this machine: {diff}; every node "
                              f"needs the same Python, plugins and commit") from None
