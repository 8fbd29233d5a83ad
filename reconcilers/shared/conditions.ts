/**
 * Status conditions (`Ready`, `Progressing`, `Degraded`) with Kubernetes semantics: `lastTransitionTime` changes only
 * when a condition's status flips.
 */
import type { Condition } from '../../crds/meta';
import type { DeepReadonly } from '../../crds/resources';

/** A condition as a planner decides it, before the transition time is known. */
export interface ConditionValue {
  readonly type: string;
  readonly status: Condition['status'];
  readonly reason: string;
  readonly message: string;
}

/**
 * The conditions to write: `desired` in its order, each keeping the `lastTransitionTime` of the existing condition of
 * the same type when the status did not flip, else stamped `nowIso`.
 */
export function mergeConditions(
  existing: DeepReadonly<Condition[]> | undefined,
  desired: readonly ConditionValue[],
  nowIso: string,
): Condition[] {
  return desired.map((condition) => {
    const previous = existing?.find((c) => c.type === condition.type);
    const lastTransitionTime = previous && previous.status === condition.status ? previous.lastTransitionTime : nowIso;
    return {
      type: condition.type,
      status: condition.status,
      reason: condition.reason,
      message: condition.message,
      lastTransitionTime,
    };
  });
}
