/**
 * Requests Slack makes to the app, signed by the local Web API peer as Slack
 * signs them: slash commands and Events API callbacks.
 */
import type { SlackWebApi } from '../peers/slack-web-api';

export function postToSlackApp(appUrl: string, api: SlackWebApi, body: string, contentType: string, headers = api.sign(body)) {
  return fetch(`${appUrl}/slack/events`, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body });
}

/** A slash command as Slack posts it (form-encoded); user_name is the sender's Slack name. */
export function slashCommandBody(user: string, channel: string, text: string, userName = user.toLowerCase()): string {
  return new URLSearchParams({ command: '/dutydesk', text, user_id: user, user_name: userName, channel_id: channel, team_id: 'T1', trigger_id: `trig-${Math.random()}`, response_url: 'http://127.0.0.1:9/unused' }).toString();
}

let events = 0;
/** An Events API callback around one event. */
export function eventCallbackBody(event: Record<string, unknown>): string {
  return JSON.stringify({ type: 'event_callback', team_id: 'T1', api_app_id: 'A0DUTY', event_id: `EvT${++events}${Date.now()}`, event_time: Math.floor(Date.now() / 1000), event });
}
