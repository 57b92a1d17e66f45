/**
 * Telegram inbound, on telegraf: commands typed in a chat and inline-keyboard
 * presses go to the same dispatcher as every other platform. Answers go out
 * through the chat's outbox, paced like every other message to that chat.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Client } from '@temporalio/client';
import express, { type RequestHandler } from 'express';
import { Telegraf } from 'telegraf';
import { message } from 'telegraf/filters';
import { readSecret, type LoadedConfig } from '../../config/load';
import { outboxReplier } from '../../activities/chat/outbox-client';
import { callbackKey, decodeCallback } from '../../lib/callback-data';
import { LANGUAGES, supportedLanguage, t } from '../../lib/i18n';
import type { ChatRef } from '../../workflows/restart/definitions';
import type { Dispatcher } from '../dispatcher';
import { downloadIncomingFile, FileTooBig, fileRefusal, INCOMING_FILE_LIMIT, type IncomingFile } from '../incoming-files';
import { sendDirectly } from '../send-directly';

export interface TelegramBotDeps {
  config: LoadedConfig;
  client: Client;
  dispatcher: Dispatcher;
  token: string;
  log?: (line: string) => void;
}

export function createTelegramBot({ config, client, dispatcher, token, log = console.error }: TelegramBotDeps) {
  const apiRoot = config.telegram?.apiRoot ?? 'https://api.telegram.org';
  const bot = new Telegraf(token, { telegram: { apiRoot } });
  const key = callbackKey(token);
  const userIdOf = (telegramId: number) => config.users.find((u) => u.telegram === String(telegramId))?.id ?? `telegram:${telegramId}`;
  const languageOf = (userId: string) => config.users.find((u) => u.id === userId)?.language;

  /** Answers are keyed by the update they answer, so a redelivered update is not answered twice. */
  const replier = (chat: ChatRef, key: string | number) => outboxReplier(client, chat, `tg-update/${key}`);

  /** "/restart@dutydesk_bot web1" in groups: the bot's name dropped from the command. */
  const commandText = (text: string) => text.replace(/^\/(\w+)@\w+/, '/$1');
  const who = (from: { language_code?: string; first_name: string; last_name?: string; username?: string }) => ({
    locale: from.language_code,
    displayName: [from.first_name, from.last_name].filter(Boolean).join(' ') + (from.username ? ` (@${from.username})` : ''),
  });

  bot.on(message('text'), async (ctx) => {
    const chat: ChatRef = { platform: 'telegram', chatId: String(ctx.chat.id) };
    const text = commandText(ctx.message.text);
    // Group chatter is not for us: only commands, and replies to the bot's own messages (the text it asked for).
    const toUs = ctx.message.reply_to_message?.from?.id !== undefined && ctx.message.reply_to_message.from.id === ctx.botInfo?.id;
    if (ctx.chat.type !== 'private' && !text.startsWith('/') && !toUs) return;
    const messageId = `${ctx.chat.id}:${ctx.message.message_id}`;
    // A private chat: what must stay out of workflow history (a sign-in link) goes straight to Telegram, as plain text.
    const sendPrivately = ctx.chat.type === 'private' ? (line: string) => sendDirectly(() => ctx.telegram.sendMessage(ctx.chat.id, line)) : undefined;
    await dispatcher.text({ userId: userIdOf(ctx.from.id), chat, messageId, reply: replier(chat, ctx.update.update_id), sendPrivately, ...who(ctx.from) }, text);
  });

  // A file with the command as its caption (a request's XML for forecast): downloaded for known people only.
  bot.on(message('document'), async (ctx) => {
    const chat: ChatRef = { platform: 'telegram', chatId: String(ctx.chat.id) };
    const text = commandText(ctx.message.caption ?? '');
    if (ctx.chat.type !== 'private' && !text.startsWith('/')) return;
    const userId = userIdOf(ctx.from.id);
    const reply = replier(chat, ctx.update.update_id);
    const incoming = { userId, chat, messageId: `${ctx.chat.id}:${ctx.message.message_id}`, reply, ...who(ctx.from) };
    if (!config.users.some((u) => u.id === userId)) return dispatcher.text(incoming, text);
    const document = ctx.message.document;
    const lang = languageOf(userId) ?? supportedLanguage(ctx.from.language_code);
    let file: IncomingFile;
    try {
      const name = document.file_name ?? 'file';
      // Bots may download 20 MB at most: a bigger file is refused before getFile.
      if ((document.file_size ?? 0) > INCOMING_FILE_LIMIT) throw new FileTooBig(name, INCOMING_FILE_LIMIT);
      file = await downloadIncomingFile(config.gateway.incomingDir, { name, size: document.file_size, url: await ctx.telegram.getFileLink(document.file_id) });
    } catch (err) {
      const refusal = fileRefusal(err);
      return reply(t(lang, refusal.key, refusal.vars));
    }
    await dispatcher.text({ ...incoming, file }, text);
  });

  bot.on('callback_query', async (ctx) => {
    const query = ctx.callbackQuery;
    const chatId = query.message?.chat.id;
    const data = 'data' in query ? query.data : undefined;
    const userId = userIdOf(query.from.id);
    const action = chatId !== undefined && data ? decodeCallback(key, String(chatId), data) : undefined;
    if (!action || chatId === undefined) {
      await ctx.answerCbQuery(t(languageOf(userId) ?? supportedLanguage(query.from.language_code), 'error.forgedButton'), { show_alert: true });
      return;
    }
    await ctx.answerCbQuery();
    const chat: ChatRef = { platform: 'telegram', chatId: String(chatId) };
    await dispatcher.press({ userId, chat, reply: replier(chat, ctx.update.update_id), locale: query.from.language_code, displayName: query.from.first_name }, action);
  });

  bot.catch((err, ctx) => log(`dutydesk telegram: update ${ctx.update.update_id} failed: ${(err as Error).message}`));

  const webhook = config.telegram?.webhook;
  const webhookSecret = webhook ? readSecret(webhook.secretToken, config).trim() : undefined;

  /** Webhook mode: the secret token is checked before the body is read, and the body is read to 1 MB at most. */
  const checkSecret: RequestHandler = (req, res, next) => {
    const given = Buffer.from(req.get('x-telegram-bot-api-secret-token') ?? '');
    const expected = Buffer.from(webhookSecret ?? '');
    if (!webhookSecret || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      res.status(401).json({ error: 'missing or wrong X-Telegram-Bot-Api-Secret-Token' });
      return;
    }
    next();
  };
  const takeUpdate: RequestHandler = (req, res) => {
    const update = req.body as { update_id?: unknown };
    if (!update || typeof update.update_id !== 'number') {
      res.status(400).json({ error: 'expected a Telegram Update object' });
      return;
    }
    // Answer at once; Telegram retries an update that is not acknowledged.
    res.json({ ok: true });
    void bot.handleUpdate(req.body).catch((err: Error) => log(`dutydesk telegram: update ${update.update_id} failed: ${err.message}`));
  };
  const webhookHandlers: RequestHandler[] = [checkSecret, express.json({ limit: '1mb' }), takeUpdate];

  /** The command menu in every language we ship: English for everyone, the others for users whose Telegram is set to them. */
  const setCommands = () =>
    Promise.all(
      LANGUAGES.map((language) =>
        bot.telegram
          .setMyCommands(
            dispatcher.commands.map((c) => ({ command: c.name, description: t(language, c.helpKey).slice(0, 256) })),
            language === 'en' ? {} : { language_code: language },
          )
          .catch((err: Error) => log(`dutydesk telegram: setMyCommands (${language}) failed: ${err.message}`)),
      ),
    );

  return {
    bot,
    webhookHandlers,
    /** Starts long polling, or registers the webhook in webhook mode; resolves once updates can arrive. */
    async start(): Promise<void> {
      if (webhook && webhookSecret) {
        bot.botInfo ??= await bot.telegram.getMe();
        await bot.telegram.setWebhook(`${webhook.publicUrl.replace(/\/+$/, '')}/telegram/webhook`, { secret_token: webhookSecret, drop_pending_updates: false });
        void setCommands();
        return;
      }
      return this.startPolling();
    },
    startPolling(): Promise<void> {
      return new Promise((resolve, reject) => {
        bot
          .launch({ dropPendingUpdates: false }, () => {
            void setCommands();
            resolve();
          })
          .catch(reject);
      });
    },
    stop(reason = 'shutdown') {
      if (webhook) return;
      try {
        bot.stop(reason);
      } catch {
        /* polling had already stopped */
      }
    },
  };
}
