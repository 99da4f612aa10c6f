import { createSignal, onCleanup, type Accessor } from 'solid-js';
import {
  createRelayMonitor,
  type RelayMonitorOptions,
  type RelayStatus,
} from '../core/relay/createRelayMonitor.js';

export interface RelayStatusSignal {
  readonly status: Accessor<RelayStatus>;
  /**
   * Checks again at once. For news of the relay that the browser's `online` event never gives,
   * such as the chat's socket reconnecting while the network stayed up.
   */
  readonly checkNow: () => void;
}

/**
 * The relay's health as a signal: starts the monitor now and stops it with the owning root.
 * Must be called under a reactive owner.
 */
export function createRelayStatus(
  options: Omit<RelayMonitorOptions, 'onStatus'>,
): RelayStatusSignal {
  const [status, setStatus] = createSignal<RelayStatus>({ kind: 'checking' });
  const monitor = createRelayMonitor({ ...options, onStatus: setStatus });
  monitor.start();
  onCleanup(() => {
    monitor.stop();
  });
  return {
    status,
    checkNow: () => {
      monitor.checkNow();
    },
  };
}
