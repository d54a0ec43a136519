/**
 * @volley/spec — the network spec v1 (NETWORK-SPEC.md) as zod schemas, the API's payloads, and
 * the JSON Schema generated from them. No I/O: runs in Node and in browsers alike.
 */
export { NameSchema, GroupRefSchema, IDENTIFIER, parseGroupRef, type GroupRef } from './names.js';
export {
  ExpressionSchema,
  CodeSchema,
  QuantitySchema,
  UnitSchema,
  ValuesWithUnitSchema,
  InitValueSchema,
  InitSchema,
  type Quantity,
  type ValuesWithUnit,
  type InitValue,
  type Init,
} from './quantity.js';
export { ConstantSchema, TimedArraySchema, type Constant, type TimedArray } from './constants.js';
export {
  IntegrationMethodSchema,
  NeuronGroupSchema,
  PoissonGroupSchema,
  SpikeGeneratorGroupSchema,
  GroupSchema,
  type IntegrationMethod,
  type NeuronGroup,
  type PoissonGroup,
  type SpikeGeneratorGroup,
  type Group,
} from './groups.js';
export { ConnectSchema, SynapsesSchema, type Connect, type Synapses } from './synapses.js';
export {
  SpikeMonitorSchema,
  StateMonitorSchema,
  RateMonitorSchema,
  SnapshotMonitorSchema,
  MonitorSchema,
  type SpikeMonitor,
  type StateMonitor,
  type RateMonitor,
  type SnapshotMonitor,
  type Monitor,
} from './monitors.js';
export {
  NetworkSpecSchema,
  DEFAULT_DT,
  MAX_SEED,
  type NetworkSpec,
  type NetworkSpecInput,
} from './network.js';
export {
  parseNetworkSpec,
  specDiagnostics,
  formatPath,
  SPEC_DIAGNOSTIC_CODES,
  type SpecDiagnosticCode,
} from './diagnostics.js';
export { closestName, didYouMean } from './suggest.js';
export { networkSpecJsonSchema } from './json-schema.js';
export * from './api.js';
export { findJsonSyntaxError, type JsonSyntaxError } from './json-syntax.js';
