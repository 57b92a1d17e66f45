/**
 * What a restart's messages say is the worker's configuration's, not the run's:
 * anyone who can start a run on the cluster chooses its input, so before the
 * bot posts about a run, its host and service must be configured, its people
 * are named as the configuration names them, and the titles of configured
 * steps are the configured ones (a step the service does not have is refused).
 * Steps a restart script marks keep the titles the script printed.
 */
import { configuredService, NotInConfiguration } from '../../config/inventory';
import type { DutydeskConfig } from '../../config/schema';
import type { Person, RestartProgress } from '../../workflows/restart/definitions';

export function progressFromConfig(config: DutydeskConfig, progress: RestartProgress): RestartProgress {
  const service = configuredService(config, String(progress?.host), progress?.service);
  const person = (p: Person | undefined, required: boolean): Person | undefined => {
    const user = p ? config.users.find((u) => u.id === p.id) : undefined;
    if (!user && required) throw new NotInConfiguration(`${JSON.stringify(p?.id)} is no person in this worker's configuration`);
    return user ? { id: user.id, name: user.name } : p && { id: String(p.id), name: String(p.id) };
  };
  const steps = service.steps
    ? progress.steps.map((step) => {
        const configured = service.steps!.find((s) => s.name === step.name);
        if (!configured) throw new NotInConfiguration(`${progress.service} on ${progress.host} has no step ${JSON.stringify(step.name)} in this worker's configuration`);
        return { ...step, title: configured.title ?? configured.name };
      })
    : progress.steps;
  return {
    ...progress,
    steps,
    requestedBy: person(progress.requestedBy, true)!,
    approvedBy: person(progress.approvedBy, false),
    deniedBy: person(progress.deniedBy, false),
    cancelledBy: person(progress.cancelledBy, false),
    watchers: progress.watchers.map((w) => ({ ...w, person: person(w.person, false)! })),
  };
}
