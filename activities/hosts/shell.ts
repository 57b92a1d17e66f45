/** Building host commands safely: every value quoted, and run as another user where asked. */

/** One shell word, whatever it contains. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The command run by `user` through sudo (non-interactive: a missing sudo rule fails at once), or as is. */
export function asUser(command: string, user: string | undefined): string {
  return user ? `sudo -n -u ${shellQuote(user)} sh -c ${shellQuote(command)}` : command;
}

/**
 * The command in a process group of its own that ends with the SSH session: a watcher reads the session's
 * stdin, which only closes when the channel does (the worker died, the connection dropped, the step was
 * cancelled or timed out), and then ends the whole group. So a retry never runs beside a command left behind.
 * The exit status is the command's.
 */
export function endsWithSession(command: string): string {
  // An asynchronous list's stdin is /dev/null unless redirected: the session's stdin is kept on fd 3 for the watcher.
  const inner = [
    'exec 3<&0',
    'setsid sh -c "$1" & p=$!',
    '( while read -r _; do :; done; kill -TERM -$p; sleep 2; kill -KILL -$p ) <&3 >/dev/null 2>&1 & w=$!',
    'exec 3<&-',
    'wait $p; s=$?',
    'kill $w 2>/dev/null',
    'exit $s',
  ].join('\n');
  return `sh -c ${shellQuote(inner)} dutydesk ${shellQuote(command)}`;
}
