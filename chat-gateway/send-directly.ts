/**
 * A message the gateway sends itself, past the outbox (a sign-in link must not
 * be in workflow history): a platform's rate limit (Telegram's 429 with
 * retry_after, Slack's rate-limited error with retryAfter) is waited out a few
 * times, for 15 s in all at most, instead of failing the person's command.
 */
const ATTEMPTS = 4;
const WAIT_MAX_MS = 15_000;

/** How long the platform asks to wait, when the error is a rate limit. */
function retryAfterMs(err: unknown): number | undefined {
  const e = err as { code?: unknown; error_code?: unknown; response?: { error_code?: unknown; parameters?: { retry_after?: unknown } }; retryAfter?: unknown };
  const telegram = e?.response?.error_code === 429 || e?.code === 429 ? e.response?.parameters?.retry_after ?? 1 : undefined;
  const slack = e?.code === 'slack_webapi_rate_limited_error' ? e.retryAfter ?? 1 : undefined;
  const seconds = telegram ?? slack;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

export async function sendDirectly(send: () => Promise<unknown>, sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))): Promise<void> {
  let waited = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      await send();
      return;
    } catch (err) {
      const wait = retryAfterMs(err);
      if (wait === undefined || attempt >= ATTEMPTS || waited + wait > WAIT_MAX_MS) throw err;
      waited += wait;
      await sleep(wait);
    }
  }
}
