import { createSignal, onCleanup, type Accessor } from 'solid-js';
import {
  createRelayMonitor,
  type RelayMonitorOptions,
  type RelayStatus,
} from '../core/createRelayMonitor.js';

/**
 * The relay's health as a signal: starts the monitor now and stops it with the owning root.
 * Must be called under a reactive owner.
 */
export function createRelayStatus(
  options: Omit<RelayMonitorOptions, 'onStatus'>,
): Accessor<RelayStatus> {
  const [status, setStatus] = createSignal<RelayStatus>({ kind: 'checking' });
  const monitor = createRelayMonitor({ ...options, onStatus: setStatus });
  monitor.start();
  onCleanup(() => {
    monitor.stop();
  });
  return status;
}
