/**
 * Telegram inbound, on telegraf: commands typed in a chat and inline-keyboard
 * presses go to the same dispatcher as every other platform. Answers go out
 * through the chat's outbox, paced like every other message to that chat.
 */
import type { Client } from '@temporalio/client';
import { Telegraf } from 'telegraf';
import { message } from 'telegraf/filters';
import type { LoadedConfig } from '../../config/load';
import { outboxReplier } from '../../activities/chat/outbox-client';
import { callbackKey, decodeCallback } from '../../lib/callback-data';
import { supportedLanguage, t } from '../../lib/i18n';
import type { ChatRef } from '../../workflows/restart/definitions';
import type { Dispatcher } from '../dispatcher';

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

  bot.on(message('text'), async (ctx) => {
    const chat: ChatRef = { platform: 'telegram', chatId: String(ctx.chat.id) };
    // "/restart@dutydesk_bot web1" in groups: drop the bot's name from the command.
    const text = ctx.message.text.replace(/^\/(\w+)@\w+/, '/$1');
    if (ctx.chat.type !== 'private' && !text.startsWith('/')) return; // group chatter is not for us
    const who = { locale: ctx.from.language_code, displayName: [ctx.from.first_name, ctx.from.last_name].filter(Boolean).join(' ') + (ctx.from.username ? ` (@${ctx.from.username})` : '') };
    await dispatcher.text({ userId: userIdOf(ctx.from.id), chat, reply: replier(chat, ctx.update.update_id), ...who }, text);
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

  return {
    bot,
    /** Starts long polling; resolves once the bot is polling. */
    start(): Promise<void> {
      return new Promise((resolve, reject) => {
        bot
          .launch({ dropPendingUpdates: false }, () => {
            void bot.telegram
              .setMyCommands(dispatcher.commands.map((c) => ({ command: c.name, description: t('en', c.helpKey).slice(0, 256) })))
              .catch((err: Error) => log(`dutydesk telegram: setMyCommands failed: ${err.message}`));
            resolve();
          })
          .catch(reject);
      });
    },
    stop(reason = 'shutdown') {
      try {
        bot.stop(reason);
      } catch {
        /* polling had already stopped */
      }
    },
  };
}
