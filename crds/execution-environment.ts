import { Type, type Static } from '@sinclair/typebox';
import { API_GROUP_VERSION, ConditionSchema, ObjectMetaSchema } from './meta';

/** The kind name of execution environments. */
export const EXECUTION_ENVIRONMENT_KIND = 'ExecutionEnvironment';

/**
 * The desired spec of an execution environment. Fields follow the original Poseidon API
 * (`PUT /api/v1/execution-environments/{id}`); defaults are the original template's.
 */
export const ExecutionEnvironmentSpecSchema = Type.Object(
  {
    id: Type.Integer({
      minimum: 0,
      maximum: 2147483647,
      description: 'The environment id used on the REST API (0 is allowed). Unique across environments.',
    }),
    image: Type.String({ minLength: 1, description: 'OCI image of the runners (embedded backend: a rootfs mapping).' }),
    prewarmingPoolSize: Type.Integer({
      minimum: 0,
      maximum: 100000,
      default: 0,
      description: 'Number of idle runners kept warm.',
    }),
    cpuLimit: Type.Integer({ minimum: 0, maximum: 2147483647, default: 40, description: 'CPU in MHz.' }),
    memoryLimit: Type.Integer({
      minimum: 0,
      maximum: 2147483647,
      default: 0,
      description: 'Hard memory limit in MB (exceeding it kills the program); 0 means no limit beyond the host.',
    }),
    networkAccess: Type.Boolean({ default: false, description: 'Whether runners may use the network.' }),
    exposedPorts: Type.Array(Type.Integer({ minimum: 1, maximum: 65535 }), {
      uniqueItems: true,
      default: [],
      description: 'Container ports mapped to host ports; only honoured with networkAccess.',
    }),
  },
  { additionalProperties: false },
);
export type ExecutionEnvironmentSpec = Static<typeof ExecutionEnvironmentSpecSchema>;

/** Observed state of an environment, written by the controller. */
export const ExecutionEnvironmentStatusSchema = Type.Object(
  {
    observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
    templateRevision: Type.Optional(Type.String({ description: 'Content hash of the rendered template job.' })),
    conditions: Type.Optional(Type.Array(ConditionSchema)),
    idleRunners: Type.Optional(Type.Integer({ minimum: 0 })),
    usedRunners: Type.Optional(Type.Integer({ minimum: 0 })),
    desiredIdleRunners: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type ExecutionEnvironmentStatus = Static<typeof ExecutionEnvironmentStatusSchema>;

/** The whole resource as written by operators (`status` is ignored on apply). */
export const ExecutionEnvironmentSchema = Type.Object(
  {
    apiVersion: Type.Literal(API_GROUP_VERSION),
    kind: Type.Literal(EXECUTION_ENVIRONMENT_KIND),
    metadata: ObjectMetaSchema,
    spec: ExecutionEnvironmentSpecSchema,
    status: Type.Optional(ExecutionEnvironmentStatusSchema),
  },
  { additionalProperties: false, $id: 'ExecutionEnvironment' },
);
export type ExecutionEnvironment = Static<typeof ExecutionEnvironmentSchema>;
