/**
 * What Temporal orchestration costs a restart. Runs the same step list
 * (a) directly over one SSH connection and (b) as a restart workflow driven
 * from the web console, against a real sshd on loopback, and prints both,
 * their ratio, and the time from command to the first progress message.
 * Targets: (b) <= 1.15 x (a) + 300 ms; first progress p50 < 300 ms.
 *   npm run bench:restart -- [rounds=15] [steps=6] [stepSeconds=0.2]
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { SshExecutor } from '../activities/hosts/ssh-executor';
import { readFileSync } from 'node:fs';
import { baseConfig, startDesk } from '../test/helpers/desk';
import { startSshd } from '../test/helpers/sshd';
import { followChat } from '../test/helpers/console-events';
import { percentile, runBench } from './stats';

const [rounds = 15, stepCount = 6, stepSeconds = 0.2] = process.argv.slice(2).map(Number);

async function main() {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    /* installed by the desk helper */
  }
  const sshd = await startSshd();
  const command = `sleep ${stepSeconds}`;
  const steps = Array.from({ length: stepCount }, (_, i) => ({ name: `step${i + 1}`, title: `Step ${i + 1}`, run: command }));
  const desk = await startDesk(
    baseConfig({
      bench1: { address: '127.0.0.1', port: sshd.port, user: sshd.user, privateKey: { file: sshd.keyFile }, hostKey: sshd.hostKeyFingerprint, groups: ['test'], services: { app: { steps } } },
    }),
  );

  // (a) the same steps, directly over one SSH connection
  const direct = new SshExecutor({ name: 'bench1', address: '127.0.0.1', port: sshd.port, user: sshd.user, privateKey: () => readFileSync(sshd.keyFile, 'utf8'), hostKey: { fingerprint: sshd.hostKeyFingerprint } });
  const directTimes: number[] = [];
  await direct.exec('true', { timeoutMs: 10_000 }); // connect once and reuse, as the worker does
  for (let r = 1; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < stepCount; i++) {
      const res = await direct.exec(command, { timeoutMs: 10_000 });
      if (res.code !== 0) throw new Error(`direct step failed: ${res.stderr}`);
    }
    directTimes.push(performance.now() - t0);
  }
  await direct.close();

  // (b) through the workflow, from the console command to the final "Done" edit
  const flowTimes: number[] = [];
  const firstEdit: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const follower = await followChat(desk.url, 'dm-alice');
    const t0 = performance.now();
    await desk.say('alice', 'dm-alice', 'restart bench1');
    let first: number | undefined;
    const seen = await follower.readUntil((m) => {
      const mine = m.from === 'bot' && m.text.includes('Restart app on bench1');
      if (mine && first === undefined) first = performance.now() - t0;
      if (mine && m.text.includes('❌')) throw new Error(`restart failed: ${m.text}`);
      return mine && m.text.includes('✅ Done in');
    });
    if (!seen.length) throw new Error('no progress seen');
    const total = performance.now() - t0;
    await follower.close();
    await desk.env.client.workflow.getHandle('restart-bench1').result();
    if (r === 0) continue; // warm-up round: worker caches, first SSH connection
    flowTimes.push(total);
    firstEdit.push(first!);
  }

  const a = percentile(directTimes, 50);
  const b = percentile(flowTimes, 50);
  const budget = a * 1.15 + 300;
  console.log(`restart of ${stepCount} steps x "${command}" over SSH, ${rounds - 1} measured rounds`);
  console.log(`  direct over one SSH connection : p50 ${a.toFixed(0)} ms  p95 ${percentile(directTimes, 95).toFixed(0)} ms`);
  console.log(`  through the restart workflow   : p50 ${b.toFixed(0)} ms  p95 ${percentile(flowTimes, 95).toFixed(0)} ms  (command to final edit)`);
  console.log(`  ratio workflow/direct          : ${(b / a).toFixed(3)}  overhead ${(b - a).toFixed(0)} ms  (budget ${budget.toFixed(0)} ms: ${b <= budget ? 'met' : 'MISSED'})`);
  console.log(`  command to first progress edit : p50 ${percentile(firstEdit, 50).toFixed(0)} ms  p95 ${percentile(firstEdit, 95).toFixed(0)} ms  (target p50 < 300 ms: ${percentile(firstEdit, 50) < 300 ? 'met' : 'MISSED'})`);

  await desk.stop();
  await sshd.stop();
}

runBench(main);
