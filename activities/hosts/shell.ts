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
 * (a hex name the same for every attempt of one step, and the attempt's number) the group's id, its
 * start time and the attempt are kept in ~/.dutydesk/run/<name>.pgid. A command run again under the
 * same name first ends the group before it (if that very process still runs: a number reused since
 * is never signalled) and waits up to 5 s, then SIGKILL; an attempt older than the one recorded does
 * not run at all (exit 75), since Temporal has already given the step to a newer one.
 */
export interface Claim {
  name: string;
  attempt: number;
}

export function endsWithSession(command: string, claim?: Claim): string {
  if (claim && (!/^[0-9a-f]{16,64}$/.test(claim.name) || !Number.isSafeInteger(claim.attempt) || claim.attempt < 1)) {
    throw new Error(`not a claim: ${JSON.stringify(claim)}`);
  }
  const before = claim
    ? [
        // Only in the user's own home (mode 700), never a shared /tmp where others could plant a number.
        `a=${claim.attempt}; f=; [ -n "$HOME" ] && (umask 077; mkdir -p "$HOME/.dutydesk/run") 2>/dev/null && f="$HOME/.dutydesk/run/${claim.name}.pgid"`,
        // A process's start time (field 22 of /proc/<pid>/stat, read after its name): which process a number is.
        'st() { sed "s/^.*) //" "/proc/$1/stat" 2>/dev/null | cut -d" " -f20; }',
        'o=; t=; oa=; [ -n "$f" ] && read -r o t oa < "$f" 2>/dev/null',
        'case "$o.$t.$oa" in *[!0-9.]*|.*|*..*|*.) o= ;; esac',
        'if [ -n "$o" ] && [ "$oa" -gt "$a" ]; then echo "dutydesk: a later attempt of this step runs on this host; this one does not" >&2; exit 75; fi',
        'if [ -n "$o" ] && [ "$o" -gt 1 ] && [ "$(st "$o")" = "$t" ]; then',
        '  kill -TERM -"$o" 2>/dev/null; i=0',
        '  while kill -0 -"$o" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done',
        '  kill -KILL -"$o" 2>/dev/null',
        'fi',
      ]
    : [];
  // An asynchronous list's stdin is /dev/null unless redirected: the session's stdin is kept on fd 3 for the watcher.
  const inner = [
    ...before,
    'exec 3<&0',
    'setsid sh -c "$1" & p=$!',
    ...(claim ? ['[ -n "$f" ] && echo "$p $(st "$p") $a" > "$f" 2>/dev/null'] : []),
    '( while read -r _; do :; done; kill -TERM -$p; sleep 2; kill -KILL -$p ) <&3 >/dev/null 2>&1 & w=$!',
    'exec 3<&-',
    // The shell's "Terminated" notice goes nowhere: with the session gone, writing it would end this shell (SIGPIPE) before the clean-up.
    'wait $p 2>/dev/null; s=$?',
    'kill $w 2>/dev/null',
    ...(claim ? ['[ -n "$f" ] && read -r x _ < "$f" 2>/dev/null && [ "$x" = "$p" ] && rm -f "$f"'] : []),
    'exit $s',
  ].join('\n');
  return `sh -c ${shellQuote(inner)} dutydesk ${shellQuote(command)}`;
}
