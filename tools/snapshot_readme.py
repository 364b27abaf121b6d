"""Run every gptcalc command quoted in README.md with --json and save the outputs (or the error line).

The snapshot pins what the CLI prints, so a refactor that changes a figure is noticed: run
``python tools/snapshot_readme.py --check`` to compare with ``tests/golden/readme_json.json``, or without
``--check`` to rewrite it after a deliberate change (name the change in the commit).
"""

from __future__ import annotations

import json
import re
import shlex
import sys
from pathlib import Path

from typer.testing import CliRunner

from gptcalc.cli.app import app

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "tests" / "golden" / "readme_json.json"
NO_JSON = {"presets", "show"}


def readme_commands() -> list[list[str]]:
    """Each distinct `gptcalc ...` command line in the README's code blocks, as argv (files left out)."""
    text = (ROOT / "README.md").read_text()
    seen: dict[str, list[str]] = {}
    blocks = re.findall(r"```(?:bash|console|text)?\n(.*?)```", text, re.S)
    inline = re.findall(r"(?<!`)`(gptcalc [^`\n]+)`", text)
    for block in [*blocks, "\n".join(inline)]:
        for line in block.splitlines():
            line = line.strip().removeprefix("$ ")
            if not line.startswith("gptcalc "):
                continue
            line = line.split("  #")[0].split(" # ")[0].strip()
            argv = shlex.split(line)[1:]
            cleaned: list[str] = []
            skip = False
            for arg in argv:
                if skip:
                    skip = False
                    continue
                if arg in ("--png", "--csv"):  # nothing is written by a snapshot
                    skip = True
                    continue
                cleaned.append(arg)
            if cleaned and cleaned[0] not in NO_JSON and "--json" not in cleaned:
                cleaned.append("--json")
            seen.setdefault(" ".join(cleaned), cleaned)
    return list(seen.values())


def run_all() -> dict[str, object]:
    runner = CliRunner()
    out: dict[str, object] = {}
    for argv in readme_commands():
        res = runner.invoke(app, argv)
        key = " ".join(argv)
        if res.exit_code == 0 and "--json" in argv:
            try:
                out[key] = json.loads(res.stdout)
            except json.JSONDecodeError:
                out[key] = {"stdout": res.stdout}
        else:
            out[key] = {"exit_code": res.exit_code, "stderr": res.stderr.strip()[:300]}
    return out


def same(a: object, b: object, rel: float = 1e-9) -> bool:
    """Equal, numbers within ``rel`` (a refactor may reorder a float sum)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k], rel) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y, rel) for x, y in zip(a, b, strict=True))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return a == b or abs(a - b) <= rel * max(abs(a), abs(b))
    return a == b


def main() -> int:
    current = run_all()
    if "--check" in sys.argv:
        saved = json.loads(SNAPSHOT.read_text())
        changed = [k for k in saved if not same(current.get(k), saved[k])]
        for key in changed:
            print(f"changed: gptcalc {key}")
        print(f"{len(saved) - len(changed)} of {len(saved)} commands unchanged")
        return 1 if changed else 0
    SNAPSHOT.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(current)} commands to {SNAPSHOT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
