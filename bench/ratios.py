#!/usr/bin/env python3
"""Ratios of our per-test wall time (megatest-rs*) to the peers' in peers-bench results.

Usage: ratios.py results.csv [more.csv ...]

Per (system, N): median wall/test, CPU/test and peak RSS over the passing runs; then, for
every megatest-rs* system, wall/test divided by xargs', snakemake's and reframe's at the same
N (a ratio is left out when that peer has no passing run at that N), and the marginal cost
per extra test between the smallest and the largest N of one CSV file.
Runs whose check failed are counted and reported, never used.
"""
import csv
import statistics as st
import sys
from collections import defaultdict


def load(paths):
    rows, failed = [], defaultdict(int)
    for p in paths:
        for r in csv.DictReader(open(p)):
            r['_file'] = p
            if r.get('check') == 'pass':
                rows.append(r)
            else:
                failed[(r['system'], int(r['n']))] += 1
    return rows, failed


def med(rows, key):
    vals = [float(r[key]) for r in rows if r.get(key) not in ('', None)]
    return st.median(vals) if vals else float('nan')


def fmt(x, p=2):
    return 'n/a' if x != x else f'{x:.{p}f}'


def main(paths):
    rows, failed = load(paths)
    g = defaultdict(list)
    for r in rows:
        g[(r['system'], int(r['n']))].append(r)
    stats = {}
    for (s, n), lst in g.items():
        wall = med(lst, 'wall_s')
        cpu = med(lst, 'user_s') + med(lst, 'sys_s')
        stats[(s, n)] = {
            'runs': len(lst),
            'wall_ms': 1000 * wall / n,
            'cpu_ms': 1000 * cpu / n,
            'first_s': med(lst, 'first_s'),
            'rss_mb': med(lst, 'maxrss_kb') / 1024,
            'wall_s': wall,
            'file': lst[0]['_file'],
        }

    print('## Per-test cost (medians of passing runs)')
    print()
    print('| system | N | runs | wall s | wall/test ms | CPU/test ms | first output s | peak RSS MB |')
    print('|---|---|---|---|---|---|---|---|')
    for (s, n), v in sorted(stats.items(), key=lambda x: (x[0][1], x[0][0])):
        print(f"| {s} | {n} | {v['runs']} | {fmt(v['wall_s'])} | {fmt(v['wall_ms'])} | "
              f"{fmt(v['cpu_ms'])} | {fmt(v['first_s'], 3)} | {fmt(v['rss_mb'], 1)} |")
    if failed:
        print()
        print('Failed runs (not used): ' + ', '.join(f'{s} N={n}: {c}' for (s, n), c in sorted(failed.items())))

    ours = sorted({s for s, _ in stats if s.startswith('megatest-rs')})
    peers = ['xargs', 'make', 'snakemake', 'reframe']
    print()
    print('## Ratios: our wall/test divided by the peer\'s at the same N (lower is better)')
    print()
    print('| ours | N | ' + ' | '.join(f'/ {p}' for p in peers) + ' |')
    print('|---|---|' + '---|' * len(peers))
    for s in ours:
        for n in sorted(n for (t, n) in stats if t == s):
            cells = []
            for p in peers:
                pv = stats.get((p, n))
                cells.append(fmt(stats[(s, n)]['wall_ms'] / pv['wall_ms']) if pv else '-')
            print(f'| {s} | {n} | ' + ' | '.join(cells) + ' |')

    # Marginal cost within one file (the same session), as summarize.py computes it.
    print()
    print('## Marginal wall cost per extra test (between the smallest and largest N of a file)')
    print()
    print('| system | Nmin..Nmax | marginal ms/test | × xargs marginal |')
    print('|---|---|---|---|')
    by_file = defaultdict(dict)
    for (s, n), v in stats.items():
        by_file[(v['file'], s)][n] = v['wall_s']
    floors = {}
    for (f, s), d in by_file.items():
        if s == 'xargs' and len(d) >= 2:
            lo, hi = min(d), max(d)
            floors[f] = 1000 * (d[hi] - d[lo]) / (hi - lo)
    for (f, s), d in sorted(by_file.items(), key=lambda x: (x[0][0], x[0][1])):
        if len(d) < 2:
            continue
        lo, hi = min(d), max(d)
        m = 1000 * (d[hi] - d[lo]) / (hi - lo)
        ratio = fmt(m / floors[f]) if f in floors and floors[f] > 0 else 'n/a'
        print(f'| {s} | {lo}..{hi} | {m:.2f} | {ratio} |')


if __name__ == '__main__':
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
