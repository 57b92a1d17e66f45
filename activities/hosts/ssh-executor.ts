/**
 * Runs commands on a real host over SSH (ssh2). One connection per host is
 * kept and reused across steps; a broken one is replaced on the next command.
 */
import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { Client, type ClientChannel } from 'ssh2';
import { lineSplitter, OutputTail, type DownloadOptions, type ExecOptions, type ExecResult, type HostExecutor } from './executor';
import { hostKeyCheck, type HostKeyCheck, type HostKeyPolicy } from './host-keys';
import { endsWithSession, type Claim } from './shell';

/**
 * The same name for every attempt of the activity running this command (none outside one), so a retry
 * ends a command an earlier attempt left running on the host before it starts its own (shell.ts).
 */
function attemptsClaim(): Claim | undefined {
  let info: Context['info'];
  try {
    info = Context.current().info;
  } catch {
    return undefined; // not in an activity
  }
  const run = info.workflowExecution;
  return { name: createHash('sha256').update(`${run?.workflowId}/${run?.runId}/${info.activityId}`).digest('hex').slice(0, 32), attempt: info.attempt };
}

/**
 * SFTP reads in flight and their size: enough to keep a fast link full. 256 KiB
 * reads (OpenSSH's sftp-server serves that much; smaller answers are asked for
 * again) make a 1 GiB fetch as fast as scp, twice as fast as 64 KiB did.
 */
const SFTP_CONCURRENCY = 32;
const SFTP_CHUNK = 256 * 1024;
/** A transfer with no data for this long is given up (and retried by the activity). */
const SFTP_STALL_MS = 60_000;

export interface SshTarget {
  name: string;
  address: string;
  port: number;
  user: string;
  /** Read from a file or the environment at connect time; never logged. */
  privateKey: () => string;
  /** How the host's key is known; any other key is refused before the login is sent. */
  hostKey: HostKeyPolicy;
  connectTimeoutMs?: number;
}

/** A failure that retrying cannot fix: the host key is not the expected one (or changed), or the login key is refused. */
export class SshAccessDenied extends Error {
  override name = 'SshAccessDenied';
}

export class SshExecutor implements HostExecutor {
  private connection?: Promise<Client>;
  private readonly hostKey: HostKeyCheck;

  constructor(private readonly target: SshTarget) {
    this.hostKey = hostKeyCheck(target.hostKey, target);
  }

  private connect(): Promise<Client> {
    if (this.connection) return this.connection;
    const attempt: Promise<Client> = this.hostKey.algorithms().then((serverHostKey) => this.handshake(attempt, serverHostKey));
    this.connection = attempt;
    // A failed attempt (say, an unreadable key) is forgotten, so the next command tries again.
    attempt.catch(() => {
      if (this.connection === attempt) this.connection = undefined;
    });
    return attempt;
  }

