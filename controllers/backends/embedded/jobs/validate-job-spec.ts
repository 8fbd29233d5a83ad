/**
 * Validation of what callers hand the backend: a job spec (its id becomes a file name, its settings become limits)
 * and an exec request (argv and environment go to the kernel, never through a shell). Bad input is rejected with an
 * `Invalid` error naming the field; nothing is changed.
 */
import { PoseidonError } from '../../../../crds/errors';
import type { ExecRequest, JobSpec } from '../../../../reconcilers/ports';
import { JOB_ID_PATTERN } from './job-records';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_PORT = 65535;

function invalid(message: string): PoseidonError {
  return new PoseidonError('Invalid', message);
}

function requireCount(value: unknown, field: string, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw invalid(`${field} must be an integer between 0 and ${max}, got ${String(value)}`);
  }
}

/** Throws `Invalid` unless `job` is a well-formed job spec. */
export function validateJobSpec(job: JobSpec): void {
  if (typeof job?.id !== 'string' || !JOB_ID_PATTERN.test(job.id)) {
    throw invalid(`job id must match ${JOB_ID_PATTERN.source}, got ${JSON.stringify(job?.id)}`);
  }
  const settings = job.settings;
  if (typeof settings !== 'object' || settings === null) throw invalid(`job ${job.id}: settings are required`);
  if (typeof settings.image !== 'string' || settings.image.length === 0 || settings.image.includes('\0')) {
    throw invalid(`job ${job.id}: settings.image must be a non-empty string`);
  }
  requireCount(settings.cpuLimit, `job ${job.id}: settings.cpuLimit`, 1_000_000);
  requireCount(settings.memoryLimit, `job ${job.id}: settings.memoryLimit`, 1_048_576);
  if (typeof settings.networkAccess !== 'boolean')
    throw invalid(`job ${job.id}: settings.networkAccess must be boolean`);
  if (!Array.isArray(settings.exposedPorts)) throw invalid(`job ${job.id}: settings.exposedPorts must be an array`);
  for (const port of settings.exposedPorts) {
    requireCount(port, `job ${job.id}: settings.exposedPorts[]`, MAX_PORT);
    if (port === 0) throw invalid(`job ${job.id}: settings.exposedPorts[] must be between 1 and ${MAX_PORT}`);
  }
  if (new Set(settings.exposedPorts).size !== settings.exposedPorts.length) {
    throw invalid(`job ${job.id}: settings.exposedPorts must not repeat a port`);
  }
  if (typeof job.meta !== 'object' || job.meta === null) throw invalid(`job ${job.id}: meta must be an object`);
  for (const [key, value] of Object.entries(job.meta)) {
    if (typeof value !== 'string') throw invalid(`job ${job.id}: meta.${key} must be a string`);
  }
}

/** Throws `Invalid` unless the argv and environment of `request` can be passed to a program as they are. */
export function validateExecRequest(request: ExecRequest): void {
  if (typeof request?.jobId !== 'string') throw invalid('exec: jobId is required');
  if (!Array.isArray(request.command) || request.command.length === 0) {
    throw invalid('exec: command must be a non-empty argv array');
  }
  for (const arg of request.command) {
    if (typeof arg !== 'string' || arg.includes('\0')) throw invalid('exec: command[] must be strings without NUL');
  }
  if (request.command[0] === '') throw invalid('exec: command[0] must name a program');
  for (const [name, value] of Object.entries(request.env ?? {})) {
    if (!ENV_NAME.test(name)) throw invalid(`exec: environment variable name ${JSON.stringify(name)} is not valid`);
    if (typeof value !== 'string' || value.includes('\0')) {
      throw invalid(`exec: environment variable ${name} must be a string without NUL`);
    }
  }
}
