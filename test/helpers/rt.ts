/**
 * A real Request Tracker 5 for a test file: its own database (a copy of the
 * cached template) and server on a free loopback port, plus the few calls a
 * test makes as RT's users would (create a ticket, give it back, read it).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RtRest2 } from '../../activities/tickets/rt-rest2';
import { startLocalRt, type LocalRt, type RtSettings } from '../../scripts/rt/local-rt';
import { freePort } from './wait';

export interface TestRt extends LocalRt {
  /** Talks to RT as its bot account does. */
  api: RtRest2;
  /** As a person in RT's own UI would: a raw REST 2.0 call, as the bot or as one of RT's people (alice, bob, dan). */
  rest(method: string, route: string, body?: unknown, as?: string): Promise<unknown>;
  remove(): Promise<void>;
  /** RT forgets every web session, as its session clean-up would. */
  forgetSessions(): void;
}

/** With `webhook`, RT's own scrip posts every ticket change there; `timeZone` and `priorities` set RT's own. */
export async function startRt(options: RtSettings = {}): Promise<TestRt> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dutydesk-rt-'));
  const port = await freePort();
  const password = 'rt-test-password';
  const people = { alice: 'alice-password', bob: 'bob-password', dan: 'dan-password' };
  const rt = await startLocalRt({ ...options, dir, port, password, people });
  const api = new RtRest2({ url: rt.url, user: rt.user, token: () => rt.token });
  const credentials: Record<string, string> = { ...people, [rt.user]: password };
  const auth = (user: string) => `Basic ${Buffer.from(`${user}:${credentials[user]}`).toString('base64')}`;
  return {
    ...rt,
    api,
    async rest(method, route, body, as = rt.user) {
      const res = await fetch(`${rt.url}/REST/2.0/${route}`, {
        method,
        headers: { authorization: auth(as), ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`RT ${method} ${route}: ${res.status} ${text}`);
      return JSON.parse(text) as unknown;
    },
    forgetSessions() {
      // With SQLite, RT keeps sessions as files in the instance's session_data.
      const sessions = path.join(dir, 'session_data');
      for (const file of readdirSync(sessions)) rmSync(path.join(sessions, file), { recursive: true, force: true });
    },
    async remove() {
      await rt.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
