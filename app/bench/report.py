# SPDX-License-Identifier: BSD-3-Clause
"""Tables, results.csv and plots for devtools/bench.sh.

Reads what bench.sh left in --out:
  ipp/<driver>-<run>/callgrind.out.<n>   one callgrind dump per phase, named
                                         "ipp <tx|rx> <path> <len> pkts=<n>"
  ipp/<driver>-<run>/stdout.txt          DRIVER / RESULT / SKIP lines
  mpps-windows.txt                       "<driver> <path> <len> <mode> <rep>
                                         <rtt_before> <rtt_after> <ok> <dir>"
  mpps/<case>/{fe,be}.log                the two testpmd logs of a window
and writes results.csv, ipp.png, mpps.png, annotate/*.txt.
"""

import argparse
import csv
import glob
import os
import re
import shutil
import statistics
import subprocess
import sys

PATHS = ['split', 'split-mrg', 'split-ino', 'split-mrg-ino',
         'packed', 'packed-mrg', 'packed-ino', 'packed-mrg-ino']
DRIVERS = ['stock', 'ours']
FIELDS = ['kind', 'driver', 'path', 'len', 'mode', 'rep', 'placement', 'rtt_before_ns',
          'rtt_after_ns', 'instr_per_pkt', 'mpps', 'cycles_per_pkt', 'driver_cycles_per_pkt',
          'status']
TRIGGER = re.compile(r'^desc: Trigger: Client Request: ipp (tx|rx) (\S+) (\d+) pkts=(\d+)$')


def path_key(p):
    return PATHS.index(p) if p in PATHS else len(PATHS)


# ------------------------------------------------------------------ ipp

def ipp_dumps(run_dir):
    """{(dir, path, len): (instructions, packets, dump file)} of one run."""
    res = {}
    for f in glob.glob(os.path.join(run_dir, 'callgrind.out.*')):
        key = None
        total = None
        with open(f) as fh:
            for line in fh:
                m = TRIGGER.match(line.rstrip('\n'))
                if m:
                    key = (m.group(1), m.group(2), int(m.group(3)))
                    pkts = int(m.group(4))
                elif line.startswith('totals:') or line.startswith('summary:'):
                    total = int(line.split()[1])
        if key is not None and total is not None:
            res[key] = (total, pkts, f)
    return res


def ipp_collect(out):
    runs = {}
    for d in sorted(glob.glob(os.path.join(out, 'ipp', '*-*'))):
        drv, n = os.path.basename(d).rsplit('-', 1)
        runs.setdefault(drv, {})[int(n)] = ipp_dumps(d)
    rows, identical = [], {}
    for drv, by_run in runs.items():
        first = by_run[min(by_run)]
        counts = [{k: v[:2] for k, v in r.items()} for r in by_run.values()]
        same = all(c == counts[0] for c in counts)
        identical[drv] = (same, len(by_run))
        for (dr, p, ln), (total, pkts, _) in first.items():
            rows.append({'kind': 'ipp', 'driver': drv, 'path': p, 'len': ln, 'mode': dr,
                         'rep': 1, 'instr_per_pkt': round(total / pkts, 2),
                         'status': 'ok' if same else 'nondeterministic'})
    return rows, identical, runs


def ipp_table(rows, identical, paths_seen):
    val = {(r['driver'], r['path'], r['len'], r['mode']): r['instr_per_pkt'] for r in rows}
    lens = sorted({r['len'] for r in rows})
    print('\nInstructions per packet (callgrind, burst 32; lower is better; ratio = ours/stock)')
    hdr = '%-15s %5s | %9s %9s %6s | %9s %9s %6s' % (
        'path', 'len', 'Tx stock', 'Tx ours', 'ratio', 'Rx stock', 'Rx ours', 'ratio')
    print(hdr)
    print('-' * len(hdr))
    for p in sorted(paths_seen, key=path_key):
        for ln in lens:
            cells = []
            for d in ('tx', 'rx'):
                s, o = val.get(('stock', p, ln, d)), val.get(('ours', p, ln, d))
                cells += ['%9.1f' % s if s else '%9s' % 'n/a',
                          '%9.1f' % o if o else '%9s' % 'n/a',
                          '%6.2f' % (o / s) if s and o else '%6s' % '-']
            print('%-15s %5d | %s %s %s | %s %s %s' % ((p, ln) + tuple(cells)))
    for drv, (same, n) in sorted(identical.items()):
        print('%s: %d runs, counts %s' % (drv, n, 'identical' if same else 'DIFFER'))


