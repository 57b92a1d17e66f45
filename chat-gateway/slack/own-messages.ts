/**
 * Telling the app's own messages (and other bots') from people's. What the
 * app posts with chat.postMessage comes back to it as an ordinary message
 * event: no subtype, but bot_id, bot_profile and user = the app's bot user.
 * Answering those would answer itself for ever ("I do not know you yet").
 */
import type { webApi } from '@slack/bolt';

export interface SlackEventShape {
  type?: string;
  subtype?: string;
  bot_id?: string;
  bot_profile?: unknown;
  user?: string;
}

export function fromABot(event: SlackEventShape, botUserId: string | undefined): boolean {
  return Boolean(event.bot_id || event.bot_profile || event.subtype === 'bot_message' || (botUserId && event.user === botUserId));
}

/** The app's bot user and bot ids, from one auth.test (asked again after a failure). */
export function botIdentity(client: () => webApi.WebClient, token: string): () => Promise<{ botId?: string; botUserId?: string }> {
  let asked: Promise<{ botId?: string; botUserId?: string }> | undefined;
  return () => {
    asked ??= client()
      .auth.test({ token })
      .then((r) => ({ botId: r.bot_id, botUserId: r.user_id }))
      .catch((err: unknown) => {
        asked = undefined;
        throw err;
      });
    return asked;
  };
}
