/** How people sign in to the web console (gateway.console). */
import { isIP } from 'node:net';
import { z } from 'zod';
import { duration, secretRef } from './schema-parts';

export const consoleSchema = z
  .object({
    /**
     * chat: `console` in a chat sends a one-time sign-in link to the person's direct chat (the default);
     * proxy: an authenticating reverse proxy (oauth2-proxy and the like) names the person in a header;
     * demo: anyone picks who they are: for `npm start` on loopback only.
     */
    signIn: z.enum(['chat', 'proxy', 'demo']).default('chat'),
    /** How long a session lasts; past half of it, it is renewed. */
    sessionTtl: duration.refine((ms) => ms >= 60_000 && ms <= 30 * 86_400_000, 'expected between 1m and 30d, such as 12h').default('12h'),
    /** Where people open the console, for the links sent in chat (https in production); http://<listen> when absent. */
    publicUrl: z.string().url().optional(),
    /** The key sessions and links are signed with; one kept in the data folder when absent (give several gateways the same). */
    sessionKey: secretRef.optional(),
    /** signIn proxy: the header with the person's dutydesk id (or e-mail), trusted only from these addresses. */
    proxy: z
      .object({
        header: z.string().regex(/^[A-Za-z0-9-]+$/, 'expected a header name such as X-Forwarded-User').default('X-Forwarded-User'),
        from: z.array(z.string().refine((a) => isIP(a) !== 0, 'expected the proxy\'s IP address, such as 10.0.0.5')).min(1, "expected the proxy's addresses: a header from anyone else is ignored"),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.signIn === 'proxy' && !c.proxy) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['proxy'], message: 'signIn proxy needs proxy.from: the addresses of the authenticating proxy' });
  });
export type ConsoleConfig = z.infer<typeof consoleSchema>;

const LOOPBACK = new Set(['127.0.0.1', '::1', '[::1]', 'localhost']);

/** The host part of host:port. */
export const listenHost = (listen: string) => listen.slice(0, listen.lastIndexOf(':'));
/** The port part of host:port. */
export const listenPort = (listen: string) => Number(listen.slice(listen.lastIndexOf(':') + 1));
/** Whether two listeners would take the same port (the same host, or one on every address). */
export const listenersClash = (a: string, b: string) =>
  listenPort(a) === listenPort(b) && (listenHost(a) === listenHost(b) || [a, b].some((l) => listenHost(l) === '0.0.0.0'));
export const isLoopback = (host: string) => LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);

/** Why this listener may not serve the demo console, if it may not. */
export function demoExposure(listen: string): string | undefined {
  if (isLoopback(listenHost(listen))) return undefined;
  return `gateway.console.signIn demo lets anyone who reaches the console act as anyone, so it listens on loopback only: set gateway.listen to 127.0.0.1:${listen.split(':').pop()}, or sign in by chat link (signIn: chat) or through an authenticating proxy (signIn: proxy)`;
}
