/** Local files the worker keeps for a while (fetched dumps, forecast charts), deleted once older than their retention. */
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/** Deletes the files in dir last modified before now − retention; returns their names. */
export async function pruneOlderThan(dir: string, retentionMs: number): Promise<string[]> {
  const removed: string[] = [];
  const cutoff = Date.now() - retentionMs;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const file = path.join(dir, name);
    const info = await stat(file).catch(() => undefined);
    if (info?.isFile() && info.mtimeMs < cutoff) {
      await rm(file, { force: true });
      removed.push(name);
    }
  }
  return removed;
}
