/**
 * Names for the Nomad wire shapes this adapter reads and writes, taken from the types generated out of
 * hack/openapi/nomad.yaml (generated/nomad-api.d.ts). Field names are Nomad's Go names (PascalCase).
 */
import type { components, paths } from './generated/nomad-api';

type Schemas = components['schemas'];

/** The generated path table (for the openapi-fetch client). */
export type NomadPaths = paths;
/** A job as a register call sends it. */
export type NomadJobInput = Schemas['JobInput'];
/** A job as the server answers it. */
export type NomadJob = Schemas['Job'];
export type NomadTaskGroup = Schemas['TaskGroup'];
export type NomadTask = Schemas['Task'];
export type NomadNetworkResource = Schemas['NetworkResource'];
export type NomadJobListStub = Schemas['JobListStub'];
export type NomadJobRegisterRequest = Schemas['JobRegisterRequest'];
export type NomadJobRegisterResponse = Schemas['JobRegisterResponse'];
export type NomadJobDeregisterResponse = Schemas['JobDeregisterResponse'];
/** A full allocation (every field optional: Nomad omits zero values). */
export type NomadAllocation = Schemas['Allocation'];
export type NomadAllocListStub = Schemas['AllocListStub'];
export type NomadTaskState = Schemas['TaskState'];
export type NomadTaskEvent = Schemas['TaskEvent'];
export type NomadEvaluation = Schemas['Evaluation'];
export type NomadNode = Schemas['Node'];
export type NomadVariable = Schemas['Variable'];
export type NomadVariableMetadata = Schemas['VariableMetadata'];
export type NomadVariableConflict = Schemas['VariableConflict'];
export type NomadEvent = Schemas['Event'];
export type NomadEventFrame = Schemas['EventFrame'];
export type NomadExecInput = Schemas['ExecStreamingInput'];
export type NomadExecOutput = Schemas['ExecStreamingOutput'];
export type NomadAllocClientStatus = Schemas['AllocClientStatus'];
export type NomadAllocDesiredStatus = Schemas['AllocDesiredStatus'];
