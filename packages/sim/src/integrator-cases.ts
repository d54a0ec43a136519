/**
 * The shared case file for integrator tests: small systems with analytic solutions, and for each
 * integration method the error it must reach. Every case is run through the public path (a spec,
 * `compile`, `run`, a state monitor), so the trace sample k is the state at t_k = k·dt before the
 * update of step k, and is compared with the analytic solution at t_k.
 *
 * An expectation either says the method is exact for the case (the error is rounding only) or
 * gives its order p: halving dt divides the error by 2^p. `tol` bounds the largest error, relative
 * to the largest |value| of the analytic solution of that variable, at the expectation's dt; it is
 * about twice the leading-order error estimate written next to it (h = dt/τ or ω·dt, n steps):
 *
 * - euler / heun (deterministic part = euler) on a decay: max_n n·h²/2·e^{-nh} = h/(2e)
 * - rk2 (midpoint): h²/(6e);  rk4: h⁴/(120e)
 * - rotation by ω·dt = θ per step, n steps: euler amplitude e^{nθ²/2} − 1, rk2 phase nθ³/6,
 *   rk4 phase nθ⁵/120
 */

export type Method = 'exact' | 'euler' | 'rk2' | 'rk4' | 'exponential_euler' | 'heun';

export const METHODS: readonly Method[] = ['exact', 'euler', 'rk2', 'rk4', 'exponential_euler', 'heun'];

export interface Expectation {
  /** Step for this method in seconds (default: the case's `dt`). */
  dt?: number;
  /** Order of the global error; absent = the method is exact for this case. */
  order?: number;
  /** Largest error relative to the solution's scale, at `dt`. */
  tol: number;
}

export interface IntegratorCase {
  name: string;
  N: number;
  model: string;
  constants: Record<string, string | number>;
  init: Record<string, string>;
  /** Default step, seconds. */
  dt: number;
  /** Simulated time, seconds (a whole number of steps at dt and dt/2). */
  duration: number;
  variables: string[];
  /** The analytic solution: value of `variable` of neuron `i` at time `t` (SI). */
  solution(variable: string, t: number, i: number): number;
  methods: Partial<Record<Method, Expectation>>;
}

/** Rounding only: a few ulps per step, accumulated. */
export const EXACT_TOL = 1e-12;

const E = Math.E;

// Exponential decay dv/dt = -v/tau, tau = 10 ms, dt = 1 ms (h = 0.1), v0 = (1 + i) mV.
const tauDecay = 0.01;
const decay: IntegratorCase = {
  name: 'exponential decay dv/dt = -v/tau',
  N: 2,
  model: 'dv/dt = -v/tau : volt',
  constants: { tau: '10*ms' },
  init: { v: '(1 + i)*mV' },
  dt: 0.001,
  duration: 0.05,
  variables: ['v'],
  solution: (_v, t, i) => (1 + i) * 1e-3 * Math.exp(-t / tauDecay),
  methods: {
    exact: { tol: EXACT_TOL },
    exponential_euler: { tol: EXACT_TOL },
    euler: { order: 1, tol: (2 * 0.1) / (2 * E) }, // h/(2e) = 0.018
    heun: { order: 1, tol: (2 * 0.1) / (2 * E) },
    rk2: { order: 2, tol: (2 * 0.1 ** 2) / (6 * E) }, // 6.1e-4
    rk4: { order: 4, tol: (2 * 0.1 ** 4) / (120 * E) }, // 3.1e-7
  },
};

// Linear relaxation towards El + R*I with units and a per-neuron input current:
// dv/dt = (El - v + R*I)/tau, v(0) = El, so v = vinf + (El - vinf)·e^{-t/tau}, vinf = El + R*I_i.
const El = -0.07;
const R = 1e8;
const relaxation: IntegratorCase = {
  name: 'linear relaxation dv/dt = (El - v + R*I)/tau, per-neuron I',
  N: 3,
  model: 'dv/dt = (El - v + R*I)/tau : volt\nI : amp',
  constants: { El: '-70*mV', R: '100*Mohm', tau: '10*ms' },
  init: { v: 'El', I: 'i*0.1*nA' },
  dt: 0.001,
  duration: 0.05,
  variables: ['v'],
  solution: (_v, t, i) => {
    const vinf = El + R * i * 1e-10;
    return vinf + (El - vinf) * Math.exp(-t / tauDecay);
  },
  // Errors are relative to max|v| = 70 mV; the deviation El - vinf that decays is at most 20 mV.
  methods: {
    exact: { tol: EXACT_TOL },
    exponential_euler: { tol: EXACT_TOL },
    euler: { order: 1, tol: (2 / 7) * ((2 * 0.1) / (2 * E)) },
    heun: { order: 1, tol: (2 / 7) * ((2 * 0.1) / (2 * E)) },
    rk2: { order: 2, tol: (2 / 7) * ((2 * 0.1 ** 2) / (6 * E)) },
    rk4: { order: 4, tol: (2 / 7) * ((2 * 0.1 ** 4) / (120 * E)) },
  },
};

