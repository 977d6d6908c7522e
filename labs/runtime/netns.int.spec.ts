/**
 * The partition's network (netns.ts) on this machine: a server in one node's namespace is reachable from
 * this process's namespace and from the other node; a partition makes it silent (a connection attempt
 * times out, it is not refused); healing brings it back; destroying leaves no namespace or link behind.
 * Skipped with the reason where the machine does not allow namespaces (not root, no ip), a failure
 * under CI=true.
 *
 *   node --import tsx --test labs/runtime/netns.int.spec.ts
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { test } from 'node:test';
import { createNodeNetwork, networkNamespacesUnavailable } from './netns.ts';
import { settings } from './settings.ts';

/** 'open', 'refused' or 'silent' (no answer within `timeoutMs`), from `namespace` or this one. */
function probe(host: string, port: number, timeoutMs: number, from?: { command: (file: string, args: string[]) => { file: string; args: string[] } }): Promise<string> {
  if (from) {
    const script = `const s=require('net').connect(${port},'${host}');s.setTimeout(${timeoutMs},()=>{console.log('silent');process.exit()});s.on('connect',()=>{console.log('open');process.exit()});s.on('error',(e)=>{console.log(e.code==='ECONNREFUSED'?'refused':e.code);process.exit()})`;
    const { file, args } = from.command(process.execPath, ['-e', script]);
    return Promise.resolve(execFileSync(file, args, { encoding: 'utf8' }).trim());
  }
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.setTimeout(timeoutMs, () => (socket.destroy(), resolve('silent')));
    socket.on('connect', () => (socket.destroy(), resolve('open')));
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED' ? 'refused' : String(error.code)));
  });
}

test('a node of the partition network is reachable, silent while partitioned, reachable again when healed, and nothing is left', { timeout: 60_000 }, async (t) => {
  const unavailable = networkNamespacesUnavailable();
  if (unavailable) {
    if (settings.ci) assert.fail(`CI=true and network namespaces are unavailable: ${unavailable}`);
    return t.skip(`SKIPPED (network namespaces): ${unavailable}`);
  }
  const network = createNodeNetwork(2);
  const [a, b] = network.nodes as [(typeof network.nodes)[0], (typeof network.nodes)[0]];
  const port = 40_123;
  const server = (() => {
    const { file, args } = network.command(a, process.execPath, ['-e', `require('net').createServer((s)=>s.end()).listen(${port},'${a.address}',()=>console.log('listening'))`]);
    return spawn(file, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  })();
  try {
    await new Promise((resolve) => server.stdout!.once('data', resolve));
    const fromB = { command: (file: string, args: string[]) => network.command(b, file, args) };
    assert.equal(await probe(a.address, port, 2_000), 'open', 'reachable from this namespace');
    assert.equal(await probe(a.address, port, 2_000, fromB), 'open', 'reachable from the other node');
    network.partition(a);
    assert.equal(network.partitioned(a), true);
    assert.equal(await probe(a.address, port, 1_000), 'silent', 'a partitioned node answers nothing (no refusal)');
    assert.equal(await probe(a.address, port, 1_000, fromB), 'silent', 'the other node cannot reach it either');
    network.heal(a);
    assert.equal(await probe(a.address, port, 3_000), 'open', 'reachable again once healed');
  } finally {
    server.kill('SIGKILL');
    await new Promise((resolve) => (server.exitCode === null ? server.once('exit', resolve) : resolve(undefined)));
    network.destroy();
  }
  const namespaces = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  assert.ok(!namespaces.includes(a.namespace) && !namespaces.includes(b.namespace), `namespaces left behind: ${namespaces}`);
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
  assert.ok(!links.includes(a.hostLink) && !links.includes(b.hostLink), 'veths left behind');
});
