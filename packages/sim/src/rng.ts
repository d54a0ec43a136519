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
  // xoshiro state words in a typed array: V8 keeps them as raw int32 (object fields holding
  // values outside the small-integer range would be boxed), which makes u32() about 1.5× faster.
  private readonly s = new Int32Array(4);
  private spare = 0;
  private hasSpare = false;

  constructor(seed: number, ...labels: string[]) {
    let h = hashString(String(seed >>> 0) + ':' + String(Math.floor(seed / 4294967296)), 0x811c9dc5);
    for (const l of labels) h = hashString('/' + l, h);
    const sm = splitmix32(h ^ (seed >>> 0));
    for (let k = 0; k < 4; k++) this.s[k] = sm();
    if ((this.s[0]! | this.s[1]! | this.s[2]! | this.s[3]!) === 0) this.s[0] = 1;
  }

  /** Next 32 random bits as an unsigned integer. */
  u32(): number {
    const s = this.s;
    const a = s[0]!;
    const b = s[1]!;
    const c = s[2]! ^ a;
    const d = s[3]! ^ b;
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    s[0] = a ^ d;
    s[1] = b ^ c;
    s[2] = c ^ (b << 9);
    s[3] = rotl(d, 11);
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
    return geometricOf(this.u32(), logq);
  }

  /**
   * Positions of successive Bernoulli(p) successes after `last` and below `n`, written to `out`
   * from index `len` (as position + `offset`) until `out` is full; returns the new length. The
   * same draws as `last += 1 + geo.next(this)` in a loop, but with the generator's state in
   * locals rather than in memory (about 1.5× faster over the tens of millions of pairs of a
   * dense network), so the steps of u32() are repeated here.
   */
  fillGeometric(
    geo: GeometricSampler,
    last: number,
    n: number,
    out: Int32Array,
    len: number,
    offset: number,
  ): number {
    const s = this.s;
    let a = s[0]!;
    let b = s[1]!;
    let c = s[2]!;
    let d = s[3]!;
    let j = last;
    while (len < out.length) {
      const x = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
      c ^= a;
      d ^= b;
      const t = b << 9;
      b ^= c;
      a ^= d;
      c ^= t;
      d = rotl(d, 11);
      j += 1 + geo.of(x);
      if (j >= n) break;
      out[len++] = j + offset;
    }
    s[0] = a;
    s[1] = b;
    s[2] = c;
    s[3] = d;
    return len;
  }
}

/** The geometric variate of one 32-bit draw x: floor(log U / log q) with U = (x + 0.5) / 2^32 in (0, 1). */
function geometricOf(x: number, logq: number): number {
  return Math.floor(Math.log((x + 0.5) * 2.3283064365386963e-10) / logq);
}

/**
 * `rng.geometric(logq)` for one fixed p, mostly without a logarithm: the result is a monotone
 * function of the 32-bit draw, so it is tabulated per bucket of the draw's top bits, and only the
 * buckets that straddle a change of value take the logarithm. Same draws, same numbers as
 * `geometric`; about 3× faster, which matters when connecting tens of millions of pairs. Sparse
 * connectivity (small p, long gaps) needs finer buckets: with 2^12 of them about 1 in 100 draws
 * takes the logarithm at p = 0.2 but most do at p = 0.001; with 2^16, about 1 in 40 at p = 0.001.
 */
export class GeometricSampler {
  /** Value for each bucket, or -1 when the bucket holds several values. */
  private readonly table: Int32Array;
  private readonly shift: number;

  /** `draws`: about how many variates will be drawn (the finer table pays off past a million). */
  constructor(
    private readonly logq: number,
    draws = 0,
  ) {
    const bits = draws > 1e6 ? 16 : 12;
    this.shift = 32 - bits;
    this.table = new Int32Array(1 << bits);
    const width = 2 ** this.shift;
    for (let b = 0; b < this.table.length; b++) {
      const first = geometricOf(b * width, logq);
      const last = geometricOf(b * width + width - 1, logq);
      this.table[b] = first === last && first < 2147483647 ? first : -1;
    }
  }

  next(rng: Rng): number {
    return this.of(rng.u32());
  }

  /** The variate of the 32-bit draw x. */
  of(x: number): number {
    const g = this.table[x >>> this.shift]!;
    return g >= 0 ? g : geometricOf(x, this.logq);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A seed for runs that did not give one. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}