// Per-neuron time constants (exact needs one propagator per neuron): tau_n = 5, 10, 15 ms.
const perNeuronTau: IntegratorCase = {
  name: 'decay with per-neuron time constants dv/dt = -v/tau_n',
  N: 3,
  model: 'dv/dt = -v/tau_n : 1\ntau_n : second (constant)',
  constants: {},
  init: { tau_n: '(5 + 5*i)*ms', v: '1' },
  dt: 0.001,
  duration: 0.05,
  variables: ['v'],
  solution: (_v, t, i) => Math.exp(-t / ((5 + 5 * i) * 1e-3)),
  // The shortest tau (h = 0.2) dominates.
  methods: {
    exact: { tol: EXACT_TOL },
    exponential_euler: { tol: EXACT_TOL },
    euler: { order: 1, tol: (2 * 0.2) / (2 * E) },
    heun: { order: 1, tol: (2 * 0.2) / (2 * E) },
    rk2: { order: 2, tol: (2 * 0.2 ** 2) / (6 * E) },
    rk4: { order: 4, tol: (2 * 0.2 ** 4) / (120 * E) },
  },
};

// CUBA's synaptic part: v driven by a decaying ge, two coupled linear equations.
//   dge/dt = -ge/taue,  dv/dt = (ge - v)/taum
//   ge = g0·e^{-t/taue},  v = v0·e^{-t/taum} + g0·taue/(taue - taum)·(e^{-t/taue} - e^{-t/taum})
const taum = 0.02;
const taue = 0.005;
const g0 = (i: number) => (2 + i) * 1e-3;
const v0 = (i: number) => -i * 1e-3;
const cuba: IntegratorCase = {
  name: 'two coupled variables (CUBA): dv/dt = (ge - v)/taum, dge/dt = -ge/taue',
  N: 2,
  model: 'dv/dt = (ge - v)/taum : volt\ndge/dt = -ge/taue : volt',
  constants: { taum: '20*ms', taue: '5*ms' },
  init: { v: '-i*mV', ge: '(2 + i)*mV' },
  dt: 0.0005,
  duration: 0.05,
  variables: ['v', 'ge'],
  solution: (name, t, i) =>
    name === 'ge'
      ? g0(i) * Math.exp(-t / taue)
      : v0(i) * Math.exp(-t / taum) +
        ((g0(i) * taue) / (taue - taum)) * (Math.exp(-t / taue) - Math.exp(-t / taum)),
  // h = dt/taue = 0.1 for ge; v follows ge, its relative error is of the same size.
  methods: {
    exact: { tol: EXACT_TOL },
    // ge is advanced exactly, v with ge frozen over the step: first order through the coupling.
    exponential_euler: { order: 1, tol: 0.05 },
    euler: { order: 1, tol: 0.05 },
    heun: { order: 1, tol: 0.05 },
    rk2: { order: 2, tol: 2e-3 },
    rk4: { order: 4, tol: 1e-6 },
  },
};

// Harmonic oscillator dx/dt = omega*y, dy/dt = -omega*x, x(0) = 1, y(0) = 0: x = cos ωt,
// y = -sin ωt; ω = 2π·50 Hz, two periods (40 ms).
const omega = 2 * Math.PI * 50;
const harmonic: IntegratorCase = {
  name: 'harmonic oscillator dx/dt = omega*y, dy/dt = -omega*x',
  N: 1,
  model: 'dx/dt = omega*y : 1\ndy/dt = -omega*x : 1',
  constants: { omega: `${omega}*Hz` },
  init: { x: '1', y: '0' },
  dt: 0.0005,
  duration: 0.04,
  variables: ['x', 'y'],
  solution: (name, t) => (name === 'x' ? Math.cos(omega * t) : -Math.sin(omega * t)),
  methods: {
    exact: { tol: EXACT_TOL },
    rk4: { order: 4, tol: 2 * ((80 * (omega * 0.0005) ** 5) / 120) }, // θ = 0.157, 80 steps: 6.4e-5
    rk2: { dt: 0.00025, order: 2, tol: 2 * ((160 * (omega * 0.00025) ** 3) / 6) }, // 0.013
    euler: { dt: 0.00005, order: 1, tol: 2 * (Math.exp((800 * (omega * 0.00005) ** 2) / 2) - 1) }, // 0.10
    heun: { dt: 0.00005, order: 1, tol: 2 * (Math.exp((800 * (omega * 0.00005) ** 2) / 2) - 1) },
    // Neither equation involves its own variable: exponential_euler is euler here.
    exponential_euler: { dt: 0.00005, order: 1, tol: 2 * (Math.exp((800 * (omega * 0.00005) ** 2) / 2) - 1) },
  },
};

export const INTEGRATOR_CASES: readonly IntegratorCase[] = [decay, relaxation, perNeuronTau, cuba, harmonic];
