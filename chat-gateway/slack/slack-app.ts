/**
 * Slack inbound, on Bolt: the slash command, mentions, direct messages,
 * Block Kit button presses and the App Home tab, all on the gateway's express
 * (POST /slack/events: headers and size checked first by request-guard.ts, then
 * the signature by Bolt's receiver).
 * Answers go out through the chat's outbox like every other message.
 * Texts Slack sends are mrkdwn; they are turned into plain text on the way in
 * (the outbound adapter escapes them again on the way out).
 */
import { App, ExpressReceiver, LogLevel } from '@slack/bolt';
import type { Client } from '@temporalio/client';
import express from 'express';
import { readSecret, type LoadedConfig } from '../../config/load';
import { outboxReplier } from '../../activities/chat/outbox-client';
import { t } from '../../lib/i18n';
import { plainFromSlack, mrkdwnFromPlain } from '../../lib/messages/slack-mrkdwn';
import type { ChatRef } from '../../workflows/restart/definitions';
import type { AuditTrail } from '../audit';
import type { Dispatcher } from '../dispatcher';
import { downloadIncomingFile, fileRefusal, type IncomingFile } from '../incoming-files';
import type { Services } from '../commands/context';
import { homeContent } from '../home/home-content';
import { CONSOLE_SIGNIN_ACTION, homeBlocks, strangerHomeBlocks } from './home-view';
import { botIdentity, fromABot } from './own-messages';
import { slackRequestGuard } from './request-guard';
import { SignInLimit } from '../web-console/sessions';
import { sendDirectly } from '../send-directly';

export interface SlackAppDeps {
  config: LoadedConfig;
  client: Client;
  dispatcher: Dispatcher;
  /** For the App Home: running operations, owned tickets, open incidents. */
  services: Pick<Services, 'restarts' | 'tickets' | 'incidents' | 'actions'>;
  log?: (line: string) => void;
  audit?: AuditTrail;
}

