/** Who may do what, from the roles in config. Used by the gateway before it calls Temporal. */
import { own } from '../lib/own';
import type { Capability, HostConfig, UserConfig } from './schema';
import type { DutydeskConfig } from './schema';

export function findUser(config: DutydeskConfig, id: string): UserConfig | undefined {
  return config.users.find((u) => u.id === id);
}

/** True when one of the user's roles grants the capability, on this host's groups when a host is given. */
export function can(config: DutydeskConfig, user: UserConfig, capability: Capability, host?: HostConfig): boolean {
  return user.roles.some((roleName) => {
    const role = own(config.roles, roleName);
    if (!role || !role.can.includes(capability)) return false;
    if (!host || role.hostGroups.includes('*')) return true;
    return host.groups.some((g) => role.hostGroups.includes(g));
  });
}

/** Roles that grant a capability, for "you need role X" answers. */
export function rolesGranting(config: DutydeskConfig, capability: Capability, host?: HostConfig): string[] {
  return Object.entries(config.roles)
    .filter(([, role]) => role.can.includes(capability) && (!host || role.hostGroups.includes('*') || host.groups.some((g) => role.hostGroups.includes(g))))
    .map(([roleName]) => roleName);
}
