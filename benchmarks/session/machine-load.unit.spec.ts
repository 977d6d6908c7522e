/**
 * The busy-machine verdict: other work is judged by CPU accounting (the machine's CPU time minus this
 * benchmark's process tree), because the load average counts the benchmark itself. A fake /proc gives
 * the numbers.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeMachineLoad, otherCpuPercent, parseProcStat, parseProcessStat, ProcessCpuMeter, watchMachineLoad, worstWindow, type CpuSample, type MachineLoadInput, type ProcReader } from './machine-load.ts';

const base: MachineLoadInput = { cores: 2, loadBefore: [0.2, 0.5, 0.6], loadAfter: [2.3, 1.4, 1.0], maxLoad1: 2.3, stealPercent: 0.1, otherCpuPercent: 2, maxOtherCpuPercent: 4, ownCpuPercent: 95 };

/** A /proc of processes whose ticks the test sets; `stat` is the machine line. */
function fakeProc(): ProcReader & { procs: Map<number, { ppid: number; ticks: number }>; machine: { total: number; steal: number } } {
  const procs = new Map<number, { ppid: number; ticks: number }>();
  const machine = { total: 0, steal: 0 };
  return {
    procs,
    machine,
    stat: () => `cpu  ${machine.total - machine.steal} 0 0 0 0 0 0 ${machine.steal} 0 0\n`,
    pids: () => [...procs.keys()],
    processStat: (pid) => {
      const p = procs.get(pid);
      // utime carries all the ticks; stime, cutime, cstime 0.
      return p ? `${pid} (my (odd) name) S ${p.ppid} 1 1 0 -1 0 0 0 0 0 ${p.ticks} 0 0 0 20 0 1 0` : null;
    },
  };
}

void describe('busy machine', () => {
  void test('a benchmark that fills both cores itself is not a busy machine (the load average counts it)', () => {
    const verdict = judgeMachineLoad(base);
    assert.equal(verdict.busy, false, `load average ${base.maxLoad1} on 2 cores, but other processes used 2 %: ${verdict.why}`);
    assert.equal(verdict.method, 'cpu-accounting');
    assert.equal(verdict.why, null);
  });

  void test('other processes taking CPU make it busy, over the run or in a burst, said in plain words', () => {
    const loaded = judgeMachineLoad({ ...base, otherCpuPercent: 31, maxOtherCpuPercent: 60 });
    assert.equal(loaded.busy, true);
    assert.match(loaded.why!, /other processes used 31 % of the CPU \(0\.62 of 2 cores\) > 10 %/);
    const burst = judgeMachineLoad({ ...base, otherCpuPercent: 6, maxOtherCpuPercent: 40 });
    assert.equal(burst.busy, true);
    assert.match(burst.why!, /40 % of the CPU for 10 s/);
    assert.match(judgeMachineLoad({ ...base, stealPercent: 12.5 }).why!, /CPU steal 12\.5 % > 5 %/);
  });

  void test('without /proc, the load average before the run decides, and the verdict says so', () => {
    const noProc = { ...base, otherCpuPercent: null, maxOtherCpuPercent: null, ownCpuPercent: null, stealPercent: null };
    assert.equal(judgeMachineLoad(noProc).busy, false, 'the load during the run (2.3) is ours');
    const before = judgeMachineLoad({ ...noProc, loadBefore: [5.7, 3, 2] });
    assert.equal(before.busy, true);
    assert.equal(before.method, 'load-average-before');
    assert.match(before.why!, /load average 5\.7 > 2 cores before the run/);
  });

  void test('/proc/stat and /proc/<pid>/stat are parsed, odd command names included', () => {
    assert.deepEqual(parseProcStat('cpu  100 0 50 800 10 0 5 35 0 0\ncpu0 1 2 3\n'), { total: 1000, steal: 35 });
    assert.equal(parseProcStat('intr 1 2 3\n'), null);
    assert.deepEqual(parseProcessStat('42 (a (b) c) S 7 42 42 0 -1 4194304 100 0 0 0 11 22 33 44 20 0 1 0'), { ppid: 7, ticks: 110 });
    assert.equal(parseProcessStat('garbage'), null);
  });

  void test('the meter counts our tree and other programs apart; kernel threads are neither; an exited child is counted once', () => {
    const proc = fakeProc();
    proc.procs.set(1, { ppid: 0, ticks: 1000 }); // init: other
    proc.procs.set(2, { ppid: 0, ticks: 0 }); // kthreadd
    proc.procs.set(3, { ppid: 2, ticks: 400 }); // a kworker flushing our fsyncs: neither
    proc.procs.set(10, { ppid: 1, ticks: 50 }); // us
    proc.procs.set(11, { ppid: 10, ticks: 30 }); // a server we started
    proc.procs.set(20, { ppid: 1, ticks: 7 }); // someone's compiler
    const meter = new ProcessCpuMeter(10, proc);
    proc.procs.set(10, { ppid: 1, ticks: 60 });
    proc.procs.set(11, { ppid: 10, ticks: 70 });
    proc.procs.set(12, { ppid: 11, ticks: 5 }); // a server's worker, born since
    proc.procs.set(20, { ppid: 1, ticks: 107 });
    proc.procs.set(3, { ppid: 2, ticks: 900 });
    assert.deepEqual(meter.sample(), { own: 10 + 40 + 5, other: 100 });
    // 12 exits with 8 ticks; its parent 11 reaps it: 11's cutime grows by 8, plus 11's own 2.
    proc.procs.delete(12);
    proc.procs.set(11, { ppid: 10, ticks: 70 + 8 + 2 });
    // The compiler exits too; init reaps it (init's cutime grows by its 110).
    proc.procs.delete(20);
    proc.procs.set(1, { ppid: 0, ticks: 1000 + 110 });
    assert.deepEqual(meter.sample(), { own: 55 + 3 + 2, other: 100 + 3 }, "the worker's 3 new ticks and 11's own 2, once; the compiler's last 3");
  });

  void test("others' share and the worst window come from cumulative samples", () => {
    const s = (atMs: number, total: number, ownTicks: number, otherTicks: number): CpuSample => ({ atMs, machine: { total, steal: 0 }, ownTicks, otherTicks });
    // 2 cores x 100 ticks/s: 200 ticks a second. Our tree uses 100/s; someone else 80/s from 10 s on.
    const samples = [s(0, 0, 0, 0), s(5_000, 1000, 500, 0), s(10_000, 2000, 1000, 0), s(15_000, 3000, 1500, 400), s(20_000, 4000, 2000, 800)];
    assert.deepEqual(otherCpuPercent(samples[0]!, samples.at(-1)!), { other: 20, own: 50, steal: 0 });
    assert.equal(worstWindow(samples, 10_000), 40);
    assert.equal(worstWindow(samples.slice(0, 2), 10_000), null, 'a run shorter than the window has none');
  });

  void test('the watcher on this machine: a busy loop of our own is ours, not other work', async () => {
    const watch = watchMachineLoad(200);
    const until = Date.now() + 1200;
    while (Date.now() < until) Math.sqrt(Math.random()); // keep a core busy ourselves
    await new Promise((r) => setTimeout(r, 300));
    const verdict = watch.stop();
    if (verdict.method === 'cpu-accounting') {
      assert.ok(verdict.ownCpuPercent! > 0, `our busy loop shows as our own CPU: ${JSON.stringify(verdict)}`);
    } else {
      assert.equal(verdict.otherCpuPercent, null, 'no /proc here: nothing accounted');
    }
  });
});
