/**
 * The API's payload schemas, from `@volley/spec` (the one source of the wire shapes): request
 * validation, response serialization and the OpenAPI document all come from these. Their `meta`
 * ids make the document reference them by name.
 */
import { z } from 'zod';

export {
  DiagnosticSchema,
  ErrorEnvelopeSchema,
  NetworkSpecSchema,
  ResultsSchema,
  SimulationListSchema,
  SimulationSchema,
  StreamMessageSchema,
  ValidateResponseSchema,
} from '@volley/spec';

export const IdParamsSchema = z.object({ id: z.string().describe('simulation id') });
