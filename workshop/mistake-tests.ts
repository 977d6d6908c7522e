/**
 * The checker's feedback, tested the way a learner meets it: each deliberate mistake of mistakes.ts is
 * applied to its step's reference solution and checked on the real backend (only the scenario that must
 * catch it, to keep the run short). The report must say what the mistake list says (the scenario's
 * words, for steps 01–03 the expected and the actual value), point into the learner's file when the
 * stack does, and offer the hint written for that failure. Registered by solutions.int.spec.ts inside
 * its describe, so one server per path serves both.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import pc from 'picocolors';
import { checkStep, failingOf } from './checker.ts';
import { chooseHint, loadHints } from './hints.ts';
import type { HarnessOrSkip } from './int-harness.ts';
import { MISTAKES } from './mistakes.ts';
import { formatCheck } from './report.ts';
import { solutionCode } from './solutions.ts';
import { stepById, stepNumber, type WorkshopPath } from './steps.ts';

const plain = pc.createColors(false);

export function mistakeTests(path: WorkshopPath, harness: () => HarnessOrSkip): void {
  test('every step has at least one deliberate mistake; steps 01-03 show values', () => {
    for (const step of path.steps) {
      const mine = MISTAKES.filter((m) => m.backend === path.backend && m.step === step.id);
      assert.ok(mine.length >= 1, `a mistake for step ${step.id}`);
      if (stepNumber(step) <= 3) assert.ok(mine.some((m) => m.values), `step ${step.id}: a mistake whose report shows expected and actual`);
    }
  });

  for (const mistake of MISTAKES.filter((m) => m.backend === path.backend)) {
    test(`step ${mistake.step}: ${mistake.what} -> ${mistake.scenario} fails, says so, offers hint ${mistake.hint}`, async (t) => {
      const { harness: server, skip } = harness();
      if (!server) return t.skip(skip);
      const step = stepById(path, mistake.step)!;
      const code = await solutionCode(path, stepNumber(step));
      try {
        const file = code.files[mistake.file]!;
        const text = await readFile(file, 'utf8');
        assert.ok(text.includes(mistake.find), `the step-${step.id} solution contains the text the mistake changes: ${mistake.find}`);
        await writeFile(file, text.replaceAll(mistake.find, mistake.replace));
        const check = await checkStep({ path, step, code, harness: server, only: [mistake.scenario] });
        assert.equal(check.codeError, undefined, check.codeError?.message);
        const result = check.results.find((r) => r.id === mistake.scenario);
        assert.equal(result?.status, 'fail', `${mistake.scenario} catches it (${result?.detail})`);
        const hints = loadHints(path, step);
        const next = chooseHint(hints, [], failingOf(check));
        const report = formatCheck(check, { shown: 0, available: hints.length, next }, plain);
        t.diagnostic(report.split('\n').filter((l) => /failed:|expected:|actual:|at:|Stuck/.test(l)).join(' | '));
        for (const says of mistake.says) assert.match(report, says);
        if (mistake.values) {
          assert.match(report, /^\s+expected: \S/m, 'the expected value is shown');
          assert.match(report, /^\s+actual: +\S/m, 'the actual value is shown');
        }
        assert.match(report, new RegExp(`Stuck\\? npm run workshop -- hint ${path.backend} ${step.id} +\\(hint ${mistake.hint} of ${hints.length}`), 'the hint for this failure');
      } finally {
        await code.dispose();
      }
    });
  }
}
