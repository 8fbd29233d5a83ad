/**
 * Every id and meta key format of the project, with its parser beside it. Compatible with the original Poseidon:
 * template jobs `template-<envId>`, runner jobs (= runner ids) `<envId>-<uuid>`, and the `config` task group meta.
 */
import { randomUUID } from 'node:crypto';

/** Prefix of template job ids. */
export const TEMPLATE_JOB_PREFIX = 'template-';
/** Task group holding Poseidon's persistent meta; never placed (count 0). */
export const CONFIG_TASK_GROUP = 'config';
/** Task group and task that run the idle runner container. */
export const DEFAULT_TASK_GROUP = 'default-group';
export const DEFAULT_TASK = 'default-task';

/** Meta keys of the `config` task group (all values are strings). */
export const META_USED = 'used';
export const META_TIMEOUT = 'timeout';
export const META_POOL_SIZE = 'prewarmingPoolSize';
/** Content hash of the rendered template (this project's addition; the original ignores unknown meta). */
export const META_TEMPLATE_HASH = 'templateHash';
/** Time the claim was written, RFC 3339 (this project's addition). */
export const META_CLAIMED_AT = 'claimedAt';
export const META_USED_TRUE = 'true';
export const META_USED_FALSE = 'false';

const TEMPLATE_RE = /^template-(0|[1-9][0-9]*)$/;
const RUNNER_RE = /^(0|[1-9][0-9]*)-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** `template-<envId>`. */
export function templateJobId(environmentId: number): string {
  return `${TEMPLATE_JOB_PREFIX}${environmentId}`;
}

/** The environment id of a template job id, or undefined when `jobId` is not one. */
export function parseTemplateJobId(jobId: string): number | undefined {
  const match = TEMPLATE_RE.exec(jobId);
  return match ? safeInt(match[1]) : undefined;
}

/** A fresh runner id `<envId>-<uuid>`. `uuid` is injectable for deterministic tests. */
export function newRunnerId(environmentId: number, uuid: () => string = randomUUID): string {
  return `${environmentId}-${uuid()}`;
}

/** Prefix shared by every runner job of an environment (`<envId>-`, so env 1 never matches env 10). */
export function runnerJobPrefix(environmentId: number): string {
  return `${environmentId}-`;
}

/** The environment id of a runner id (also accepts the original's UUID v1 ids), or undefined. */
export function parseRunnerId(runnerId: string): number | undefined {
  const match = RUNNER_RE.exec(runnerId);
  return match ? safeInt(match[1]) : undefined;
}

/** Name of the ExecutionEnvironment resource created through the REST API for an id. */
export function environmentResourceName(environmentId: number): string {
  return `environment-${environmentId}`;
}

/** Work-queue key of an environment (pool and environment reconcilers). */
export function environmentKey(environmentId: number): string {
  return String(environmentId);
}

/** Parses an environment key back into the id. */
export function parseEnvironmentKey(key: string): number | undefined {
  return /^(0|[1-9][0-9]*)$/.test(key) ? safeInt(key) : undefined;
}

/** Inactivity timeout (seconds) assumed for a claimed job whose `timeout` meta is missing or unparsable (as the original). */
export const FALLBACK_TIMEOUT_SECONDS = 60;

/** The `timeout` meta value of a claim: decimal seconds. */
export function formatTimeoutMeta(seconds: number): string {
  return String(Math.trunc(seconds));
}

/** Parses a `timeout` meta value (decimal seconds, may be negative), or undefined when it is not one. */
export function parseTimeoutMeta(value: string | undefined): number | undefined {
  if (value === undefined || !/^-?(0|[1-9][0-9]{0,9})$/.test(value)) return undefined;
  const seconds = Number(value);
  return Math.abs(seconds) <= 2147483647 ? seconds : undefined;
}

function safeInt(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) && value <= 2147483647 ? value : undefined;
}
