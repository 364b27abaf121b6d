"""Wall time of whole ``gptcalc`` CLI calls (interpreter start-up included), median of several runs."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

COMMANDS = [
    ["params", "gpt-4"],
    ["params", "gpt-4", "--json"],
    ["flops", "gpt-4"],
    ["scenario", "gpt-4-a100"],
    ["audit", "gpt-4-a100"],
]


def main(repeats: int = 7) -> None:
    base = [sys.executable, "-m", "gptcalc"]
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    python_alone = time.perf_counter() - start
    print(f"python -c pass: {python_alone * 1000:.0f} ms")
    for cmd in COMMANDS:
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            subprocess.run(base + cmd, check=True, capture_output=True)
            times.append(time.perf_counter() - t0)
        print(f"gptcalc {' '.join(cmd):32s} median {statistics.median(times) * 1000:6.0f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
