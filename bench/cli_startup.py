"""How long `flask --help` and `flask assets import --help` take: wall clock and CPU, best of N.

    DATABASE_URL=... .venv/bin/python bench/cli_startup.py [--runs 5] [--results bench/results/cli_startup.md]

The CPU time (user + system of the child) is the figure a loaded machine disturbs least; the wall clock
is what a person waits. Bytecode is written as in a real deployment (PYTHONDONTWRITEBYTECODE unset), and
the first, cold run is not counted.
"""

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def one_run(arguments: tuple[str, ...]) -> tuple[float, float]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.setdefault("FLASK_APP", "app.py")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([str(ROOT / ".venv" / "bin" / "flask"), *arguments], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--results", help="write the figures to this Markdown file")
    args = parser.parse_args()
    lines = []
    for arguments in (("--help",), ("assets", "import", "--help")):
        one_run(arguments)  # cold: bytecode written, files cached
        runs = [one_run(arguments) for _ in range(args.runs)]
        wall = sorted(w for w, _ in runs)
        cpu = sorted(c for _, c in runs)
        line = (f"| `flask {' '.join(arguments)}` | {wall[0]:.2f} s | {wall[len(wall) // 2]:.2f} s | "
                f"{cpu[0]:.2f} s | {os.getloadavg()[0]:.1f} |")
        print(line, flush=True)
        lines.append(line)
    if args.results:
        head = ["| command | wall, best | wall, median | CPU, best | load average |", "|---|---|---|---|---|"]
        Path(args.results).write_text("\n".join(head + lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
