/**
 * What the summary table says about each run, for the terminal, Markdown and the HTML report alike, so
 * that all three carry the same caveats: a saturated run says so and gets no ratio to raw; a percentile
 * too few samples support is given as "max of N samples"; an emulator is named in the target's cell; a
 * run on a busy machine says so.
 */
import type { PercentileName, ResultsFile, RunRecord, RunSummary } from './schema.ts';

export interface SummaryRow {
  id: string;
  target: string;
  workload: string;
  mode: string;
  status: RunRecord['status'];
  saturated: boolean;
  /** Offered rate, workers, or the search/sweep verdict. */
  rate: string;
  opsPerSecond: string;
  eventsPerSecond: string;
  p50: string;
  p99: string;
  p999: string;
  max: string;
  sendDelayP99: string;
  errors: string;
  conflicts: string;
  vsRaw: string;
  notes: string[];
}

const num = (n: number, digits = 3): string => (Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : String(Number(n.toFixed(digits))));

/** A percentile's cell: the value, or "max of N samples: value" when the samples do not support it. */
export function percentileCell(s: RunSummary, name: PercentileName, value: number): string {
  if (!(s.tooFewSamplesFor ?? []).includes(name)) return num(value);
  return `${num(value)} (max of ${(s.samples ?? 0).toLocaleString('en-US')} samples)`;
}

export function emulatorOfBackend(results: ResultsFile, backend: string): string | null {
  return results.environment.backends.find((b) => b.name === backend)?.emulator ?? null;
}

export function targetLabel(results: ResultsFile, r: RunRecord): string {
  const members = r.summary?.consumerGroup?.members;
  const via = r.via === 'http' ? `${r.target} via HTTP` : r.target;
  // The runs of a consumer-group workload differ by their member count.
  const base = members !== undefined ? `${via} · ${members} member${members === 1 ? '' : 's'}` : via;
  return emulatorOfBackend(results, r.backend) ? `${base} [emulator]` : base;
}

function rateCell(r: RunRecord, s: RunSummary): string {
  if (r.mode === 'max-rate') {
    if (r.search?.verdict === 'busy-machine') return `no verdict (busy machine; ${r.search.maxSustainableRate ?? 'none'})`;
    const spread = r.search?.spread;
    return `max ${r.search?.maxSustainableRate ?? 'none'}${spread && spread.min !== spread.max ? ` (${spread.min}–${spread.max})` : ''}`;
  }
  if (r.mode === 'sweep') {
    const h = r.sweep?.highestUnsaturatedRate;
    if (!h) return 'saturated at every rate';
    // (a repeat that saturated at every rate counts as 0)
    if (h.median === 0) return `none in most repeats (range 0–${h.max})`;
    // Kept up at the top of the ladder: a lower bound, not the capacity.
    const atTop = h.median >= Math.max(...(r.sweep?.rates ?? [])) ? '≥ ' : '';
    return `unsaturated up to ${atTop}${h.median}${h.min !== h.max ? ` (${h.min}–${h.max})` : ''}${atTop ? ' (top of the ladder)' : ''}`;
  }
  return s.targetRate !== null ? num(s.targetRate) : `${s.concurrency} workers`;
}

export function summaryRow(results: ResultsFile, r: RunRecord): SummaryRow {
  const blank = { rate: '', opsPerSecond: '', eventsPerSecond: '', p50: '', p99: '', p999: '', max: '', sendDelayP99: '', errors: '', conflicts: '', vsRaw: '' };
  const base = { id: r.id, target: targetLabel(results, r), workload: r.workload, mode: r.mode, status: r.status };
  if (r.status !== 'ok' || !r.summary) return { ...base, ...blank, saturated: false, notes: [`${r.status}: ${(r.reason ?? '').split('\n')[0]}`] };
  const s = r.summary;
  const saturated = s.saturated ?? false;
  const notes: string[] = [];
  if (saturated) notes.push(`SATURATED: ${(s.saturation ?? []).join('; ')}; no ratio to raw`);
  if (r.machine?.busy) notes.push(`busy machine: ${r.machine.why}`);
  const emulator = emulatorOfBackend(results, r.backend);
  if (emulator) notes.push(emulator.split(';')[0]!);
  if (s.unsent > 0 && !saturated) notes.push(`${s.unsent} unsent`);
  if (s.lag && !s.subscribers) notes.push(`lag p99 ${num(s.lag.p99Ms)} ms`);
  if (s.subscribers) {
    const sub = s.subscribers;
    // A group's read-ahead buffers are in its member processes: not measured here.
    const buffer = s.consumerGroup ? '' : `buffer max ${sub.maxBuffered} of ${sub.bufferSize}; `;
    notes.push(
      `handler ${sub.handlerCostMs} ms/event: lag p50 ${num(sub.lagP50Ms)} ms, p99 ${num(sub.lagP99Ms)} ms; ${buffer}` +
        `backlog ${sub.backlogAtEnd} at the end, ${sub.recoverySeconds === null ? 'NOT recovered' : `recovered in ${sub.recoverySeconds} s`}; RSS ${Math.round(sub.rssStartBytes / 2 ** 20)}→${Math.round(sub.rssMaxBytes / 2 ** 20)} MiB`,
    );
  }
  if (s.consumerGroup) {
    const g = s.consumerGroup;
    const kill = g.killedAtSeconds === null ? '' : `; a member killed at ${g.killedAtSeconds} s, its partitions taken over ${g.takeoverMs === null ? 'NOT within the run' : `after ${num(g.takeoverMs)} ms`} (lease ${g.leaseMs} ms)`;
    notes.push(`group of ${g.members}: ${num(g.handledPerSecond, 1)} events handled/s, per member ${g.perMember.map((m) => `${m.handled}${m.killed ? ' (killed)' : ''}`).join(' / ')}${kill}; ${g.redelivered} handled twice`);
  }
  if (s.drain) notes.push(`drained ${s.drain.events} in ${s.drain.seconds} s${s.drain.completed ? '' : ' (NOT complete)'}`);
  for (const n of r.notes) if (!/never sent|machine was busy/.test(n)) notes.push(n);
  // A ratio of medians whose ranges overlap is a tie, and says so (baseline-ratios.ts).
  const ratio = (b: RunSummary['baseline'] | undefined, what: string) => (!b ? '' : b.rangesOverlap ? `${what}: tie (ranges overlap)` : `${b.throughputRatio}× ${what}`);
  const vsRaw = saturated ? '' : [ratio(s.baseline, r.mode === 'sweep' ? 'capacity' : 'ops/s'), s.guaranteeBaseline ? `${ratio(s.guaranteeBaseline, 'same guarantee')}` : ''].filter(Boolean).join(', ');
  return {
    ...base,
    saturated,
    rate: rateCell(r, s),
    opsPerSecond: saturated ? `${num(s.throughput, 1)} (achieved while saturated)` : num(s.throughput, 1),
    eventsPerSecond: num(s.eventsPerSecond, 1),
    p50: percentileCell(s, 'p50', s.p50Ms),
    p99: percentileCell(s, 'p99', s.p99Ms),
    p999: percentileCell(s, 'p99.9', s.p999Ms),
    max: num(s.maxMs),
    sendDelayP99: num(s.sendDelay.p99Ms),
    errors: String(s.errorCount - s.conflicts),
    conflicts: s.conflicts ? `${s.conflicts} (${(s.conflictRate * 100).toFixed(1)} %)` : '0',
    vsRaw,
    notes,
  };
}

export function summaryRows(results: ResultsFile): SummaryRow[] {
  return results.runs.map((r) => summaryRow(results, r));
}
