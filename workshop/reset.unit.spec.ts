import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { resetWork } from './reset.ts';
import { postgresPath as path } from './steps.ts';

/** A workshop folder in a temporary directory: solution/ (one marked source per file), and a learner's work/. */
async function fakeWorkshop(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'workshop-reset-'));
  const root = join(dir, path.backend);
  await mkdir(join(root, 'solution'), { recursive: true });
  await mkdir(join(root, 'work'), { recursive: true });
  for (const file of path.files) {
    const c = file.endsWith('.sql') ? '--' : '//';
    const blocks = path.steps.map((s) => `${c} @steps ${s.id}..${s.id}\n${c}| solution ${s.id} ${file}\n${c} @end`);
    await writeFile(join(root, 'solution', file), [`${c} @steps 00..00`, `${c}| starter ${file}`, `${c} @end`, ...blocks].join('\n'));
    await writeFile(join(root, 'work', file), `my ${file}`);
  }
  await writeFile(join(root, 'work', 'notes.md'), 'my notes');
  return dir;
}

test('reset without a step restores exactly the starter files and backs up what was in work/', async () => {
  const dir = await fakeWorkshop();
  try {
    const result = await resetWork({ path, workshopDir: dir, backupDir: join(dir, 'backups'), now: new Date('2025-01-01T10:00:00Z') });
    const work = join(dir, path.backend, 'work');
    assert.deepEqual((await readdir(work)).sort(), [...path.files].sort(), 'only the starter files, nothing else');
    for (const file of path.files) assert.equal(await readFile(join(work, file), 'utf8'), `starter ${file}`);
    assert.equal(result.restoredFrom, 'the starter files');
    assert.ok(result.backup, 'a backup was made');
    assert.equal(await readFile(join(result.backup, 'notes.md'), 'utf8'), 'my notes', 'the backup holds the learner\'s files');
    assert.equal(await readFile(join(result.backup, 'store.ts'), 'utf8'), 'my store.ts');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('reset to a step restores the reference solution of the step before it; to step 01, the starter', async () => {
  const dir = await fakeWorkshop();
  try {
    const work = join(dir, path.backend, 'work');
    const result = await resetWork({ path, step: path.steps[4], workshopDir: dir, backupDir: join(dir, 'backups') });
    for (const file of path.files) assert.equal(await readFile(join(work, file), 'utf8'), `solution 04 ${file}`);
    assert.match(result.restoredFrom, /step 04 \(where step 05 starts\)/);
    await resetWork({ path, step: path.steps[0], workshopDir: dir, backupDir: join(dir, 'backups') });
    for (const file of path.files) assert.equal(await readFile(join(work, file), 'utf8'), `starter ${file}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('reset recreates a deleted work/ without a backup', async () => {
  const dir = await fakeWorkshop();
  try {
    await rm(join(dir, path.backend, 'work'), { recursive: true });
    const result = await resetWork({ path, workshopDir: dir, backupDir: join(dir, 'backups') });
    assert.equal(result.backup, undefined);
    assert.deepEqual((await readdir(join(dir, path.backend, 'work'))).sort(), [...path.files].sort());
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
