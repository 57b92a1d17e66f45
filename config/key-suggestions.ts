/**
 * "Did you mean …?" for unknown keys in the configuration: the keys the schema
 * knows at that place, and the one a typo is closest to.
 */
import { z, type ZodTypeAny } from 'zod';

/** Strips defaults, optionals, refinements and lazies down to the schema that has the shape. */
function unwrap(schema: ZodTypeAny): ZodTypeAny {
  for (let i = 0; i < 20; i++) {
    if (schema instanceof z.ZodDefault || schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) schema = schema._def.innerType;
    else if (schema instanceof z.ZodEffects) schema = schema._def.schema;
    else if (schema instanceof z.ZodLazy) schema = schema._def.getter();
    else if (schema instanceof z.ZodPipeline) schema = schema._def.in;
    else return schema;
  }
  return schema;
}

/** The keys an object at this path may have (several, for a union of objects); [] when the path leads nowhere known. */
export function knownKeysAt(root: ZodTypeAny, path: readonly (string | number)[]): string[] {
  let schemas = [unwrap(root)];
  for (const part of path) {
    schemas = schemas.flatMap((s): ZodTypeAny[] => {
      if (s instanceof z.ZodObject) return typeof part === 'string' && Object.hasOwn(s.shape, part) ? [s.shape[part]] : [];
      if (s instanceof z.ZodRecord) return [s._def.valueType];
      if (s instanceof z.ZodArray) return [s._def.type];
      return [];
    }).flatMap((s) => {
      const inner = unwrap(s);
      return inner instanceof z.ZodUnion || inner instanceof z.ZodDiscriminatedUnion ? [...inner._def.options].map(unwrap) : [inner];
    });
  }
  return [...new Set(schemas.flatMap((s) => (s instanceof z.ZodObject ? Object.keys(s.shape) : [])))];
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** The known key a typo most likely meant: a different case, or at most a third of its letters off. */
export function closestKey(typo: string, known: readonly string[]): string | undefined {
  if (typo.length > 100) return undefined;
  const lower = typo.toLowerCase();
  let best: { key: string; d: number } | undefined;
  for (const key of known) {
    const d = distance(lower, key.toLowerCase());
    if (d <= Math.max(1, Math.floor(key.length / 3)) && (!best || d < best.d)) best = { key, d };
  }
  return best?.key;
}
