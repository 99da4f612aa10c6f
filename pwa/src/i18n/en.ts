/**
 * English interface text, the reference dictionary: every other language has exactly these keys.
 * `{{name}}` marks a value filled in at display time.
 */
export const en = {
  app: {
    name: 'VaultRoom',
    skipToContent: 'Skip to content',
    titleSuffix: 'VaultRoom',
  },
  nav: {
    label: 'Main',
    conversations: 'Conversations',
    settings: 'Settings',
  },
  relay: {
    checking: 'Checking the relay…',
    connected: 'Connected to relay v{{version}}',
    degraded: 'Relay v{{version}} is degraded',
    unreachable: 'Relay unreachable',
    offline: 'Offline',
    connectedShort: 'Connected',
    degradedShort: 'Degraded',
    unreachableShort: 'Unreachable',
    checkingShort: 'Checking…',
  },
  update: {
    available: 'A new version of VaultRoom is available.',
    reload: 'Reload',
    offlineReady: 'VaultRoom is ready to work offline.',
    dismiss: 'Dismiss',
  },
  signIn: {
    title: 'Welcome to VaultRoom',
    encrypted: 'Messages are end-to-end encrypted: the relay only ever stores ciphertext.',
    passkey: 'You will sign in with a passkey\u00a0— no\u00a0password.',
    notYetTitle: 'Sign-in is not open yet',
    notYet: 'It opens as soon as this relay enables accounts.',
    meanwhile: 'In the meantime, you can choose your theme and language.',
    openSettings: 'Open settings',
  },
  conversations: {
    title: 'Conversations',
    emptyTitle: 'No conversations yet',
    emptyBody: 'Your conversations will appear here, end-to-end encrypted.',
    paneTitle: 'End-to-end encrypted',
    paneBody:
      'Only you and the people you talk with can read your messages. The relay passes them on without being able to read them.',
  },
  settings: {
    title: 'Settings',
    appearance: {
      title: 'Appearance',
      legend: 'Theme',
      system: 'System',
      systemHint: 'Follows your device’s light or dark setting',
      light: 'Light',
      dark: 'Dark',
    },
    language: {
      title: 'Language',
      legend: 'Interface language',
    },
    about: {
      title: 'About this relay',
      version: 'Version',
      status: 'Status',
      uptime: 'Uptime',
      address: 'Address',
      unknown: 'Not available',
      statusOk: 'Working normally',
      statusDegraded: 'Degraded',
      statusDegradedDatabase: 'Degraded: database unavailable',
      statusUnreachable: 'Unreachable',
      statusOffline: 'You are offline',
      statusChecking: 'Checking…',
      lastChecked: 'Last checked at {{time}}.',
    },
  },
};

export type Dictionary = typeof en;
