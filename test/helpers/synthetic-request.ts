/**
 * Made-up but valid request XML of a chosen size and depth, for benchmarks
 * and tests of the completion forecast. The same options give the same text.
 */

export interface SyntheticRequestOptions {
  /** Subtasks in the request (exactly this many; at least 1). */
  subtasks: number;
  /** Group nesting depth, the request being 1: exactly this deep (one path of groups goes all the way down). */
  depth: number;
  /** Distinct subtask types, named type-0, type-1, …, so forecasts have histories to share. */
  types: number;
  seed: number;
}

/**
 * Groups alternate with depth: the request runs its children in sequence,
 * its groups in parallel, theirs in sequence again, and so on. One "spine"
 * of groups reaches the full depth; the other groups stop nesting at random
 * once they hold only a few subtasks, so there are far fewer groups than
 * subtasks, as in real requests.
 */
export function syntheticRequestXml(options: SyntheticRequestOptions): string {
  const subtasks = Math.max(1, Math.floor(options.subtasks));
  const depth = Math.max(1, Math.floor(options.depth));
  const types = Math.max(1, Math.floor(options.types));
  const random = mulberry32(options.seed);
  const lines = [`<request id="SYN-${options.seed}" title="Synthetic request: ${subtasks} subtasks, ${depth} levels">`];
  let nextTask = 0;
  let nextGroup = 0;

  const task = (indent: string): void => {
    const n = nextTask++;
    const named = random() < 0.3 ? ` name="Subtask ${n}"` : '';
    lines.push(`${indent}<task id="t${n}" type="type-${Math.floor(random() * types)}"${named}/>`);
  };

  /** The children of a group `level` deep holding `budget` subtasks. */
  const fill = (level: number, budget: number, spine: boolean): void => {
    const indent = '  '.repeat(level);
    const stopHere = level === depth || (!spine && (budget <= 3 || random() < 0.15));
    if (stopHere) {
      for (let i = 0; i < budget; i++) task(indent);
      return;
    }
    const direct = Math.floor(random() * Math.min(3, budget));
    const nested = budget - direct;
    const branches = Math.min(nested, 1 + Math.floor(random() * 4));
    const shares = split(nested, branches, random);
    // Direct subtasks before and after the groups, so both orders occur.
    const before = Math.floor(random() * (direct + 1));
    for (let i = 0; i < before; i++) task(indent);
    shares.forEach((share, i) => {
      const tag = level % 2 === 1 ? 'parallel' : 'sequence';
      lines.push(`${indent}<${tag} name="Stage ${nextGroup++}">`);
      fill(level + 1, share, spine && i === 0);
      lines.push(`${indent}</${tag}>`);
    });
    for (let i = before; i < direct; i++) task(indent);
  };

  fill(1, subtasks, true);
  lines.push('</request>', '');
  return lines.join('\n');
}

/** `total` split into `parts` random shares of at least 1 each (total >= parts >= 1). */
function split(total: number, parts: number, random: () => number): number[] {
  const weights = Array.from({ length: parts }, () => random() + 0.1);
  const sum = weights.reduce((a, b) => a + b, 0);
  const spare = total - parts;
  const shares = weights.map((w) => 1 + Math.floor((spare * w) / sum));
  shares[0] += total - shares.reduce((a, b) => a + b, 0);
  return shares;
}

/** A small seeded pseudo-random generator: the same seed, the same numbers. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
