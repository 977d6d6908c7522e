/**
 * The group commit's decisions, with the log kept in a Map (the integration tests run it on dynalite):
 * what a writer does after losing a number to another process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GroupCommitLog, type GroupMember, type LogIo } from './group-commit.ts';

const member = (streamId: string): GroupMember => ({ streamId, slot: 0, eventCount: 1, sizeBytes: 100 });

function logInAMap() {
  const entries = new Map<number, { writer: string; members: readonly GroupMember[] }>();
  const calls: string[] = [];
  const io: LogIo<GroupMember> = {
    newestCommit: async () => (calls.push('newest'), Math.max(0, ...entries.keys())),
    putEntry: async (commit, writer, members) => {
      calls.push(`put ${commit}`);
      if (entries.has(commit)) return 'taken';
      entries.set(commit, { writer, members });
      return 'written';
    },
    writerAt: async (commit) => (calls.push(`writerAt ${commit}`), entries.get(commit)?.writer),
    mark: async () => {},
  };
  return { entries, calls, io };
}

test('a number lost on the first attempt is not looked up: the writer tries the next one at once', async () => {
  const { entries, calls, io } = logInAMap();
  const log = new GroupCommitLog(io);
  (await log.place(member('a'))).report('committed');
  // Another process writes 2 and 3 meanwhile.
  entries.set(2, { writer: 'other', members: [] });
  entries.set(3, { writer: 'other', members: [] });
  calls.length = 0;
  const placement = await log.place(member('b'));
  assert.equal(placement.commit, 4);
  assert.deepEqual(calls, ['put 2', 'put 3', 'put 4'], 'no GetItem of the writer, no read of the newest number for two losses');
  assert.equal(log.stats.lostRaces, 2);
});

test('after three losses in a row the writer reads where the log ends', async () => {
  const { entries, calls, io } = logInAMap();
  const log = new GroupCommitLog(io);
  await log.place(member('a'));
  for (let n = 2; n <= 9; n++) entries.set(n, { writer: 'other', members: [] });
  calls.length = 0;
  const placement = await log.place(member('b'));
  assert.deepEqual(calls, ['put 2', 'put 3', 'put 4', 'newest', 'put 10']);
  assert.equal(placement.commit, 10);
});

test('appends that arrive while a writer backs off from a lost number join its group', async () => {
  const { entries, io } = logInAMap();
  const log = new GroupCommitLog(io);
  await log.place(member('a'));
  entries.set(2, { writer: 'other', members: [] });
  const first = log.place(member('b'));
  const second = log.place(member('c')); // queued behind the group being written
  const [p1, p2] = await Promise.all([first, second]);
  assert.equal(p1.commit, 3);
  assert.equal(p2.commit, 3, 'the queued append joined the group after the loss');
  assert.deepEqual(entries.get(3)!.members.map((m) => m.streamId), ['b', 'c']);
  assert.deepEqual([p1.offset, p2.offset], [0, 1]);
});
