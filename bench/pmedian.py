"""Benchmark: the p-median solver on OR-Library pmed1–pmed10 (issue 3, part 6).

Each instance (n = 100 or 200 vertices, p = 5 … 67) is read with
:func:`fireriskmap.analysis.siting.read_orlib_pmed` (all-pairs shortest paths; a repeated edge: the
later line wins) and solved with :func:`~fireriskmap.analysis.siting.solve_p_median` — exact with
OR-Tools — and, for comparison, with the lazy greedy + swap heuristic alone. The optimum is
checked against ``pmedopt.txt``.

Run: ``python bench/pmedian.py [--data ../shared/data/location] [--time-limit 600]``.
Ends with ``RESULT instances=10 optimal=10 total_seconds=...``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fireriskmap.analysis.siting import ortools_available, read_orlib_pmed, solve_p_median  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "location"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--time-limit", type=float, default=600.0, help="seconds per exact solve")
    args = ap.parse_args(argv)
    folder = args.data
    if not (folder / "pmedopt.txt").is_file():
        print(f"OR-Library data not found in {folder}; nothing to do")
        print("RESULT instances=0 optimal=0 total_seconds=0")
        return 1
    if not ortools_available():
        print("OR-Tools is not installed (pip install 'ortools>=9.12,<9.16'): exact solves impossible")
    optima = {}
    for line in (folder / "pmedopt.txt").read_text().splitlines():
        parts = line.split()
        if len(parts) == 2:
            optima[parts[0]] = float(parts[1])
    names = [f"pmed{i}" for i in range(1, 11) if (folder / f"pmed{i}.txt").is_file()]
    print(f"{'instance':<9}{'n':>5}{'p':>4}{'optimum':>9}{'exact':>9}{'method':>8}{'seconds':>9}"
          f"{'greedy+swap':>13}{'gap %':>7}{'seconds':>9}")
    total = 0.0
    n_opt = 0
    for name in names:
        cost, p = read_orlib_pmed(folder / f"{name}.txt")
        t = time.perf_counter()
        sol = solve_p_median(cost, None, p, method="exact", time_limit_s=args.time_limit, max_pairs=10**9)
        seconds = time.perf_counter() - t
        total += seconds
        t = time.perf_counter()
        heur = solve_p_median(cost, None, p, method="greedy")
        h_seconds = time.perf_counter() - t
        best = optima.get(name)
        ok = best is not None and abs(sol.objective - best) < 1e-6 and sol.optimal
        n_opt += ok
        gap = 100 * (heur.objective - best) / best if best else float("nan")
        print(f"{name:<9}{cost.shape[0]:>5}{p:>4}{best:>9.0f}{sol.objective:>9.0f}"
              f"{'yes' if ok else 'NO':>8}{seconds:>9.2f}{heur.objective:>13.0f}{gap:>7.2f}{h_seconds:>9.2f}")
    print(f"exact optimum on {n_opt} of {len(names)} instances; exact solves took {total:.1f} s in all")
    print(f"RESULT instances={len(names)} optimal={n_opt} total_seconds={total:.1f}")
    return 0 if n_opt == len(names) else 1


if __name__ == "__main__":
    raise SystemExit(main())
