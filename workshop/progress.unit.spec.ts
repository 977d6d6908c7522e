import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  currentStep,
  emptyProgress,
  forgetDone,
  hintsShown,
  loadProgress,
  recordCheck,
  revealNextHint,
  saveProgress,
  stepStates,
} from './progress.ts';
import { postgresPath as path } from './steps.ts';

const step = (id: string) => path.steps.find((s) => s.id === id)!;
const states = (p: ReturnType<typeof emptyProgress>) => stepStates(p, path).map((s) => `${s.step.id}:${s.state}`).slice(0, 5);

test('a fresh start: step 01 is current, 02 next, the rest later', () => {
  assert.deepEqual(states(emptyProgress()), ['01:current', '02:next', '03:later', '04:later', '05:later']);
  assert.equal(currentStep(emptyProgress(), path).id, '01');
});

test('a passing check of step 03 marks 01-03 done and makes 04 current', () => {
  const progress = emptyProgress();
  recordCheck(progress, path, step('03'), ['01', '02', '03']);
  assert.deepEqual(states(progress), ['01:done', '02:done', '03:done', '04:current', '05:next']);
});

test('a check of step 03 that finds step 02 broken un-marks 02 and 03', () => {
  const progress = emptyProgress();
  recordCheck(progress, path, step('03'), ['01', '02', '03']);
  recordCheck(progress, path, step('03'), ['01']);
  assert.deepEqual(states(progress), ['01:done', '02:current', '03:next', '04:later', '05:later']);
});

test('hints are revealed one at a time, up to the number available, and counted per step', () => {
  const progress = emptyProgress();
  assert.equal(revealNextHint(progress, path, step('05'), 3), 1);
  assert.equal(revealNextHint(progress, path, step('05'), 3), 2);
  assert.equal(revealNextHint(progress, path, step('05'), 3), 3);
  assert.equal(revealNextHint(progress, path, step('05'), 3), undefined, 'no fourth hint');
  assert.equal(hintsShown(progress, path, step('05')), 3);
  assert.equal(hintsShown(progress, path, step('04')), 0, 'other steps are untouched');
});

test('forgetting from a step (after a reset) un-marks it and later steps, and keeps the hints seen', () => {
  const progress = emptyProgress();
  recordCheck(progress, path, step('04'), ['01', '02', '03', '04']);
  revealNextHint(progress, path, step('03'), 2);
  forgetDone(progress, path, step('03'));
  assert.deepEqual(states(progress), ['01:done', '02:done', '03:current', '04:next', '05:later']);
  assert.equal(hintsShown(progress, path, step('03')), 1);
});

test('progress survives a save and load; a missing or corrupt file is a fresh start', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'workshop-progress-'));
  try {
    const file = join(dir, 'nested', 'progress.json');
    assert.deepEqual(await loadProgress(file), emptyProgress(), 'missing file');
    const progress = emptyProgress();
    recordCheck(progress, path, step('02'), ['01', '02'], new Date('2025-01-01T00:00:00Z'));
    revealNextHint(progress, path, step('03'), 2);
    await saveProgress(file, progress);
    assert.deepEqual(await loadProgress(file), progress);
    await writeFile(file, '{ not json');
    assert.deepEqual(await loadProgress(file), emptyProgress(), 'corrupt file');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
