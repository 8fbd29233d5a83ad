/**
 * Task states and task events as a Nomad client reports them (every TaskEvent field present; Details values are
 * strings; OOM kills are `Terminated` events with `oom_killed: "true"`).
 */
import type { NomadTaskEvent } from '../../controllers/backends/nomad/nomad-wire';
import type { SimTaskState } from './sim-types';

/** A task event with Nomad's full field set. */
export function taskEvent(
  type: string,
  timeNs: number,
  fields: Partial<NomadTaskEvent> & { Details?: Record<string, string> } = {},
): NomadTaskEvent {
  return {
    Type: type,
    Time: timeNs,
    Message: '',
    DisplayMessage: fields.DisplayMessage ?? fields.Message ?? type,
    Details: fields.Details ?? {},
    FailsTask: false,
    RestartReason: '',
    SetupError: '',
    DriverError: '',
    ExitCode: 0,
    Signal: 0,
    KillTimeout: 0,
    KillError: '',
    KillReason: '',
    StartDelay: 0,
    DownloadError: '',
    ValidationError: '',
    DiskLimit: 0,
    FailedSibling: '',
    VaultError: '',
    TaskSignalReason: '',
    TaskSignal: '',
    DriverMessage: '',
    GenericSource: '',
    ...fields,
  };
}

/** The `Terminated` event of an OOM kill (Docker's wording). */
export function oomTerminated(timeNs: number): NomadTaskEvent {
  return taskEvent('Terminated', timeNs, {
    ExitCode: 137,
    Message: 'OOM Killed',
    DisplayMessage: 'Exit Code: 137, Exit Message: "OOM Killed"',
    Details: { exit_code: '137', signal: '0', oom_killed: 'true', exit_message: 'OOM Killed' },
  });
}

/** A task state; Nomad keeps the last 10 events. */
export function taskState(
  previous: SimTaskState | undefined,
  state: 'pending' | 'running' | 'dead',
  events: NomadTaskEvent[],
  changes: Partial<SimTaskState> = {},
): SimTaskState {
  const all = [...(previous?.Events ?? []), ...events].slice(-10);
  return {
    State: state,
    Failed: previous?.Failed ?? false,
    Restarts: previous?.Restarts ?? 0,
    LastRestart: previous?.LastRestart ?? null,
    StartedAt: previous?.StartedAt ?? null,
    FinishedAt: previous?.FinishedAt ?? null,
    Events: all,
    ...changes,
  };
}

/** RFC 3339 time with nanoseconds, as Go writes it. */
export function rfc3339(timeNs: number): string {
  return new Date(Math.floor(timeNs / 1_000_000)).toISOString();
}
