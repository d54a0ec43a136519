/**
 * Seeded random numbers. Every consumer (a group's dynamics, its initial values, a synapse
 * object's connectivity…) gets its own stream derived from (seed, object name, purpose), so adding
 * or removing one object never shifts another object's numbers.
 *
 * Generator: xoshiro128** (32-bit state words, fast with Math.imul); doubles use 53 random bits.
 */

function hashString(s: string, h: number): number {
  for (let k = 0; k < s.length; k++) {
    h = Math.imul(h ^ s.charCodeAt(k), 0x5bd1e995);
    h ^= h >>> 15;
  }
  return h >>> 0;
}

function splitmix32(state: number): () => number {
  let x = state >>> 0;
  return () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare = 0;
  private hasSpare = false;

  constructor(seed: number, ...labels: string[]) {
    let h = hashString(String(seed >>> 0) + ':' + String(Math.floor(seed / 4294967296)), 0x811c9dc5);
    for (const l of labels) h = hashString('/' + l, h);
    const sm = splitmix32(h ^ (seed >>> 0));
    this.a = sm();
    this.b = sm();
    this.c = sm();
    this.d = sm();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** Next 32 random bits as an unsigned integer. */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  rand(): number {
    const hi = this.u32() >>> 5;
    const lo = this.u32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal (polar Box–Muller, pairs cached). */
  randn(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.rand() - 1;
      v = 2 * this.rand() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * m;
    this.hasSpare = true;
    return u * m;
  }

  /**
   * Number of failures before the first success of Bernoulli(p) trials (geometric), used to skip
   * straight to the next accepted pair or the next spike instead of drawing once per candidate.
   */
  geometric(logq: number): number {
    // logq = log(1 - p); p in (0, 1). U uniform in (0, 1) from 32 bits: floor(log U / log q).
    const u = (this.u32() + 0.5) * 2.3283064365386963e-10;
    return Math.floor(Math.log(u) / logq);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A seed for runs that did not give one. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}
