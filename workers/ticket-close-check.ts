/**
 * At worker start: every queue dutydesk opens tickets in by itself (incident
 * routes, failure reports) must let it close them again. Jira is asked for the
 * project's statuses; one with no status in the Done category is refused, as
 * its incidents would stay open for ever. A system that does not answer is
 * only warned about: it may be down for a moment, and the tickets wait.
 */
import type { LoadedConfig } from '../config/load';
import type { TicketSystems } from '../activities/tickets/systems';

export async function checkClosableQueues(config: LoadedConfig, systems: TicketSystems, warn: (line: string) => void = console.warn): Promise<string[]> {
  const targets = [...(config.monitoring?.routes ?? []).map((r) => r.ticket), config.failures?.ticket].filter((t): t is { system: string; queue: string } => t !== undefined);
  const unique = [...new Map(targets.map((t) => [`${t.system} ${t.queue}`, t])).values()];
  const problems: string[] = [];
  for (const { system, queue } of unique) {
    const check = systems.get(system)?.closeProblem;
    if (!check) continue;
    try {
      const problem = await check.call(systems.get(system), queue);
      if (problem) problems.push(`tickets.systems.${system}: ${problem}`);
    } catch (err) {
      warn(`dutydesk worker: could not check that ${system} lets dutydesk close tickets in ${queue} (${(err as Error).message}); going on`);
    }
  }
  return problems;
}
