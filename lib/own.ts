/**
 * Looks a name up among a record's own keys only. Names people type (hosts,
 * services, steps, roles, chats) must never find what every plain object
 * inherits: "constructor", "toString" or "__proto__" name nothing here.
 */
export function own<T>(record: Record<string, T> | undefined, key: unknown): T | undefined {
  return record !== undefined && typeof key === 'string' && Object.hasOwn(record, key) ? record[key] : undefined;
}
