import { Type, type Static } from '@sinclair/typebox';

/** The API group and version of every resource kind in this project. */
export const API_GROUP = 'poseidon.openhpi.de';
export const API_VERSION = 'v1alpha1';
export const API_GROUP_VERSION = `${API_GROUP}/${API_VERSION}` as const;

/** Names are DNS-label-like: lower-case letters, digits and '-', 1 to 253 characters, alphanumeric at both ends. */
export const NAME_PATTERN = '^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$';

/** Object metadata, as in Kubernetes. `generation` and `resourceVersion` are owned by the store. */
export const ObjectMetaSchema = Type.Object(
  {
    name: Type.String({ pattern: NAME_PATTERN, description: 'Unique name of the resource within its kind.' }),
    labels: Type.Optional(
      Type.Record(Type.String(), Type.String(), { description: 'Free-form key/value labels for selection.' }),
    ),
    annotations: Type.Optional(Type.Record(Type.String(), Type.String())),
    generation: Type.Optional(
      Type.Integer({ minimum: 0, description: 'Set by the store: incremented on every change of the spec.' }),
    ),
    resourceVersion: Type.Optional(
      Type.String({ description: 'Set by the store: changes on every write; the optimistic-concurrency token.' }),
    ),
    creationTimestamp: Type.Optional(Type.String({ description: 'Set by the store: RFC 3339 time of creation.' })),
    uid: Type.Optional(Type.String({ description: 'Set by the store: unique id of this incarnation of the object.' })),
  },
  { additionalProperties: false },
);
export type ObjectMeta = Static<typeof ObjectMetaSchema>;

/** Condition types used in statuses. */
export const ConditionTypes = ['Ready', 'Progressing', 'Degraded'] as const;
export type ConditionType = (typeof ConditionTypes)[number];

/** One observation about a resource, with the time its status last flipped. */
export const ConditionSchema = Type.Object(
  {
    type: Type.String(),
    status: Type.Union([Type.Literal('True'), Type.Literal('False'), Type.Literal('Unknown')]),
    reason: Type.String(),
    message: Type.String(),
    lastTransitionTime: Type.String(),
  },
  { additionalProperties: false },
);
export type Condition = Static<typeof ConditionSchema>;
