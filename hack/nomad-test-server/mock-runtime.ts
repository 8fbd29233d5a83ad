/**
 * A runtime that runs nothing, like Nomad's mock driver: tasks start at once and stay "running"; exec is refused.
 * For tests that need thousands of allocations (recovery at scale) and no processes.
 */
import type { AllocationRuntime } from './allocation-runtime';

/** Creates the mock runtime. */
export function createMockRuntime(): AllocationRuntime {
  const running = new Set<string>();
  return {
    name: 'mock',
    start: async (task) => {
      running.add(task.allocationId);
      const ports = task.settings.networkAccess ? task.settings.exposedPorts : [];
      return { ports: ports.map((to, i) => ({ label: String(to), value: 20000 + i, to, hostIp: '127.0.0.1' })) };
    },
    stop: async (allocationId) => {
      running.delete(allocationId);
    },
    exec: async () => {
      throw new Error('the mock driver does not support exec');
    },
    onTaskDeath: () => undefined,
    close: async () => running.clear(),
  };
}
