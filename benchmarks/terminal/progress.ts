/**
 * The live progress line. On a terminal: one cli-progress bar, redrawn in place. Anywhere else (CI
 * logs, a pipe): a plain line every few seconds, so logs stay readable and still show the run moving.
 */
import cliProgress from 'cli-progress';
import pc from 'picocolors';
import type { RunRecord } from '../results-file/schema.ts';
import type { Progress } from '../harness/run-workload.ts';

export interface ProgressDisplay {
  begin: (label: string, totalSeconds: number) => void;
  update: (progress: Progress) => void;
  end: (record: RunRecord) => void;
}

function describe(p: Progress): string {
  const l = p.latest;
  const parts = [
    `${p.phase}`,
    `${p.elapsedSeconds.toFixed(0)}/${p.totalSeconds}s`,
    `${l ? l.throughput.toFixed(0) : '-'} ops/s`,
    `p50 ${l ? l.p50Ms.toFixed(2) : '-'} ms`,
    `p99 ${l ? l.p99Ms.toFixed(2) : '-'} ms`,
    `send-delay p99 ${l ? l.sendDelayP99Ms.toFixed(2) : '-'} ms`,
    `in flight ${p.inFlight}`,
    `held back ${p.pending}`,
  ];
  if (p.backlog > 0 || p.phase === 'drain') parts.push(`backlog ${p.backlog}`);
  if (p.errors > 0) parts.push(`errors ${p.errors}`);
  return parts.join(' · ');
}

export function endLine(record: RunRecord): string {
  const head = `${record.target} · ${record.workload} · ${record.mode}${record.via === 'http' ? ' · http' : ''}`;
  if (record.status !== 'ok' || !record.summary) return `${pc.yellow(record.status.toUpperCase())} ${head}: ${record.reason ?? ''}`;
  const s = record.summary;
  const saturated = s.saturated ? pc.yellow(` SATURATED (${(s.saturation ?? []).join('; ')})`) : '';
  return `${pc.green('done')} ${head}: ${s.throughput} ops/s, p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms, send-delay p99 ${s.sendDelay.p99Ms} ms${s.errorCount ? `, ${s.errorCount} errors` : ''}${saturated}`;
}

export function createProgressDisplay(stream: NodeJS.WriteStream = process.stderr, plainEverySeconds = 5): ProgressDisplay {
  if (stream.isTTY) {
    let bar: cliProgress.SingleBar | undefined;
    return {
      begin: (label, totalSeconds) => {
        bar = new cliProgress.SingleBar(
          { format: `${pc.cyan('{label}')} [{bar}] {status}`, barsize: 20, hideCursor: true, clearOnComplete: true, stream },
          cliProgress.Presets.shades_classic,
        );
        bar.start(totalSeconds, 0, { label, status: 'starting' });
      },
      update: (p) => bar?.update(Math.min(p.elapsedSeconds, p.totalSeconds), { status: describe(p) }),
      end: (record) => {
        bar?.stop();
        bar = undefined;
        stream.write(`${endLine(record)}\n`);
      },
    };
  }
  let label = '';
  let lastPrinted = 0;
  return {
    begin: (l) => {
      label = l;
      lastPrinted = 0;
      stream.write(`start ${l}\n`);
    },
    update: (p) => {
      if (p.elapsedSeconds - lastPrinted < plainEverySeconds && p.phase !== 'drain') return;
      lastPrinted = p.elapsedSeconds;
      stream.write(`  ${label}: ${describe(p)}\n`);
    },
    end: (record) => stream.write(`${endLine(record)}\n`),
  };
}

/**
 * The fill of a growth step: events written of the total, rate and time left (cli-progress' ETA, from
 * the recent rate). Anywhere else than a terminal: a plain line every `plainEverySeconds`.
 */
export function createFillProgress(stream: NodeJS.WriteStream = process.stderr, plainEverySeconds = 10): { start(label: string, total: number): void; update(written: number): void; stop(): void } {
  let label = '';
  let total = 0;
  let started = 0;
  let lastPrinted = 0;
  if (stream.isTTY) {
    let bar: cliProgress.SingleBar | undefined;
    return {
      start: (label, total) => {
        bar = new cliProgress.SingleBar(
          { format: `${pc.cyan('{label}')} [{bar}] {percentage}% · {value}/{total} events · {speed} events/s · {eta_formatted} left`, barsize: 24, hideCursor: true, clearOnComplete: false, stream, etaBuffer: 20, formatValue: (v, _o, type) => (type === 'value' || type === 'total' ? v.toLocaleString('en-US') : String(v)) },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, 0, { label, speed: '-' });
        started = performance.now();
      },
      update: (written) => bar?.update(written, { speed: Math.round(written / Math.max(0.001, (performance.now() - started) / 1000)).toLocaleString('en-US') }),
      stop: () => {
        bar?.stop();
        bar = undefined;
      },
    };
  }
  return {
    start: (l, t) => {
      [label, total, started, lastPrinted] = [l, t, performance.now(), performance.now()];
      stream.write(`start ${label}: ${total.toLocaleString('en-US')} events\n`);
    },
    update: (written) => {
      const now = performance.now();
      if (now - lastPrinted < plainEverySeconds * 1000 && written < total) return;
      lastPrinted = now;
      const rate = written / Math.max(0.001, (now - started) / 1000);
      stream.write(`  ${label}: ${written.toLocaleString('en-US')}/${total.toLocaleString('en-US')} events, ${Math.round(rate).toLocaleString('en-US')}/s, ${Math.round((total - written) / Math.max(rate, 1))} s left\n`);
    },
    stop: () => {},
  };
}