def ipp_annotate(out, runs):
    """Per-dump function profiles (self cost) into annotate/; returns ours' files."""
    if not shutil.which('callgrind_annotate'):
        return {}
    adir = os.path.join(out, 'annotate')
    os.makedirs(adir, exist_ok=True)
    files = {}
    for drv, by_run in runs.items():
        for (dr, p, ln), (_, pkts, f) in by_run[min(by_run)].items():
            txt = subprocess.run(['callgrind_annotate', '--threshold=100', '--auto=no', f],
                                 capture_output=True, text=True).stdout
            name = os.path.join(adir, '%s-%s-%s-%d.txt' % (drv, dr, p, ln))
            with open(name, 'w') as fh:
                fh.write(txt)
            files[(drv, dr, p, ln)] = (txt, pkts)
    return files


def ipp_top(files, drv, dr, p, ln, n=8):
    if (drv, dr, p, ln) not in files:
        return
    txt, pkts = files[(drv, dr, p, ln)]
    print('\nTop self cost, %s %s %s %d B (instructions per packet):' % (drv, dr, p, ln))
    shown = 0
    for line in txt.splitlines():
        m = re.match(r'^\s*([\d,]+) \(\s*[\d.]+%\)\s+(\S+)(?: \[(.*)\])?$', line)
        if not m or 'PROGRAM TOTALS' in line or m.group(2).endswith(':main'):
            continue
        cost = int(m.group(1).replace(',', ''))
        fn = m.group(2).split(':', 1)[-1]
        print('  %8.1f  %s [%s]' % (cost / pkts, fn, os.path.basename(m.group(3) or '?')))
        shown += 1
        if shown == n:
            break


# ------------------------------------------------------------------ mpps

def nth_float(pattern, text, n):
    vals = re.findall(pattern, text)
    return float(vals[n]) if vals else None


def read(path):
    try:
        with open(path, errors='replace') as fh:
            return fh.read()
    except OSError:
        return ''


def classify(rtt, near_ns, busy_ns):
    """near / far by the cache-line round trip; busy: another task shares a CPU."""
    try:
        ns = float(rtt)
    except ValueError:
        return 'busy'
    return 'near' if ns < near_ns else 'far' if ns < busy_ns else 'busy'


def mpps_collect(out, near_ns, busy_ns):
    rows = []
    try:
        lines = open(os.path.join(out, 'mpps-windows.txt')).read().splitlines()
    except OSError:
        return rows
    for line in lines:
        drv, p, ln, mode, rep, rtt0, rtt1, ok, wdir = line.split()
        fe, be = read(os.path.join(wdir, 'fe.log')), read(os.path.join(wdir, 'be.log'))
        src = be if mode == 'txonly' else fe
        # The window's own figures: the last port stats shown (stop and quit
        # print none), the first fwd stats (stop prints them again, later).
        pps = nth_float(r'Rx-pps:\s+(\d+)', src, -1)
        cyc = nth_float(r'CPU cycles/packet=([\d.]+)', fe, 0)
        p0, p1 = classify(rtt0, near_ns, busy_ns), classify(rtt1, near_ns, busy_ns)
        status = 'ok'
        if ok != '1' or not pps:
            status = 'n/a'
            if re.search(r'Fail to (configure|start) port', fe):
                status = 'n/a (port failed)'
        # BENCH_PERF=1: the driver object's share of the busy samples of CPU 0.
        share = read(os.path.join(wdir, 'driver-share.txt')).split()
        dcyc = ''
        if len(share) == 2 and float(share[1]) > 0 and cyc is not None and status == 'ok':
            dcyc = round(cyc * float(share[0]) / float(share[1]), 1)
        rows.append({'kind': 'mpps', 'driver': drv, 'path': p, 'len': int(ln), 'mode': mode,
                     'rep': int(rep), 'placement': p0 if p0 == p1 else 'mixed',
                     'rtt_before_ns': rtt0, 'rtt_after_ns': rtt1,
                     'mpps': round(pps / 1e6, 3) if pps else '',
                     'cycles_per_pkt': cyc if cyc is not None and status == 'ok' else '',
                     'driver_cycles_per_pkt': dcyc, 'status': status})
    return rows


