import type { StaleDeviceView } from '@vaultroom/shared';
import { For, createResource, type JSX } from 'solid-js';
import { formatByteSize } from '../format/formatByteSize.js';
import { formatDateTime } from '../format/formatDateTime.js';
import { formatDuration } from '../format/formatDuration.js';
import { useApp } from '../../state/AppContext.js';
import { ResourceView } from './ResourceView.js';
import { ListRow } from './ListRow.js';

/**
 * Administration: devices that have not connected within the relay's retention period, with
 * what waits for them. What waits expires unread and counts against its senders' quotas until
 * then, so an admin may ask the owner whether the device is still in use.
 */
export function StaleDevicesSection(): JSX.Element {
  const { t, adminDevices, session, preferences } = useApp();
  const [report, { refetch }] = createResource(async () => {
    try {
      return await adminDevices.staleDevices();
    } catch (error) {
      throw session.noticeError(error);
    }
  });
  const date = (iso: string) => formatDateTime(iso, preferences.locale());
  const period = () =>
    formatDuration((report()?.retentionDays ?? 0) * 86_400, preferences.locale());
  const waiting = (device: StaleDeviceView) => {
    if (device.envelopes === 0) return t('admin.staleDevices.nothingWaiting');
    const size = formatByteSize(device.bytes, preferences.locale());
    return device.envelopes === 1
      ? t('admin.staleDevices.waitingOne', { size })
      : t('admin.staleDevices.waiting', { count: String(device.envelopes), size });
  };

  return (
    <section class="settings-section" aria-labelledby="stale-devices-title">
      <h2 id="stale-devices-title" class="settings-section__title">
        {t('admin.staleDevices.title')}
      </h2>
      <ResourceView
        resource={report}
        loadError={() => t('admin.staleDevices.loadError')}
        onRetry={() => void refetch()}
        empty={t('admin.staleDevices.empty', { period: period() })}
        isEmpty={(value) => value.devices.length === 0}
      >
        {(current) => (
          <>
            <p class="settings-section__intro">
              {t('admin.staleDevices.intro', { period: period() })}
            </p>
            <ul class="item-list" aria-labelledby="stale-devices-title">
              <For each={current().devices}>
                {(device) => (
                  <ListRow wrap>
                    <p class="item__title">
                      <span>{device.name}</span>
                      <span class="item__handle">@{device.handle}</span>
                    </p>
                    <p class="item__meta">
                      <span>
                        {device.lastSeenAt === null
                          ? t('admin.staleDevices.neverSeen', {
                              date: date(device.createdAt),
                            })
                          : t('admin.staleDevices.lastSeen', {
                              date: date(device.lastSeenAt),
                            })}
                      </span>
                      <span class={device.envelopes > 0 ? 'item__warn' : ''}>
                        {waiting(device)}
                      </span>
                    </p>
                  </ListRow>
                )}
              </For>
            </ul>
          </>
        )}
      </ResourceView>
    </section>
  );
}
