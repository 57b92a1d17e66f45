/** One executor per configured host, created on first use from the inventory. */
import { readSecret, type LoadedConfig } from '../../config/load';
import type { HostExecutor } from './executor';
import { LocalExecutor } from './local-executor';
import { SshExecutor } from './ssh-executor';

export class HostExecutors {
  private readonly executors = new Map<string, HostExecutor>();

  constructor(private readonly config: LoadedConfig) {}

  for(hostName: string): HostExecutor {
    const existing = this.executors.get(hostName);
    if (existing) return existing;
    const host = this.config.hosts[hostName];
    if (!host) throw new Error(`host "${hostName}" is not in the inventory`);
    const executor: HostExecutor =
      host.transport === 'local'
        ? new LocalExecutor()
        : new SshExecutor({
            name: hostName,
            address: host.address,
            port: host.port,
            user: host.user as string,
            hostKey: host.hostKey,
            privateKey: () => readSecret(host.privateKey!, this.config),
          });
    this.executors.set(hostName, executor);
    return executor;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.executors.values()].map((e) => e.close()));
    this.executors.clear();
  }
}
