// Evidence produced by other parts of the workbench: the conformance results (capability matrix) and
// the benchmark results. Both are optional; a file that is missing or does not parse is reported as
// absent rather than failing the advisor. Entries that do not parse are skipped individually.
//
// Loaded once and reloaded only when a file changes: the benchmark results are ~440 KB and parsing them
// on every request cost ~5 ms (issue 13, defect 3). A request looks at the files' mtime and size at most
// once per `checkIntervalMs`; other tools rewrite them while the advisor runs, and the next check picks
// the new content up.
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseBenchmarks, type Benchmarks } from './benchmarks.ts';
import { parseCapabilities, type Capabilities } from './capabilities.ts';

export { benchmarkFiguresFor, describeFigure, describeGrowth, parseBenchmarks, type BenchmarkFigure, type Benchmarks, type GrowthFigure } from './benchmarks.ts';
export { caveatsFor, parseCapabilities, type Capabilities, type ScenarioCaveat, type ScenarioStatus } from './capabilities.ts';

export interface EvidenceSnapshot {
  capabilities: Capabilities | null;
  benchmarks: Benchmarks | null;
  /**
   * The results files the knowledge cites (benchmark sources), by file name in the results folder;
   * null when the file is absent or does not parse. `latest.json` is `benchmarks`, not repeated here.
   */
  cited?: Partial<Record<string, Benchmarks | null>>;
}

export interface EvidencePaths {
  capabilitiesPath: string;
  benchmarksPath: string;
  /** Where cited results files live (default: the folder of `benchmarksPath`). */
  resultsDir?: string;
  /** The results files benchmark sources cite, by name (`evidence-….json`). */
  citedResults?: readonly string[];
}

/** The results of a benchmark source: the advisor's current file, or a committed run it names. */
export function citedBenchmarks(evidence: EvidenceSnapshot, results: string): Benchmarks | null {
  return results === LATEST ? evidence.benchmarks : (evidence.cited?.[results] ?? null);
}

export const LATEST = 'latest.json';

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

export async function loadEvidence(paths: EvidencePaths): Promise<EvidenceSnapshot> {
  const dir = paths.resultsDir ?? dirname(paths.benchmarksPath);
  // A cited name is a plain file name: never a path out of the results folder.
  const names = [...new Set(paths.citedResults ?? [])].filter((n) => n !== LATEST && basename(n) === n);
  const [caps, bench, ...cited] = await Promise.all([readJson(paths.capabilitiesPath), readJson(paths.benchmarksPath), ...names.map((n) => readJson(join(dir, n)))]);
  return { capabilities: parseCapabilities(caps), benchmarks: parseBenchmarks(bench), cited: Object.fromEntries(names.map((n, i) => [n, parseBenchmarks(cited[i])])) };
}

async function fingerprint(path: string): Promise<string> {
  try {
    const s = await stat(path);
    return `${s.mtimeMs}:${s.size}:${s.ino}`;
  } catch {
    return 'absent';
  }
}

export interface EvidenceStoreOptions {
  /** How often a request may look at the files (ms); 0 looks on every request (tests). */
  checkIntervalMs?: number;
  now?: () => number;
}

/** The current evidence, parsed once per change of its files. `version` grows on every reload. */
export class EvidenceStore {
  private snapshot: EvidenceSnapshot | null = null;
  private stamp = '';
  private checkedAt = -Infinity;
  private pending: Promise<EvidenceSnapshot> | null = null;
  version = 0;
  loads = 0;

  constructor(
    private readonly paths: EvidencePaths,
    private readonly options: EvidenceStoreOptions = {},
  ) {}

  /** The snapshot, without waiting when a check is not due (the common case under load). */
  async current(): Promise<EvidenceSnapshot> {
    const now = (this.options.now ?? Date.now)();
    if (this.snapshot && now - this.checkedAt < (this.options.checkIntervalMs ?? 1000)) return this.snapshot;
    // One check at a time: concurrent requests share it instead of each reading the files.
    this.pending ??= this.refresh(now).finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  private async refresh(now: number): Promise<EvidenceSnapshot> {
    const stamp = (await Promise.all([fingerprint(this.paths.capabilitiesPath), fingerprint(this.paths.benchmarksPath)])).join('|');
    this.checkedAt = now;
    if (this.snapshot && stamp === this.stamp) return this.snapshot;
    this.snapshot = await loadEvidence(this.paths);
    this.stamp = stamp;
    this.version++;
    this.loads++;
    return this.snapshot;
  }
}
