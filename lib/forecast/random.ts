/**
 * Seeded pseudo-random numbers for the completion forecast. The forecast may
 * run inside Temporal workflows (where Math.random() would break replay) and
 * tests need repeatable results, so every draw comes from a seed.
 */

// Bound once: inside a vm context (Temporal's workflow sandbox, jest) each
// lookup of a global such as `Math` costs ~150 ns, more than the draw itself.
const { imul, sqrt, log, cos, PI } = Math;

/**
 * mulberry32: one 32-bit word of state, uniform floats in [0, 1). Not
 * cryptographic, but well distributed and fast enough for millions of
 * Monte Carlo draws.
 */
export class Mulberry32 {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    return mix(this.state);
  }

  /** Fills `target` with draws, the state in a local: the Monte Carlo's hot loop. */
  fill(target: Float64Array): void {
    let state = this.state;
    for (let i = 0; i < target.length; i++) {
      state = (state + 0x6d2b79f5) >>> 0;
      target[i] = mix(state);
    }
    this.state = state;
  }
}

/** mulberry32's output function: scrambles one state word into a float in [0, 1). */
function mix(state: number): number {
  let t = imul(state ^ (state >>> 15), state | 1);
  t ^= t + imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** A seeded draw function, for callers that want one number at a time. */
export function mulberry32(seed: number): () => number {
  const generator = new Mulberry32(seed);
  return () => generator.next();
}

/** A standard normal draw (Box–Muller); 1 − u keeps the logarithm finite. */
export function normal(random: () => number): number {
  return sqrt(-2 * log(1 - random())) * cos(2 * PI * random());
}
