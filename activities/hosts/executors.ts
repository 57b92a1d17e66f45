/** One executor per configured host, created on first use from the inventory. */
import path from 'node:path';
import { readSecret, type LoadedConfig } from '../../config/load';
import type { HostConfig } from '../../config/schema';
import { own } from '../../lib/own';
import type { HostExecutor } from './executor';
import type { HostKeyPolicy } from './host-keys';
import { LocalExecutor } from './local-executor';
import { SshExecutor } from './ssh-executor';

export class HostExecutors {
  private readonly executors = new Map<string, HostExecutor>();

  constructor(private readonly config: LoadedConfig) {}

  for(hostName: string): HostExecutor {
    const existing = this.executors.get(hostName);
    if (existing) return existing;
    const host = own(this.config.hosts, hostName);
    if (!host) throw new Error(`host "${hostName}" is not in the inventory`);
    const executor: HostExecutor =
      host.transport === 'local'
        ? new LocalExecutor()
        : new SshExecutor({
            name: hostName,
            address: host.address,
            port: host.port,
            user: host.user as string,
            hostKey: this.hostKeyPolicy(hostName, host),
            privateKey: () => readSecret(host.privateKey!, this.config),
          });
    this.executors.set(hostName, executor);
    return executor;
  }

  /** known_hosts files resolve against the config file's folder, as secret files do. */
  private hostKeyPolicy(hostName: string, host: HostConfig): HostKeyPolicy {
    const key = host.hostKey;
    if (typeof key === 'string') return { fingerprint: key };
    if (key && 'knownHosts' in key) return { knownHostsFile: path.resolve(path.dirname(this.config.source), key.knownHosts) };
    if (key && 'trustOnFirstUse' in key) return { pinDir: path.resolve(this.config.ssh.pinnedHostKeys) };
    throw new Error(`hosts.${hostName}.hostKey is not set, so its key cannot be checked`);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.executors.values()].map((e) => e.close()));
    this.executors.clear();
  }
}
