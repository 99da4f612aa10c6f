import { describe, expect, it } from 'vitest';
import { isAllowedHost } from './isAllowedHost.js';

const names = ['vaultroom.local', 'vaultroom.home.arpa'];

describe('isAllowedHost', () => {
  it.each([
    'vaultroom.local',
    'VaultRoom.Local:8443',
    'vaultroom.home.arpa',
    'localhost:8443',
    '127.0.0.1',
    '[::1]:8443',
  ])('accepts %s', (host) => {
    expect(isAllowedHost(host, names)).toBe(true);
  });

  it.each([
    '',
    'evil.example',
    'vaultroom.local.evil.example',
    'vaultroom.local:80x',
    '[::2]:8443',
    'localhost:8443:1',
  ])('refuses "%s"', (host) => {
    expect(isAllowedHost(host, names)).toBe(false);
  });
});
