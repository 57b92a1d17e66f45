/**
 * Button actions as Telegram callback data: at most 64 bytes, so known action
 * prefixes are abbreviated, and signed with a key derived from the bot token
 * and bound to the chat, so forged data or a button copied elsewhere is refused.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

const ABBREVIATIONS: [string, string][] = [
  ['restart.cancel:restart-', 'rc:'],
  ['restart.approve:restart-', 'ra:'],
  ['restart.deny:restart-', 'rd:'],
  ['restart.watch:restart-', 'rw:'],
  ['incident.ack:incident-', 'ia:'],
  ['incident.silence1h:incident-', 'i1:'],
  ['incident.silence4h:incident-', 'i4:'],
  ['incident.unsilence:incident-', 'iu:'],
  ['incident.restart:incident-', 'ix:'],
  ['incident.runbook:incident-', 'ib:'],
  ['action.approve:action-', 'aa:'],
  ['action.deny:action-', 'ad:'],
  ['action.run:', 'ar:'],
];
const SIGNATURE_LENGTH = 11; // 8 bytes of HMAC-SHA256, base64url
export const CALLBACK_DATA_LIMIT = 64;

export function callbackKey(botToken: string): Buffer {
  return createHash('sha256').update(`dutydesk callback data\n${botToken}`).digest();
}

function sign(key: Buffer, chatId: string, body: string): string {
  return createHmac('sha256', key).update(`${chatId}\n${body}`).digest().subarray(0, 8).toString('base64url');
}

export function encodeCallback(key: Buffer, chatId: string, action: string): string {
  const pair = ABBREVIATIONS.find(([long]) => action.startsWith(long));
  const body = pair ? pair[1] + action.slice(pair[0].length) : `=${action}`;
  const data = sign(key, chatId, body) + body;
  if (Buffer.byteLength(data) > CALLBACK_DATA_LIMIT) {
    throw new Error(`button action "${action}" does not fit Telegram's ${CALLBACK_DATA_LIMIT}-byte callback data; use a shorter host or service name`);
  }
  return data;
}

/** The action, or undefined when the data was not signed by us for this chat. */
export function decodeCallback(key: Buffer, chatId: string, data: string): string | undefined {
  const signature = data.slice(0, SIGNATURE_LENGTH);
  const body = data.slice(SIGNATURE_LENGTH);
  const expected = sign(key, chatId, body);
  if (signature.length !== expected.length || !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) return undefined;
  if (body.startsWith('=')) return body.slice(1);
  const pair = ABBREVIATIONS.find(([, short]) => body.startsWith(short));
  return pair ? pair[0] + body.slice(pair[1].length) : undefined;
}
