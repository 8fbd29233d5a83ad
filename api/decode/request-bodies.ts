/**
 * The request bodies of the original API as Go structs (names as in the original's `dto` package, so messages match),
 * and what the routes make of them.
 */
import { PoseidonError } from '../../crds/errors';
import type { EnvironmentInput } from '../ports';
import { parseFirstJsonValue } from './first-json-value';
import { checkCopyPath, checkEnvironmentVariable, rejectNul } from './input-checks';
import { decodeStdBase64 } from './go-base64';
import {
  decodeGoValue,
  goBool,
  goInt,
  goSlice,
  goString,
  goStringMap,
  goStruct,
  goUint,
  goUint16,
  mismatch,
  type GoType,
} from './go-types';

/** `[]byte`: a base64 string (standard alphabet, padded); `null` is empty. */
const goBytes: GoType<Buffer> = {
  name: '[]uint8',
  zero: () => Buffer.alloc(0),
  decode(value, at) {
    if (typeof value !== 'string') throw mismatch(value, at, '[]uint8');
    return decodeStdBase64(value);
  },
};

const environmentRequest = goStruct('dto.ExecutionEnvironmentRequest', {
  prewarmingPoolSize: goUint,
  cpuLimit: goUint,
  memoryLimit: goUint,
  image: goString,
  networkAccess: goBool,
  exposedPorts: goSlice(goUint16),
});

const runnerRequest = goStruct('dto.RunnerRequest', { executionEnvironmentId: goInt, inactivityTimeout: goInt });

const executionRequest = goStruct('dto.ExecutionRequest', {
  command: goString,
  privilegedExecution: goBool,
  timeLimit: goInt,
  environment: goStringMap(goString),
});

const fileCreation = goStruct('dto.FileCreation', { path: goString, content: goBytes });
const updateFileSystemRequest = goStruct('dto.UpdateFileSystemRequest', {
  delete: goSlice(goString),
  copy: goSlice(fileCreation),
});

/**
 * `PUT /execution-environments/{id}`: the input for the service without its id (which comes from the path). Exposed
 * ports are kept only with network access; port 0 and duplicates are dropped.
 */
export function decodeEnvironmentBody(body: Buffer): Omit<EnvironmentInput, 'id'> {
  const request = decodeGoValue(environmentRequest, parseFirstJsonValue(body));
  const ports = request.networkAccess ? request.exposedPorts.filter((port) => port !== 0) : [];
  return {
    image: request.image,
    prewarmingPoolSize: request.prewarmingPoolSize,
    cpuLimit: request.cpuLimit,
    memoryLimit: request.memoryLimit,
    networkAccess: request.networkAccess,
    exposedPorts: [...new Set(ports)],
  };
}

/** `POST /runners`. */
export interface ClaimBody {
  readonly executionEnvironmentId: number;
  /** Seconds; 0 = never expires, negative = expires at once. */
  readonly inactivityTimeout: number;
}

/** Decodes `POST /runners`. */
export function decodeClaimBody(body: Buffer): ClaimBody {
  return decodeGoValue(runnerRequest, parseFirstJsonValue(body));
}

/** `POST /runners/{id}/execute`, as stored until a WebSocket attaches. */
export interface ExecutionBody {
  readonly command: string;
  readonly privilegedExecution: boolean;
  /** Seconds; 0 = no limit, negative = times out at once. */
  readonly timeLimit: number;
  readonly environment: Readonly<Record<string, string>>;
}

/** Decodes `POST /runners/{id}/execute`. Throws `Invalid` `use of forbidden character` for a `'` in the command. */
export function decodeExecutionBody(body: Buffer): ExecutionBody {
  const request = decodeGoValue(executionRequest, parseFirstJsonValue(body));
  if (request.command.includes("'")) throw new PoseidonError('Invalid', 'use of forbidden character');
  rejectNul(request.command, 'the command');
  for (const [name, value] of Object.entries(request.environment)) checkEnvironmentVariable(name, value);
  return request;
}

/** One file (or, with a trailing `/`, directory) to write. */
export interface FileCopy {
  readonly path: string;
  readonly content: Buffer;
}

/** `PATCH /runners/{id}/files`: paths to delete first, then entries to write. */
export interface FilePatchBody {
  readonly delete: readonly string[];
  readonly copy: readonly FileCopy[];
}

/**
 * Decodes `PATCH /runners/{id}/files`. Throws `Invalid` for a path with a NUL byte and for a file copy whose path
 * names a directory (see input-checks.ts), before anything is deleted or written.
 */
export function decodeFilePatchBody(body: Buffer): FilePatchBody {
  const request = decodeGoValue(updateFileSystemRequest, parseFirstJsonValue(body));
  for (const path of request.delete) rejectNul(path, 'a delete path');
  for (const copy of request.copy) checkCopyPath(copy.path);
  return request;
}