  private handshake(attempt: Promise<Client>, serverHostKey: string[] | undefined): Promise<Client> {
    return new Promise<Client>((resolve, reject) => {
      const client = new Client();
      let ready = false;
      let refusal: string | undefined;
      let shownKey: Buffer | undefined;
      client
        .on('ready', () => {
          ready = true;
          // Steps are small request/response exchanges: Nagle's delay would add ~40 ms to each.
          client.setNoDelay(true);
          // The host has proved it holds its key: a key taken on first use is pinned only now.
          const proof = shownKey && this.hostKey.proven ? this.hostKey.proven(shownKey) : Promise.resolve();
          proof.then(
            () => resolve(client),
            (err: Error) => {
              client.end();
              reject(new SshAccessDenied(err.message));
            },
          );
        })
        .on('error', (err) => {
          if (this.connection === attempt) this.connection = undefined;
          if (ready) return;
          const where = `${this.target.name} (${this.target.address}:${this.target.port})`;
          const level = (err as Error & { level?: string }).level;
          if (/verification failed/i.test(err.message)) reject(new SshAccessDenied(refusal ?? `host key of ${where} was refused`));
          else if (level === 'client-authentication') reject(new SshAccessDenied(`${where} refused the login of ${this.target.user} with the configured key`));
          else reject(new Error(`cannot connect to ${where}: ${err.message}`));
        })
        .on('close', () => {
          if (this.connection === attempt) this.connection = undefined;
          if (!ready) reject(new Error(`connection to ${this.target.name} closed during handshake`));
        });
      client.connect({
        host: this.target.address,
        port: this.target.port,
        username: this.target.user,
        privateKey: this.target.privateKey(),
        readyTimeout: this.target.connectTimeoutMs ?? 10_000,
        keepaliveInterval: 5_000,
        ...(serverHostKey ? { algorithms: { serverHostKey: serverHostKey as never } } : {}),
        // Checked before the login is sent; a key that cannot be checked is refused.
        hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
          shownKey = key;
          this.hostKey.verify(key).then(
            (why) => {
              refusal = why;
              verify(why === undefined);
            },
            (err: Error) => {
              refusal = `cannot check the host key of ${this.target.name}: ${err.message}`;
              verify(false);
            },
          );
        },
      });
    });
  }

  async exec(command: string, options: ExecOptions): Promise<ExecResult> {
    const client = await this.connect();
    return new Promise((resolve, reject) => {
      client.exec(endsWithSession(command, attemptsClaim()), { env: options.env }, (err, channel: ClientChannel) => {
        if (err) {
          this.connection = undefined;
          client.end();
          return reject(new Error(`cannot run a command on ${this.target.name}: ${err.message}`));
        }
        const stdout = new OutputTail(options.stdoutLimit);
        const stderr = new OutputTail();
        const lines = lineSplitter(options.onLine);
        let timedOut = false;
        let code: number | null = null;
        let exited = false;
        const stop = () => {
          // Ask the remote side to kill the command, then drop the channel.
          channel.signal('KILL');
          channel.close();
        };
        const timer = setTimeout(() => {
          timedOut = true;
          stop();
        }, options.timeoutMs);
        options.signal?.addEventListener('abort', stop, { once: true });
        channel.setEncoding('utf8');
        channel.on('data', (c: string) => {
          stdout.push(c);
          lines.push(c);
        });
        channel.stderr.setEncoding('utf8').on('data', (c: string) => stderr.push(c));
        channel.on('exit', (exitCode: number | null) => {
          exited = true;
          code = exitCode;
        });
        channel.on('close', () => {
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', stop);
          lines.end();
          // Closed with no exit status, not by us: the connection went. That is trouble to retry, not the command's failure.
          if (!exited && !timedOut && !options.signal?.aborted) {
            this.connection = undefined;
            client.end();
            return reject(new Error(`the connection to ${this.target.name} was lost while the command ran`));
          }
          resolve({ code: timedOut || options.signal?.aborted ? null : code, stdout: stdout.toString(), stderr: stderr.toString(), timedOut });
        });
      });
    });
  }

  async download(remotePath: string, localPath: string, options: DownloadOptions = {}): Promise<number> {
    const client = await this.connect();
    const sftp = await new Promise<import('ssh2').SFTPWrapper>((resolve, reject) =>
      client.sftp((err, s) => (err ? reject(new Error(`cannot open SFTP on ${this.target.name}: ${err.message}`)) : resolve(s))),
    );
    // fastGet never calls back when the connection dies under it: a lost
    // connection, a stall or a cancel ends the attempt, so the activity retries.
    return new Promise<number>((resolve, reject) => {
      let total = 0;
      let lastProgress = Date.now();
      let settled = false;
      const finish = (err?: Error) => {
        if (settled) return;
        settled = true;
        clearInterval(stallCheck);
        client.off('close', lost);
        options.signal?.removeEventListener('abort', aborted);
        sftp.end();
        if (!err) return resolve(total);
        // The connection may be half dead: closing it makes the next command open a new one.
        client.end();
        reject(err);
      };
      const lost = () => finish(new Error(`the connection to ${this.target.name} was lost during the SFTP download of ${remotePath}`));
      const aborted = () => finish(new Error(`the SFTP download of ${remotePath} was cancelled`));
      const stallCheck = setInterval(() => {
        if (Date.now() - lastProgress > SFTP_STALL_MS) finish(new Error(`the SFTP download of ${remotePath} from ${this.target.name} stalled: no data for ${SFTP_STALL_MS / 1000} s`));
      }, 1000);
      client.once('close', lost);
      options.signal?.addEventListener('abort', aborted, { once: true });
      if (options.signal?.aborted) return aborted();
      sftp.fastGet(
        remotePath,
        localPath,
        {
          concurrency: SFTP_CONCURRENCY,
          chunkSize: SFTP_CHUNK,
          step: (transferred, _chunk, size) => {
            total = size;
            lastProgress = Date.now();
            options.onProgress?.(transferred);
          },
        },
        (err) => finish(err ? new Error(`SFTP download of ${remotePath} from ${this.target.name} failed: ${err.message}`) : undefined),
      );
    });
  }

  async close(): Promise<void> {
    const pending = this.connection;
    this.connection = undefined;
    if (pending) (await pending.catch(() => undefined))?.end();
  }
}
