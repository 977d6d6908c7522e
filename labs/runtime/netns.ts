/**
 * A network of its own for a cluster's nodes, so that the nemesis can partition one node from the
 * others: each node in a Linux network namespace, joined to a bridge in this process's namespace by a
 * veth pair (the shape of hosts on one switch). The clients, the failover manager and the proxy stay in
 * this process's namespace and reach the nodes through the bridge.
 *
 * - A partition takes the host end of a node's veth down: the node's packets go nowhere and nothing
 *   reaches it, silently (no refusal, no reset), as when a cable or a switch port dies. The node keeps
 *   running and believes itself healthy. Healing brings the port up again.
 * - Needs root and iproute2's `ip` (namespaces, veth, bridge) and util-linux's `nsenter` to start a
 *   server inside a namespace; no iptables. Where the machine does not allow it, the partition fault is
 *   a PartitionUnavailableError with the reason, never half a network.
 * - Every namespace, veth and bridge made here is removed when the network is destroyed, on the process's
 *   exit too (Ctrl-C); names carry the owner's pid, so one left by a process killed with SIGKILL is
 *   removed by the next network made on the machine.
 */
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';

let iptables: boolean | undefined;
/**
 * Whether this process may add iptables rules (root, and the iptables package): the hold-back of the Kafka
 * clusters' drills (the followers' fetches dropped before the fault) needs it; without it that step is
 * skipped and said so.
 */
export function iptablesAvailable(): boolean {
  if (iptables === undefined) {
    try {
      execFileSync('iptables', ['-L', 'OUTPUT', '-n'], { stdio: 'ignore' });
      iptables = true;
    } catch {
      iptables = false;
    }
  }
  return iptables;
}

/** The partition fault cannot be given on this machine (not root, no `ip`, namespaces refused). */
export class PartitionUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(`a network partition needs each node in a network namespace of its own, which this machine does not allow: ${reason}`);
    this.name = 'PartitionUnavailableError';
  }
}

export interface NetworkNode {
  /** The namespace's name (`ip netns`). */
  namespace: string;
  /** The node's address on the bridge: where its servers listen and how the others reach it. */
  address: string;
  /** The veth end on the bridge, in this process's namespace: down = partitioned. */
  hostLink: string;
}

export interface NodeNetwork {
  nodes: NetworkNode[];
  /** The bridge's subnet, for access rules (pg_hba.conf): `10.x.y.0/24`. */
  subnet: string;
  /** `file args` run inside the node's namespace, as `runAs` when given (nsenter execs: the pid is the server's). */
  command(node: NetworkNode, file: string, args: string[], runAs?: { uid: number; gid: number }): { file: string; args: string[] };
  /** Cuts the node off from every other node and from this process's namespace. */
  partition(node: NetworkNode): void;
  heal(node: NetworkNode): void;
  partitioned(node: NetworkNode): boolean;
  /** Removes the namespaces, the veths and the bridge (the servers inside must be stopped first). */
  destroy(): void;
}

