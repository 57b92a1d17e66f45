/** Building host commands safely: every value quoted, and run as another user where asked. */

/** One shell word, whatever it contains. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The command run by `user` through sudo (non-interactive: a missing sudo rule fails at once), or as is. */
export function asUser(command: string, user: string | undefined): string {
  return user ? `sudo -n -u ${shellQuote(user)} sh -c ${shellQuote(command)}` : command;
}
