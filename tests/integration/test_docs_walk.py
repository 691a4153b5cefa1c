"""Walk the README, the quick start and the reproducing guide as a newcomer does: every
command of their ``bash`` blocks, in order, in one fresh folder, at small budgets.

Only the sizes change (budgets, seeds, batch sizes, LLOME's per-round work), so a command
that clashes with an earlier one's folder, needs a package the install does not bring, or
no longer parses fails here. The install and tox lines are what CI itself runs, so they
are skipped, and ``.venv/bin/`` is this interpreter's.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUIDES = ("README.md", "docs/quickstart.md", "docs/reproducing.md")
BIN = Path(sys.executable).parent
SMALL_LLOME = ("model_size=micro,seeds_per_round=4,edit_iterations=1,"
               "samples_per_temperature=1,max_edit_passes=1,guard_prompts=4,sft_epochs=1")
#: (pattern, replacement): the sizes a walk at small budgets needs; nothing else changes.
SHRINK = ((r"--budget \d+", "--budget 240"),
          (r"--warm-start-budget \d+", "--warm-start-budget 120"),
          (r"--seeds [\d,-]+", "--seeds 0"), (r"--batch-size \d+", "--batch-size 40"),
          (r"llome:preset=cpu", f"llome:preset=cpu,{SMALL_LLOME}"))
SKIP = ("python3 -m venv", ".venv/bin/pip install", ".venv/bin/tox")


def commands(guide: str) -> list[str]:
    """The shell commands of a guide's bash blocks, continuation lines joined, comments cut."""
    text = (ROOT / guide).read_text()
    found = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split(" #", 1)[0].strip()
            if not line or line.startswith("#"):
                continue
            found += [part.strip() for part in line.split(" && ")
                      if not part.strip().startswith(SKIP)]
    return found


def small(command: str) -> str:
    for pattern, replacement in SHRINK:
        command = re.sub(pattern, replacement, command)
    if command.startswith(("zoo compare", ".venv/bin/zoo compare")) and "--budget" not in command:
        # the default benchmark: keep its warm start, shrink it
        command += " --budget 240 --seeds 0 --warm-start ga --warm-start-budget 120"
    command = command.replace(".venv/bin/", f"{BIN}/")
    return f"{BIN}/{command}" if command.startswith("zoo ") else command


WALK = [(guide, c) for guide in GUIDES for c in commands(guide)]


def test_the_guides_have_commands_to_walk():
    assert len(WALK) >= 10 and any("compare" in c for _, c in WALK)


def test_every_guide_command_runs_in_order_in_one_fresh_folder(tmp_path):
    for guide, command in WALK:
        env_command = small(command)
        done = subprocess.run(shlex.split(env_command), cwd=tmp_path, capture_output=True,
                              text=True, timeout=900,
                              env={"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(tmp_path),
                                   "SEQZOO_LOAD_PLUGINS": "seqzoo,ehrlich,ga,lambo,llm",
                                   "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
        assert done.returncode == 0, (f"{guide}: {command}\n-> {env_command}\n"
                                      f"{done.stderr[-2000:]}")