function ip(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function tryIp(args: string[]): void {
  try {
    ip(args);
  } catch {
    // Already gone.
  }
}

let checked: string | null | undefined;

/** Why this machine cannot run a partitioned network, or undefined when it can (checked once, by trying). */
export function networkNamespacesUnavailable(): string | undefined {
  if (checked !== undefined) return checked ?? undefined;
  checked = probe() ?? null;
  return checked ?? undefined;
}

function probe(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces are Linux only (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'it takes root (ip netns, veth and a bridge), and this process is not root';
  for (const tool of [['ip', '-V'], ['nsenter', '--version']] as const) {
    try {
      execFileSync(tool[0], [tool[1]], { stdio: 'ignore' });
    } catch {
      return `'${tool[0]}' is not installed (${tool[0] === 'ip' ? 'Debian package iproute2' : 'util-linux'})`;
    }
  }
  const trial = `workbench-probe-${process.pid}`;
  try {
    ip(['netns', 'add', trial]);
  } catch (error) {
    return `'ip netns add' was refused (${String((error as { stderr?: string }).stderr ?? error).trim()})`;
  } finally {
    tryIp(['netns', 'del', trial]);
  }
  return undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Namespaces and bridges of networks whose owning process is gone (killed before it could clean up), and
 * only those nothing uses any more: a namespace with a process in it, or a bridge with a port, is left
 * alone (a pid seen dead here may be alive in another pid namespace sharing this network).
 */
function removeStale(): void {
  for (const line of ip(['netns', 'list']).split('\n')) {
    const match = /^(workbench-(\d+)-\S+)/.exec(line);
    if (!match || alive(Number(match[2]))) continue;
    const inUse = (() => {
      try {
        return ip(['netns', 'pids', match[1]!]).trim() !== '';
      } catch {
        return true;
      }
    })();
    if (!inUse) tryIp(['netns', 'del', match[1]!]);
  }
  for (const line of ip(['-o', 'link', 'show', 'type', 'bridge']).split('\n')) {
    const match = /^\d+: (w-([0-9a-z]+)-[0-9a-z]+-b)[@:]/.exec(line);
    if (!match || alive(parseInt(match[2]!, 36))) continue;
    if (ip(['-o', 'link', 'show', 'master', match[1]!]).trim() === '') tryIp(['link', 'del', match[1]!]);
  }
}

/** A /24 in 10.0.0.0/8 that no address or route of this machine uses (other networks may share it). */
function freeSubnet(): string {
  const used = ip(['-4', '-o', 'addr', 'show']) + ip(['-4', 'route', 'show', 'table', 'all']);
  for (let attempt = 0; attempt < 100; attempt++) {
    const prefix = `10.${randomInt(100, 250)}.${randomInt(1, 250)}`;
    if (!used.includes(`${prefix}.`)) return prefix;
  }
  throw new PartitionUnavailableError('no free 10.x.y.0/24 subnet for the nodes');
}

let networksMade = 0;

/** A bridge and `count` namespaced nodes on it. Throws PartitionUnavailableError where the machine cannot. */
export function createNodeNetwork(count: number): NodeNetwork {
  const unavailable = networkNamespacesUnavailable();
  if (unavailable) throw new PartitionUnavailableError(unavailable);
  removeStale();
  const tag = `${process.pid.toString(36)}-${(networksMade++ % 36).toString(36)}`;
  const bridge = `w-${tag}-b`;
  const prefix = freeSubnet();
  const nodes: NetworkNode[] = Array.from({ length: count }, (_, i) => ({
    namespace: `workbench-${process.pid}-${tag.split('-')[1]}-node${i + 1}`,
    address: `${prefix}.${i + 2}`,
    hostLink: `w-${tag}-h${i + 1}`,
  }));
  let destroyed = false;
  const destroy = () => {
    if (destroyed) return;
    destroyed = true;
    process.removeListener('exit', destroy);
    for (const node of nodes) {
      tryIp(['link', 'del', node.hostLink]);
      tryIp(['netns', 'del', node.namespace]);
    }
    tryIp(['link', 'del', bridge]);
  };
  process.once('exit', destroy);
  try {
    ip(['link', 'add', bridge, 'type', 'bridge']);
    ip(['addr', 'add', `${prefix}.1/24`, 'dev', bridge]);
    ip(['link', 'set', bridge, 'up']);
    for (const node of nodes) {
      const inner = `${node.hostLink.slice(0, -2)}n${node.hostLink.slice(-1)}`;
      ip(['netns', 'add', node.namespace]);
      ip(['link', 'add', node.hostLink, 'type', 'veth', 'peer', 'name', inner]);
      ip(['link', 'set', inner, 'netns', node.namespace]);
      ip(['link', 'set', node.hostLink, 'master', bridge, 'up']);
      ip(['-n', node.namespace, 'addr', 'add', `${node.address}/24`, 'dev', inner]);
      ip(['-n', node.namespace, 'link', 'set', inner, 'up']);
      ip(['-n', node.namespace, 'link', 'set', 'lo', 'up']);
    }
  } catch (error) {
    destroy();
    throw new PartitionUnavailableError(`building the nodes' network failed (${String((error as { stderr?: string }).stderr ?? error).trim()})`);
  }
  const down = new Set<string>();
  return {
    nodes,
    subnet: `${prefix}.0/24`,
    command(node, file, args, runAs) {
      const user = runAs ? ['--setuid', String(runAs.uid), '--setgid', String(runAs.gid)] : [];
      return { file: 'nsenter', args: [`--net=/run/netns/${node.namespace}`, ...user, '--', file, ...args] };
    },
    partition(node) {
      ip(['link', 'set', node.hostLink, 'down']);
      down.add(node.hostLink);
    },
    heal(node) {
      ip(['link', 'set', node.hostLink, 'up']);
      down.delete(node.hostLink);
    },
    partitioned: (node) => down.has(node.hostLink),
    destroy,
  };
}
