#!/usr/bin/python3
"""Runs one benchmark network (a Volley spec JSON, as bench/run.mjs writes
them) in Brian 2 and prints one JSON line of measurements:

    /usr/bin/python3 bench/brian2_bench.py SPEC.json --target numpy|cython|cpp_standalone
        [--cache DIR] [--workdir DIR]

Measurements (seconds, bytes):
- build_s: creating the objects, connecting synapses and setting initial values
  (for cpp_standalone this only records the calls: the binary does the work);
- codegen_s: code generation and compilation — numpy/cython: the part of
  `run()` before the first step (cython compiles into --cache; a warm cache
  skips the C compiler); cpp_standalone: `device.build(run=False)`;
- loop_s: the simulation loop alone (Brian's own timer: `device._last_run_time`,
  read from results/last_run_info.txt for the standalone binary);
- binary_s (cpp_standalone): the binary's whole run, including synapse creation
  and writing results;
- synapses, spikes, events: synapse count, spikes of all groups, on_pre events
  (Σ over sources of spikes × out-degree, from count-only spike monitors);
- peak_rss: the process's maximum resident set size (standalone: the binary's,
  via /usr/bin/time); baseline_rss: RSS after importing Brian, before building;
  bytes_per_synapse = (peak_rss - baseline_rss) / synapses (standalone: peak / synapses).

It understands the subset of the spec the benchmarks use: neuron and Poisson
groups, synapses with `connect` {condition, p} or {j: "i"}, `init` strings,
`delay`, and spike monitors. The spec's strings are evaluated as Python, so
only run it on specs you wrote.
"""
import argparse
import json
import os
import resource
import sys
import tempfile
import time
import warnings

warnings.filterwarnings('ignore')
import numpy as np  # noqa: E402


def rss_now():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')


def peak_rss_self():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('spec')
    ap.add_argument('--target', default='numpy', choices=['numpy', 'cython', 'cpp_standalone'])
    ap.add_argument('--cache', help='cython cache directory (default: Brian\'s own)')
    ap.add_argument('--workdir', help='cpp_standalone project directory (default: a temporary one)')
    a = ap.parse_args()
    with open(a.spec) as f:
        spec = json.load(f)

    t_import = time.time()
    import brian2 as b2
    t_import = time.time() - t_import
    b2.prefs.logging.console_log_level = 'WARNING'
    standalone = a.target == 'cpp_standalone'
    workdir = None
    if standalone:
        workdir = a.workdir or tempfile.mkdtemp(prefix='brian2-bench-')
        b2.set_device('cpp_standalone', directory=workdir, build_on_run=False)
        b2.prefs.devices.cpp_standalone.run_cmd_unix = [
            '/usr/bin/time', '-f', '%M', '-o', 'results/maxrss_kb.txt', './main']
    else:
        b2.prefs.codegen.target = a.target
        if a.target == 'cython' and a.cache:
            b2.prefs.codegen.runtime.cython.cache_dir = a.cache
    b2.seed(spec.get('seed', 1))
    baseline = rss_now()

    units = {k: getattr(b2, k) for k in dir(b2) if isinstance(getattr(b2, k), (b2.Unit, b2.Quantity))}

    def q(expr, ns):
        if isinstance(expr, (int, float)):
            return expr
        env = dict(units)
        env.update(ns)
        return eval(str(expr), {'__builtins__': {}}, env)

    consts = {}
    for k, v in (spec.get('constants') or {}).items():
        consts[k] = q(v, consts)
    dt = q(spec.get('dt', '0.1*ms'), consts)
    duration = q(spec['duration'], consts)
    b2.defaultclock.dt = dt

    t0 = time.time()
    objs, net = {}, []
    for name, g in spec['groups'].items():
        if g['type'] == 'neurons':
            kw = {k: g[k] for k in ('threshold', 'reset', 'method') if g.get(k)}
            if g.get('refractory'):
                kw['refractory'] = q(g['refractory'], consts)
            G = b2.NeuronGroup(g['N'], g['model'], namespace=dict(consts), name=name, **kw)
            for var, val in (g.get('init') or {}).items():
                setattr(G, var, val if isinstance(val, str) else q(val, consts))
        elif g['type'] == 'poisson':
            G = b2.PoissonGroup(g['N'], rates=q(g['rates'], consts), name=name)
        else:
            raise ValueError(f'benchmark specs use neurons and poisson groups, not {g["type"]}')
        objs[name] = G
        net.append(G)
    syn = {}
    for name, s in (spec.get('synapses') or {}).items():
        kw = {k: s[k] for k in ('on_pre', 'on_post') if s.get(k)}
        if s.get('delay'):
            kw['delay'] = q(s['delay'], consts)
        S = b2.Synapses(objs[s['source']], objs[s['target']], model=s.get('model') or '',
                        namespace=dict(consts), name=name, **kw)
        c = s['connect']
        if isinstance(c.get('j'), str):
            S.connect(j=c['j'])
        else:
            S.connect(c.get('condition', True), p=c.get('p', 1.0))
        for var, val in (s.get('init') or {}).items():
            setattr(S, var, val if isinstance(val, str) else q(val, consts))
        objs[name] = S
        syn[name] = S
        net.append(S)
    counters = {}
    for name, g in spec['groups'].items():
        counters[name] = b2.SpikeMonitor(objs[name], record=False, name=f'count_{name}')
        net.append(counters[name])
    network = b2.Network(net)
    build_s = time.time() - t0

    out = {'target': a.target, 'brian2': b2.__version__, 'import_s': t_import, 'build_s': build_s,
           'baseline_rss': baseline}
    t1 = time.time()
    network.run(duration, namespace={})
    run_wall = time.time() - t1
    if standalone:
        t2 = time.time()
        b2.device.build(directory=workdir, compile=True, run=False, with_output=False)
        out['codegen_s'] = time.time() - t2
        b2.device.run(workdir, with_output=False, run_args=[])
        out['binary_s'] = b2.device.timers.get('run_binary')
        out['loop_s'] = float(b2.device._last_run_time)
        with open(os.path.join(workdir, 'results', 'maxrss_kb.txt')) as f:
            out['peak_rss'] = int(f.read().strip().splitlines()[-1]) * 1024
        out['workdir'] = workdir
    else:
        out['loop_s'] = float(b2.device._last_run_time)
        out['codegen_s'] = run_wall - out['loop_s']
        out['peak_rss'] = peak_rss_self()

    spikes = {name: np.asarray(m.count[:], dtype=np.int64) for name, m in counters.items()}
    events = 0
    n_syn = 0
    for name, S in syn.items():
        src = spec['synapses'][name]['source']
        pre = np.asarray(S.i[:], dtype=np.int64)
        n_syn += len(pre)
        if spec['synapses'][name].get('on_pre'):
            outdeg = np.bincount(pre, minlength=len(spikes[src]))
            events += int(np.dot(outdeg, spikes[src]))
    out.update({
        'synapses': n_syn,
        'spikes': int(sum(int(c.sum()) for c in spikes.values())),
        'events': events,
        'steps': int(round(float(duration) / float(dt))),
    })
    if n_syn:
        used = out['peak_rss'] if standalone else out['peak_rss'] - baseline
        out['bytes_per_synapse'] = used / n_syn
    print(json.dumps(out))


if __name__ == '__main__':
    sys.exit(main())