def mpps_table(rows):
    cases = {}
    for r in rows:
        cases.setdefault((r['path'], r['len'], r['mode']), []).append(r)
    print('\nTwo-process windows, frontend on CPU 0, vhost testpmd on CPU 1; medians per'
          ' placement (only windows whose placement was the same before and after;'
          ' order: S stock, O ours, lower case: window left out)')
    hdr = '%-15s %5s %-7s %-6s | %8s %8s %6s | %9s %9s | %s' % (
        'path', 'len', 'mode', 'place', 'cyc stock', 'cyc ours', 'ratio',
        'Mpps stock', 'Mpps ours', 'order')
    print(hdr)
    print('-' * len(hdr))
    agg = []
    for (p, ln, mode), rs in sorted(cases.items(), key=lambda kv: (path_key(kv[0][0]),) +
                                    kv[0][1:]):
        order = ''.join(('S' if r['driver'] == 'stock' else 'O').lower()
                        if r['placement'] not in ('near', 'far') or r['status'] != 'ok'
                        else 'S' if r['driver'] == 'stock' else 'O' for r in rs)
        places = sorted({r['placement'] for r in rs if r['placement'] in ('near', 'far')})
        for pl in places or ['-']:
            med = {}
            for drv in DRIVERS:
                ok = [r for r in rs if r['driver'] == drv and r['placement'] == pl and
                      r['status'] == 'ok']
                med[drv] = (statistics.median([r['cycles_per_pkt'] for r in ok
                                               if r['cycles_per_pkt'] != '']) if ok else None,
                            statistics.median([r['mpps'] for r in ok]) if ok else None, len(ok))
            cs, co = med['stock'][0], med['ours'][0]
            ms, mo = med['stock'][1], med['ours'][1]
            agg.append((p, ln, mode, pl, cs, co, ms, mo))
            print('%-15s %5d %-7s %-6s | %8s %8s %6s | %9s %9s | %s' % (
                p, ln, mode, pl,
                '%.1f' % cs if cs else 'n/a', '%.1f' % co if co else 'n/a',
                '%.2f' % (co / cs) if cs and co else '-',
                '%.3f' % ms if ms else 'n/a', '%.3f' % mo if mo else 'n/a', order))
    return agg


def driver_table(rows):
    """BENCH_PERF=1: medians of the driver's own cycles per packet."""
    cases = {}
    for r in rows:
        if r['driver_cycles_per_pkt'] != '' and r['placement'] in ('near', 'far'):
            cases.setdefault((r['path'], r['len'], r['mode'], r['placement']), {}).setdefault(
                r['driver'], []).append(r['driver_cycles_per_pkt'])
    if not cases:
        return
    print('\nThe driver\'s own cycles per packet (BENCH_PERF=1): the frontend\'s cycles'
          ' times the share of CPU 0\'s busy samples in the driver\'s shared object')
    hdr = '%-15s %5s %-7s %-6s | %8s %8s %6s' % ('path', 'len', 'mode', 'place',
                                                 'drv stock', 'drv ours', 'ratio')
    print(hdr)
    print('-' * len(hdr))
    for (p, ln, mode, pl), by in sorted(cases.items(), key=lambda kv: (path_key(kv[0][0]),) +
                                        kv[0][1:]):
        cs, co = (statistics.median(by[d]) if d in by else None for d in DRIVERS)
        print('%-15s %5d %-7s %-6s | %8s %8s %6s' % (
            p, ln, mode, pl, '%.1f' % cs if cs else 'n/a', '%.1f' % co if co else 'n/a',
            '%.2f' % (co / cs) if cs and co else '-'))


