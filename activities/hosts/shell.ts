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
 *
 * The host may notice a dropped connection only after a retry has connected again, so with a `claim`
 * (a hex name that is the same for every attempt of one step) the group's id is kept in
 * ~/.dutydesk/run/<claim>.pgid, and a command run again under the same claim first ends the group
 * before it and waits (up to 5 s, then SIGKILL) until it is gone.
 */
export function endsWithSession(command: string, claim?: string): string {
  if (claim !== undefined && !/^[0-9a-f]{16,64}$/.test(claim)) throw new Error(`not a claim name: ${JSON.stringify(claim)}`);
  const before = claim
    ? [
        `d="\${HOME:-/tmp}/.dutydesk/run"; f="$d/${claim}.pgid"`,
        '(umask 077; mkdir -p "$d")',
        'o=$(cat "$f" 2>/dev/null)',
        'case "$o" in ""|*[!0-9]*) ;; *) kill -TERM -"$o" 2>/dev/null && { i=0; while kill -0 -"$o" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; kill -KILL -"$o" 2>/dev/null; } ;; esac',
      ]
    : [];
  // An asynchronous list's stdin is /dev/null unless redirected: the session's stdin is kept on fd 3 for the watcher.
  const inner = [
    ...before,
    'exec 3<&0',
    'setsid sh -c "$1" & p=$!',
    ...(claim ? ['echo $p > "$f"'] : []),
    '( while read -r _; do :; done; kill -TERM -$p; sleep 2; kill -KILL -$p ) <&3 >/dev/null 2>&1 & w=$!',
    'exec 3<&-',
    'wait $p; s=$?',
    'kill $w 2>/dev/null',
    ...(claim ? ['[ "$(cat "$f" 2>/dev/null)" = "$p" ] && rm -f "$f"'] : []),
    'exit $s',
  ].join('\n');
  return `sh -c ${shellQuote(inner)} dutydesk ${shellQuote(command)}`;
}
