/**
 * Reading what a host says about its Java processes and disks: the process
 * table, jcmd GC.heap_info and df. Pure parsers, so they are unit-tested
 * against real outputs.
 */
import type { FoundProcess } from '../../workflows/dump/definitions';

/** Lines of `ps -eo pid=,user=,args=`. */
export function parseProcessTable(output: string): FoundProcess[] {
  return output
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\S+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), user: m[2], command: m[3].trim() }));
}

/**
 * The processes whose command line matches. The shell that runs our own `ps`
 * is left out by pid ($$ printed first), so the pattern never finds itself.
 */
export function matchingProcesses(table: FoundProcess[], pattern: string, ownPids: number[]): FoundProcess[] {
  const re = new RegExp(pattern);
  return table.filter((p) => !ownPids.includes(p.pid) && !p.command.startsWith('ps -eo ') && re.test(p.command));
}

/**
 * The heap in use, from `jcmd <pid> GC.heap_info`: the sum of every top-level
 * "total NK, used NK" line (G1 prints one; Parallel and Serial one per
 * generation). Metaspace lines carry no "total" and are not heap.
 */
export function parseHeapUsed(output: string): number | undefined {
  const used = [...output.matchAll(/total\s+(\d+)K,\s+used\s+(\d+)K/g)].map((m) => Number(m[2]) * 1024);
  return used.length ? used.reduce((a, b) => a + b, 0) : undefined;
}

/** Available bytes from `df -Pk <dir>` (POSIX format: the 4th column of the last line). */
export function parseDfAvailable(output: string): number | undefined {
  const last = output.trim().split('\n').pop() ?? '';
  const cols = last.trim().split(/\s+/);
  const kb = Number(cols[3]);
  return cols.length >= 6 && Number.isFinite(kb) ? kb * 1024 : undefined;
}
