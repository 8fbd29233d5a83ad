import { Type, type Static } from '@sinclair/typebox';
import { API_GROUP_VERSION, ConditionSchema, ObjectMetaSchema } from './meta';

/** The kind name of runners. */
export const RUNNER_KIND = 'Runner';

/** A claim on a runner: once written, the runner belongs to one client until it is released or expires. */
export const RunnerClaimSchema = Type.Object(
  {
    inactivityTimeout: Type.Integer({
      description: 'Seconds without activity before the runner is destroyed; 0 = never.',
    }),
    claimedAt: Type.String({ description: 'RFC 3339 time of the claim.' }),
  },
  { additionalProperties: false },
);
export type RunnerClaim = Static<typeof RunnerClaimSchema>;

/**
 * The desired spec of one runner. Written by the pool reconciler (create, delete idle) and the API (claim, release),
 * never by hand. The metadata name is the runner id `<environmentId>-<uuid>`.
 */
export const RunnerSpecSchema = Type.Object(
  {
    environmentId: Type.Integer({ minimum: 0 }),
    templateRevision: Type.String({ description: 'Content hash of the template the runner job is made from.' }),
    claim: Type.Optional(RunnerClaimSchema),
  },
  { additionalProperties: false },
);
export type RunnerSpec = Static<typeof RunnerSpecSchema>;

/** Lifecycle phases of a runner as observed by the runner reconciler. */
export const RunnerPhases = ['Pending', 'Running', 'Failed', 'Terminating'] as const;
export type RunnerPhase = (typeof RunnerPhases)[number];

/** A container port and the host address it is reachable at. */
export const MappedPortSchema = Type.Object(
  { exposedPort: Type.Integer(), hostAddress: Type.String() },
  { additionalProperties: false },
);
export type MappedPort = Static<typeof MappedPortSchema>;

/** Observed state of a runner. */
export const RunnerStatusSchema = Type.Object(
  {
    observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
    phase: Type.Optional(Type.Union(RunnerPhases.map((p) => Type.Literal(p)))),
    allocationId: Type.Optional(Type.String()),
    mappedPorts: Type.Optional(Type.Array(MappedPortSchema)),
    conditions: Type.Optional(Type.Array(ConditionSchema)),
  },
  { additionalProperties: false },
);
export type RunnerStatus = Static<typeof RunnerStatusSchema>;

/** The whole Runner resource. */
export const RunnerSchema = Type.Object(
  {
    apiVersion: Type.Literal(API_GROUP_VERSION),
    kind: Type.Literal(RUNNER_KIND),
    metadata: ObjectMetaSchema,
    spec: RunnerSpecSchema,
    status: Type.Optional(RunnerStatusSchema),
  },
  { additionalProperties: false, $id: 'Runner' },
);
export type Runner = Static<typeof RunnerSchema>;