export function createSlackApp({ config, client, dispatcher, services, log = console.error, audit }: SlackAppDeps) {
  const slack = config.slack!;
  const receiver = new ExpressReceiver({
    signingSecret: readSecret(slack.signingSecret, config).trim(),
    endpoints: '/slack/events',
    logLevel: LogLevel.ERROR,
  });
  const botToken = readSecret(slack.botToken, config).trim();
  const identity = botIdentity(() => app.client, botToken);
  const app = new App({
    // The app's own ids (auth.test, asked once) come with every event, for the check below.
    authorize: async () => ({ botToken, ...(await identity()) }),
    receiver,
    // Bolt's own check misses messages the app posted with chat.postMessage; ours is below.
    ignoreSelf: false,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: slack.apiUrl },
  });
  // Messages from bots, our own above all (a notice in someone's DM comes back as a message event there), are never commands.
  app.use(async ({ body, context, next }) => {
    const event = (body as { event?: Parameters<typeof fromABot>[0] }).event;
    if (event && fromABot(event, context.botUserId)) return;
    await next();
  });
  const userIdOf = (slackId: string) => config.users.find((u) => u.slack === slackId)?.id ?? `slack:${slackId}`;
  const replier = (chat: ChatRef, key: string | number) => outboxReplier(client, chat, `slack/${key}`);
  const run = (what: string, work: () => Promise<void>) => work().catch((err: Error) => log(`dutydesk slack: ${what} failed: ${err.message}`));

  app.command(slack.command, async ({ command, ack }) => {
    await ack();
    const chat: ChatRef = { platform: 'slack', chatId: command.channel_id };
    // A slash command is no message and has no ts: its trigger_id names this one invocation.
    const messageId = `command:${command.trigger_id}`;
    await run('command', () => dispatcher.text({ userId: userIdOf(command.user_id), chat, messageId, reply: replier(chat, command.trigger_id), displayName: command.user_name }, plainFromSlack(command.text)));
  });

  app.event('app_mention', async ({ event }) => {
    if (!event.user) return;
    const chat: ChatRef = { platform: 'slack', chatId: event.channel };
    const text = plainFromSlack(event.text.replace(/<@[A-Z0-9]+>/g, '')).trim();
    await run('mention', () => dispatcher.text({ userId: userIdOf(event.user!), chat, messageId: `${event.channel}:${event.ts}`, reply: replier(chat, event.event_ts) }, text));
  });

  app.message(async ({ message }) => {
    // Direct messages to the app, with a file maybe; messages from bots (ourselves included) are not commands.
    if (message.channel_type !== 'im' || (message.subtype && message.subtype !== 'file_share') || !('user' in message) || !message.user || !('text' in message)) return;
    const chat: ChatRef = { platform: 'slack', chatId: message.channel };
    const userId = userIdOf(message.user as string);
    const reply = replier(chat, message.ts);
    const shared = 'files' in message ? message.files?.[0] : undefined;
    await run('message', async () => {
      let file: IncomingFile | undefined;
      // Files are downloaded for known people only, with the bot token (Slack's url_private_download).
      if (shared?.url_private_download && config.users.some((u) => u.id === userId)) {
        const lang = config.users.find((u) => u.id === userId)?.language ?? 'en';
        try {
          const source = { name: shared.name ?? 'file', size: shared.size, url: shared.url_private_download, headers: { authorization: `Bearer ${botToken}` } };
          file = await downloadIncomingFile(config.gateway.incomingDir, source);
        } catch (err) {
          const refusal = fileRefusal(err);
          return reply(t(lang, refusal.key, refusal.vars));
        }
      }
      // A direct chat: what must stay out of workflow history (a sign-in link) goes straight to Slack.
      const sendPrivately = (text: string) => sendDirectly(() => app.client.chat.postMessage({ token: botToken, channel: message.channel, text: mrkdwnFromPlain(text) }));
      await dispatcher.text({ userId, chat, messageId: `${message.channel}:${message.ts}`, reply, sendPrivately, ...(file ? { file } : {}) }, plainFromSlack(message.text ?? ''));
    });
  });

  app.action(/^dutydesk-/, async ({ ack, body, action }) => {
    await ack();
    if (body.type !== 'block_actions' || action.type !== 'button') return;
    // A message's button acts in its channel; an App Home button in the person's direct messages with the app.
    const channel = body.channel?.id ?? (body.view?.type === 'home' ? body.user.id : undefined);
    if (!channel) return;
    const chat: ChatRef = { platform: 'slack', chatId: channel };
    await run('button', () => dispatcher.press({ userId: userIdOf(body.user.id), chat, reply: replier(chat, body.trigger_id) }, action.value ?? ''));
  });

  // From the App Home tab: the sign-in link goes to the person's direct messages with the app (their member id as the channel).
  app.action(CONSOLE_SIGNIN_ACTION, async ({ ack, body }) => {
    await ack();
    const user = config.users.find((u) => u.slack === body.user.id);
    if (!user || !dispatcher.signInLink || config.gateway.console.signIn !== 'chat') return;
    await run('console sign-in', async () => {
      const lang = user.language ?? 'en';
      let text: string;
      let limit: SignInLimit | undefined;
      try {
        text = t(lang, 'console.link', { url: dispatcher.signInLink!(user.id), minutes: '10' });
      } catch (err) {
        if (!(err instanceof SignInLimit)) throw err;
        limit = err;
        text = t(lang, err.key, err.vars);
      }
      await sendDirectly(() => app.client.chat.postMessage({ token: botToken, channel: body.user.id, text: mrkdwnFromPlain(text) }));
      void audit?.record({ who: user.id, platform: 'slack', what: 'console', outcome: limit ? 'refused' : 'done', detail: limit ? limit.key : 'sign-in link from the App Home tab' });
    });
  });

  app.event('app_home_opened', async ({ event, client: web }) => {
    if (event.tab !== 'home') return;
    await run('home', async () => {
      await web.views.publish({ user_id: event.user, view: { type: 'home', blocks: await homeView(event.user) } });
    });
  });

  /** The user's open tickets, running operations and what they may do. */
  async function homeView(slackUser: string) {
    const user = config.users.find((u) => u.slack === slackUser);
    if (!user) return strangerHomeBlocks();
    const language = user.language ?? 'en';
    const content = await homeContent(config, services, user, language, { helpKeys: dispatcher.commands.filter((c) => !c.unlisted), consoleButton: config.gateway.console.signIn === 'chat' && !!dispatcher.signInLink });
    return homeBlocks(content);
  }

  const router = express.Router().use(slackRequestGuard('/slack/events'), receiver.router);
  return { router, app };
}
