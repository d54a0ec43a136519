/**
 * Matrix exponential for the `exact` integrator: for dx/dt = A x + b with A and b constant over a
 * step, x(t+dt) = M x + K b with M = e^{A dt} and K = ∫_0^dt e^{A s} ds. Both come from one
 * exponential of the augmented matrix [[A, I], [0, 0]]·dt (Padé 8 with scaling and squaring).
 */

type Mat = Float64Array; // row-major n×n

function matMul(a: Mat, b: Mat, n: number): Mat {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) c[i * n + j]! += aik * b[k * n + j]!;
    }
  return c;
}

/** Solves D X = N for X (Gaussian elimination with partial pivoting). */
function solve(d: Mat, nm: Mat, n: number): Mat {
  const a = Float64Array.from(d);
  const x = Float64Array.from(nm);
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r * n + col]!) > Math.abs(a[piv * n + col]!)) piv = r;
    if (piv !== col) {
      for (let j = 0; j < n; j++) {
        [a[col * n + j], a[piv * n + j]] = [a[piv * n + j]!, a[col * n + j]!];
        [x[col * n + j], x[piv * n + j]] = [x[piv * n + j]!, x[col * n + j]!];
      }
    }
    const p = a[col * n + col]!;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = a[r * n + col]! / p;
      if (f === 0) continue;
      for (let j = 0; j < n; j++) {
        a[r * n + j]! -= f * a[col * n + j]!;
        x[r * n + j]! -= f * x[col * n + j]!;
      }
    }
  }
  for (let r = 0; r < n; r++) {
    const p = a[r * n + r]!;
    for (let j = 0; j < n; j++) x[r * n + j]! /= p;
  }
  return x;
}

export function expm(a: Mat, n: number): Mat {
  let norm = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.abs(a[i * n + j]!);
    norm = Math.max(norm, s);
  }
  const sq = norm > 0.5 ? Math.ceil(Math.log2(norm / 0.5)) : 0;
  const scale = 2 ** -sq;
  const as = a.map((x) => x * scale);
  const q = 8;
  let c = 1;
  const nMat = new Float64Array(n * n);
  const dMat = new Float64Array(n * n);
  let pow: Mat = new Float64Array(n * n);
  for (let i = 0; i < n; i++) pow[i * n + i] = 1;
  for (let k = 0; k <= q; k++) {
    if (k > 0) {
      c = (c * (q - k + 1)) / (k * (2 * q - k + 1));
      pow = matMul(pow, as, n);
    }
    const sign = k % 2 === 0 ? 1 : -1;
    for (let i = 0; i < n * n; i++) {
      nMat[i]! += c * pow[i]!;
      dMat[i]! += sign * c * pow[i]!;
    }
  }
  let r = solve(dMat, nMat, n);
  for (let k = 0; k < sq; k++) r = matMul(r, r, n);
  return r;
}

/** M = e^{A dt} and K = ∫_0^dt e^{A s} ds, both n×n row-major. */
export function exactPropagators(
  a: ArrayLike<number>,
  n: number,
  dt: number,
): { M: Float64Array; K: Float64Array } {
  if (n === 1) {
    const x = a[0]! * dt;
    return { M: Float64Array.of(Math.exp(x)), K: Float64Array.of(x === 0 ? dt : Math.expm1(x) / a[0]!) };
  }
  const m = 2 * n;
  const big = new Float64Array(m * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) big[i * m + j] = a[i * n + j]! * dt;
    big[i * m + n + i] = dt;
  }
  const e = expm(big, m);
  const M = new Float64Array(n * n);
  const K = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      M[i * n + j] = e[i * m + j]!;
      K[i * n + j] = e[i * m + n + j]!;
    }
  return { M, K };
}