# ------------------------------------------------------------------ plots

def gnuplot(script):
    if not shutil.which('gnuplot'):
        print('report: gnuplot missing: no plots', file=sys.stderr)
        return
    r = subprocess.run(['gnuplot'], input=script, capture_output=True, text=True)
    if r.returncode != 0:
        print('report: gnuplot failed: ' + r.stderr.strip(), file=sys.stderr)


def plot_ipp(out, rows):
    val = {(r['driver'], r['path'], r['len'], r['mode']): r['instr_per_pkt'] for r in rows}
    keys = sorted({(r['path'], r['len']) for r in rows}, key=lambda k: (path_key(k[0]), k[1]))
    dat = os.path.join(out, 'ipp.dat')
    with open(dat, 'w') as fh:
        for p, ln in keys:
            fh.write('"%s/%d" %s\n' % (p, ln, ' '.join(
                str(val.get((d, p, ln, dr), 'NaN'))
                for dr in ('tx', 'rx') for d in DRIVERS)))
    gnuplot('''set terminal pngcairo size 1400,600
set yrange [0:*]
set key outside right top
set bmargin 8
set rmargin 10
set output "%s"
set title "Instructions per packet, burst 32 (callgrind; lower is better)"
set style data histogram
set style histogram cluster gap 1
set style fill solid border -1
set xtics rotate by -35
set ylabel "instructions / packet"
set key top left
set grid ytics
plot "%s" using 2:xtic(1) title "Tx stock", "" using 3 title "Tx ours", \\
     "" using 4 title "Rx stock", "" using 5 title "Rx ours"
''' % (os.path.join(out, 'ipp.png'), dat))


def plot_mpps(out, agg):
    pts = [a for a in agg if a[4] or a[5]]
    if not pts:
        return
    dat = os.path.join(out, 'mpps.dat')
    with open(dat, 'w') as fh:
        for p, ln, mode, pl, cs, co, ms, mo in pts:
            fh.write('"%s/%d/%s/%s" %s %s\n' % (p, ln, mode, pl, cs or 'NaN', co or 'NaN'))
    gnuplot('''set terminal pngcairo size 1600,600
set yrange [0:*]
set key outside right top
set bmargin 8
set rmargin 10
set output "%s"
set title "Frontend CPU cycles per packet, two processes (median per placement; lower is better)"
set style data histogram
set style histogram cluster gap 1
set style fill solid border -1
set xtics rotate by -45 font ",8"
set ylabel "cycles / packet"
set grid ytics
plot "%s" using 2:xtic(1) title "stock", "" using 3 title "ours"
''' % (os.path.join(out, 'mpps.png'), dat))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True)
    ap.add_argument('--near-ns', type=float, default=200)
    ap.add_argument('--busy-ns', type=float, default=1000)
    ap.add_argument('--part', default='all')
    a = ap.parse_args()

    rows = []
    if a.part in ('ipp', 'all'):
        ipp_rows, identical, runs = ipp_collect(a.out)
        ipp_table(ipp_rows, identical, {r['path'] for r in ipp_rows} |
                  {p for p in PATHS if p.startswith('split')})
        files = ipp_annotate(a.out, runs)
        for dr in ('tx', 'rx'):
            ipp_top(files, 'ours', dr, 'split', 64)
        plot_ipp(a.out, ipp_rows)
        rows += ipp_rows
    if a.part in ('mpps', 'all'):
        mpps_rows = mpps_collect(a.out, a.near_ns, a.busy_ns)
        agg = mpps_table(mpps_rows)
        driver_table(mpps_rows)
        plot_mpps(a.out, agg)
        rows += mpps_rows
    with open(os.path.join(a.out, 'results.csv'), 'w', newline='') as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS)
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, '') for k in FIELDS})
    print('\nresults: %s' % os.path.join(a.out, 'results.csv'))
    with open(os.path.join(a.out, 'build-info.txt')) as fh:
        print(''.join(l for l in fh if l.startswith(('compiler', 'stock package',
                                                      'meson options'))), end='')
    bad = [d for d, (same, _) in identical.items() if not same] if a.part != 'mpps' else []
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
