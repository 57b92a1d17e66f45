// Renders the Graphviz DOT read on stdin as SVG on stdout, with Graphviz
// compiled to WebAssembly (@hpcc-js/wasm-graphviz): no Graphviz package on
// the machine. Run as a child process by graphviz.ts.
import { Graphviz } from '@hpcc-js/wasm-graphviz';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
try {
  const graphviz = await Graphviz.load();
  process.stdout.write(graphviz.dot(Buffer.concat(chunks).toString('utf8'), 'svg'));
} catch (err) {
  process.stderr.write(String(err?.message ?? err).slice(0, 500));
  process.exitCode = 1;
}
