/**
 * Runs one spec with the built simulator core in this process and prints one JSON line:
 * Volley's own timings (results.stats) and memory. Spawned by bench/run.mjs, one process
 * per case, so peak RSS belongs to that case alone.
 *
 *   node bench/volley-case.mjs SPEC.json
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SIM = new URL('../packages/sim/dist/index.js', import.meta.url);

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const baseline = process.memoryUsage().rss;
const t0 = performance.now();
const { compile, run } = await import(fileURLToPath(SIM));
const importS = (performance.now() - t0) / 1000;

const t1 = performance.now();
const compiled = compile(spec);
if (!compiled.ok) {
  console.error(JSON.stringify(compiled.diagnostics, null, 2));
  process.exit(2);
}
const results = run(compiled.program, { id: 'bench' });
const inProcessS = (performance.now() - t1) / 1000;
const peak = process.resourceUsage().maxRSS * 1024;
const synapses = compiled.program.size.synapses;
console.log(
  JSON.stringify({
    import_s: importS,
    compile_run_s: inProcessS,
    ...results.stats,
    synapses,
    baseline_rss: baseline,
    peak_rss: peak,
    bytes_per_synapse: synapses > 0 ? (peak - baseline) / synapses : null,
  }),
);
