"""Training and generation speed of seqzoo-llm's tiny model on CPU.

Prints training throughput (prompt + target tokens per second through the SFT trainer,
Lightning loop included) and generation throughput (completions and generated tokens per
second from the batched KV-cache sampler, 10 samples per prompt as LLOME draws them) for the
full model and LoRA, with AdamW and 8-bit AdamW, at the LLOME paper's f2 shape (32 states,
length 32: 68 prompt and 65 target tokens per example). Completion lengths depend on what
the briefly trained model writes, so compare generation settings by tokens/s.

    python benchmarks/llm_train_speed.py [--size small] [--threads 1] [--examples 512]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from seqzoo_llm.generation import generate
from seqzoo_llm.model import load_model
from seqzoo_llm.scoring import encode_pairs
from seqzoo_llm.text import format_prompt, format_target
from seqzoo_llm.trainers import SFT


def examples(n: int, states: int, length: int, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        x = rng.integers(0, states, length)
        y = x.copy()
        y[rng.integers(0, length, 2)] = rng.integers(0, states, 2)
        out.append({"prompt": x.tolist(), "target": y.tolist()})
    return out


def train_speed(args, lora: bool, optimizer: str) -> tuple[float, float]:
    """(tokens per second, seconds) for one SFT epoch."""
    lm = load_model(size=args.size, num_states=args.states, length=args.length, lora=lora,
                    device="cpu")
    data = examples(args.examples, args.states, args.length, seed=0)
    tokens = sum(len(ids) for ids, _ in encode_pairs(
        lm.tokenizer, [format_prompt(e["prompt"]) for e in data],
        [format_target(e["target"]) for e in data]))
    SFT(batch_size=args.batch_size, optimizer=optimizer).fit(lm, data[: args.batch_size])  # warm-up
    metrics = SFT(batch_size=args.batch_size, optimizer=optimizer).fit(lm, data)
    return tokens / metrics["seconds"], metrics["seconds"]


def generation_speed(args, lora: bool) -> tuple[float, float]:
    """(completions per second, mean tokens per completion) at temperature 1."""
    lm = load_model(size=args.size, num_states=args.states, length=args.length, lora=lora,
                    device="cpu")
    # a short SFT pass so that completions are list-shaped and stop at "]" like real ones
    SFT(batch_size=32, learning_rate=3e-3).fit(lm, examples(256, args.states, args.length, 1))
    prompts = [format_prompt(e["prompt"])
               for e in examples(args.prompts, args.states, args.length, seed=2)]
    new_tokens = 2 * args.length + 2
    generate(lm, prompts[:8], temperature=1.0, num_samples=1, max_new_tokens=new_tokens, seed=0)
    start = time.perf_counter()
    out = generate(lm, prompts, temperature=1.0, num_samples=args.samples,
                   max_new_tokens=new_tokens, seed=0, batch_size=args.gen_batch_size)
    seconds = time.perf_counter() - start
    sizes = [g.num_tokens for per in out for g in per]
    return len(sizes) / seconds, float(np.mean(sizes))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", default="small", choices=["micro", "small", "base"])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--states", type=int, default=32)
    p.add_argument("--length", type=int, default=32)
    p.add_argument("--examples", type=int, default=512)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--prompts", type=int, default=64)
    p.add_argument("--samples", type=int, default=10)  # per prompt and temperature, as LLOME
    p.add_argument("--gen-batch-size", type=int, default=256)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    lm = load_model(size=args.size, num_states=args.states, length=args.length)
    print(f"tiny model size={args.size}: {lm.num_parameters():,} parameters, "
          f"{args.threads} thread(s), torch {torch.__version__}")
    print(f"training: SFT, {args.examples} examples, batch {args.batch_size}, one epoch")
    for lora, optimizer in ((False, "adamw"), (False, "adamw8bit"), (True, "adamw"),
                            (True, "adamw8bit")):
        rate, seconds = train_speed(args, lora, optimizer)
        print(f"  lora={str(lora):5} optimizer={optimizer:9}  {rate:9,.0f} tokens/s  "
              f"({seconds:.1f} s)")
    print(f"generation: {args.prompts} prompts x {args.samples} samples, temperature 1, "
          f"batch {args.gen_batch_size}")
    for lora in (False, True):
        rate, mean_tokens = generation_speed(args, lora)
        print(f"  lora={str(lora):5}  {rate:9,.1f} sequences/s  "
              f"({mean_tokens:.1f} tokens each, {rate * mean_tokens:,.0f} tokens/s)")


if __name__ == "__main__":
    main()
