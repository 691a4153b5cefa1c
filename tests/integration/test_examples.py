"""Every example in examples/ runs as the docs show it, at a small size.

Each runs as a user would (a subprocess, from a scratch folder, with only the size options
the example offers), so a required argument that the docs leave out fails here. A new example
file without a test here fails :func:`test_every_example_is_run_here`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
#: The example files this module runs.
COVERED = {"api_run.py", "api_compare.py", "api_log_pandas.py", "api_own_oracle.py",
           "llome_f2_marge.sh", "llome_pythia_lora.sh"}
#: Examples another test module runs, by that module.
ELSEWHERE = {"seqzoo-anneal": "test_example_plugin.py", "campaign_aav.py": "test_campaign_docs.py"}
#: LLOME at the size of plugins/llm/tests/test_llome_run.py: every stage, a minute or two.
WARM, LABELS = 300, 100  # labels a multiple of the default round of 100
LLOME_SMALL = {"BUDGET": str(1 + WARM + 2 * LABELS),
               "LLOME_OPTIONS": (f",rounds=2,labels_per_round={LABELS},seed_evaluations={WARM},"
                                 "ga_population=100,seeds_per_round=8,edit_iterations=1,"
                                 "samples_per_temperature=2,temperatures=[1.0],"
                                 "max_edit_passes=1,max_train_examples=100,sft_epochs=2,"
                                 "epochs=1,guard_prompts=4")}


def example(name: str, *args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    command = (["bash"] if name.endswith(".sh") else [sys.executable])
    bin_dir = str(Path(sys.executable).parent)  # `zoo` of this environment for the scripts
    environment = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ["PATH"],
                   "OMP_NUM_THREADS": "1", **(env or {})}
    done = subprocess.run(command + [str(EXAMPLES / name), *args], capture_output=True,
                          text=True, cwd=cwd, env=environment)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_every_example_is_run_here():
    assert {p.name for p in EXAMPLES.iterdir() if not p.name.startswith(".")} == \
        COVERED | set(ELSEWHERE)
    here = Path(__file__).parent
    for name, module in ELSEWHERE.items():
        assert name in (here / module).read_text(), f"{module} does not run {name}"


def test_api_run(tmp_path):
    out = example("api_run.py", "--budget", "100", cwd=tmp_path)
    assert "best sequence:" in out
    out = example("api_run.py", "--oracle", "ehrlich:preset=f2", "--proposer", "hill-climb",
                  "--budget", "200", "--out", "one", cwd=tmp_path)
    assert "hill-climb on ehrlich:preset=f2" in out and (tmp_path / "one" / "result.json").exists()


def test_api_compare_with_no_arguments_but_its_size(tmp_path):
    out = example("api_compare.py", "--budget", "60", "--seeds", "0", cwd=tmp_path)
    assert "hill-climb:mutations=2" in out
    assert (tmp_path / "runs" / "api-compare" / "summary.csv").exists()


def test_api_log_pandas_makes_its_run_or_reads_yours(tmp_path):
    out = example("api_log_pandas.py", "--budget", "150", cwd=tmp_path)
    assert "hill-climb on hamming: 150 evaluations" in out and "best_so_far" in out
    out = example("api_log_pandas.py", "runs/api-log", cwd=tmp_path)
    assert "hill-climb on hamming: 150 evaluations" in out


def test_api_own_oracle(tmp_path):
    out = example("api_own_oracle.py", "--budget", "200", "--seeds", "0", cwd=tmp_path)
    assert "hill-climb on gc-without-repeats: best" in out and "2 runs, 0 already" in out
    again = example("api_own_oracle.py", "--budget", "200", "--seeds", "0", cwd=tmp_path)
    assert "0 runs, 2 already complete" in again  # as zoo compare: a rerun skips


def test_llome_f2_marge_at_a_small_size(tmp_path):
    out = example("llome_f2_marge.sh", "run", cwd=tmp_path, env=LLOME_SMALL)
    assert "round 1" in out
    result = json.loads((tmp_path / "run" / "result.json").read_text())
    assert result["evaluations"] == int(LLOME_SMALL["BUDGET"])


def test_llome_pythia_lora_on_a_tiny_local_checkpoint(tmp_path):
    pytest.importorskip("bitsandbytes")
    checkpoint = _tiny_pythia(tmp_path / "pythia-tiny")
    out_dir = tmp_path / "run"
    example("llome_pythia_lora.sh", str(checkpoint), str(out_dir), cwd=tmp_path,
            env=LLOME_SMALL)
    result = json.loads((out_dir / "result.json").read_text())
    assert result["evaluations"] == int(LLOME_SMALL["BUDGET"])


def _tiny_pythia(path: Path) -> Path:
    """A GPT-NeoX checkpoint of two small layers with a byte-level BPE tokenizer, saved as
    a downloaded Pythia is (as plugins/llm/tests/test_model_checkpoint.py builds it)."""
    import numpy as np
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GPTNeoXConfig, GPTNeoXForCausalLM, PreTrainedTokenizerFast

    from seqzoo_llm.text import format_prompt, format_target

    eos = "<|endoftext|>"
    rng = np.random.default_rng(0)
    corpus = [format_prompt(rng.integers(0, 32, 8)) + format_target(rng.integers(0, 32, 8))
              for _ in range(200)]
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator(corpus, trainers.BpeTrainer(
        vocab_size=320, special_tokens=[eos],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token=eos, bos_token=eos)
    config = GPTNeoXConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2,
                           num_attention_heads=2, intermediate_size=64,
                           max_position_embeddings=512, bos_token_id=0, eos_token_id=0)
    torch.manual_seed(0)
    GPTNeoXForCausalLM(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def test_the_quickstarts_own_oracle_block_runs_as_shown(tmp_path):
    import re

    page = (ROOT / "docs" / "quickstart.md").read_text()
    blocks = [b for b in re.findall(r"```python\n(.*?)```", page, re.S) if "gc_content" in b]
    assert len(blocks) == 1
    done = subprocess.run([sys.executable, "-c", blocks[0]], capture_output=True, text=True,
                          cwd=tmp_path, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("gc-content ")
    with open(tmp_path / "runs" / "gc" / "summary.csv") as fh:
        assert len(fh.read().splitlines()) == 1 + 3 * 3  # 3 proposers x 3 seeds
