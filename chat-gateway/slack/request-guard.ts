/**
 * In front of Bolt's receiver on /slack/events: Bolt reads a body of any size
 * before it checks the signature. Here a request without Slack's signature
 * headers, or with a timestamp more than five minutes off, is refused unread,
 * and a body is read to 1 MB at most, 32 at once (Slack's own events are a few KB). Bolt
 * then verifies the signature over the raw body kept in req.rawBody.
 */
import express, { type RequestHandler, type Router } from 'express';
import { refuseUnread } from '../body-errors';

const LIMIT = '1mb';
const SKEW_S = 5 * 60;
/** Bodies read at once before their signature can be checked: a flood of well-formed fakes waits its turn elsewhere. */
const READING_MAX = 32;

export function slackRequestGuard(endpoint: string, now: () => number = Date.now): Router {
  const router = express.Router();
  const headersFirst: RequestHandler = (req, res, next) => {
    const signature = req.get('x-slack-signature');
    const timestamp = Number(req.get('x-slack-request-timestamp'));
    if (!signature || !/^v0=[0-9a-f]{64}$/.test(signature) || !Number.isInteger(timestamp)) {
      return refuseUnread(res, 401, 'missing or malformed X-Slack-Signature / X-Slack-Request-Timestamp: only Slack posts here');
    }
    if (Math.abs(now() / 1000 - timestamp) > SKEW_S) {
      return refuseUnread(res, 401, 'X-Slack-Request-Timestamp is more than five minutes off: a replayed request, or this clock is wrong');
    }
    next();
  };
  let reading = 0;
  const oneOfFew: RequestHandler = (req, res, next) => {
    if (reading >= READING_MAX) return refuseUnread(res, 503, 'too many requests at once; Slack retries', { 'retry-after': '1' });
    reading++;
    res.once('close', () => reading--);
    next();
  };
  const keepRaw: RequestHandler = (req, _res, next) => {
    // Bolt takes req.rawBody when it is there (as on Google Cloud) instead of reading the stream itself.
    if (Buffer.isBuffer(req.body)) (req as typeof req & { rawBody?: Buffer }).rawBody = req.body;
    next();
  };
  router.post(endpoint, headersFirst, oneOfFew, express.raw({ type: () => true, limit: LIMIT }), keepRaw);
  return router;
}
