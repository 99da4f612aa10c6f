import { logWarningsEn } from './logWarnings.en.js';
import { conversationEn } from './conversation.en.js';
import { settingsEn } from './settings.en.js';
import { adminEn } from './admin.en.js';
import { deviceApprovalEn } from './deviceApproval.en.js';
import { auditEn } from './audit.en.js';

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
    admin: 'Admin',
  },
  common: {
    loading: 'Loading…',
    retry: 'Try again',
    remove: 'Remove',
    cancel: 'Cancel',
    save: 'Save',
    dismiss: 'Dismiss',
    never: 'Never',
    networkError: 'The relay could not be reached. Check your connection and try again.',
    rateLimited: 'Too many attempts. Wait {{seconds}} seconds and try again.',
    rateLimitedShort: 'Too many attempts. Wait a moment and try again.',
    forbidden: 'Only administrators can do this.',
    unauthenticated: 'Your session has ended. Sign in again.',
    reauthRequired: 'Confirm it’s you with your passkey, then try again.',
    ceremonyFailed: 'The passkey could not be verified. Try again.',
    passkeysUnsupported: 'This browser cannot use passkeys. Try a recent browser on this device.',
    relayError: 'The relay refused: {{message}}',
    unavailable: 'The relay cannot save changes right now. Try again in a moment.',
    internalError: 'Something went wrong on the relay. Try again later.',
    tooLarge: 'That is more than the relay accepts at once.',
    originRefused: 'The relay refused this address. Open the app at the relay’s own address.',
    outdatedApp: 'This version of the app does not match the relay. Reload the page.',
    fileTooLarge: 'This file is larger than the relay accepts.',
    quotaExceeded: 'Your files use all the room the relay gives you. Older ones expire in time.',
    storageFull: 'The relay’s disk is full. The file will be sent when there is room again.',
  },
  accountNotices: {
    logAlert:
      'The relay’s public log shows keys or a device for your account that your devices did not add. Someone may be trying to read your messages: review your devices, and tell your contacts to compare safety numbers.',
    devicesWaiting:
      'A device on your account ({{count}}) is waiting for approval. If you are not linking a new device, someone else added it: do not approve it.',
    devicesWaitingReview: 'Review devices',
    devicesWaitingMine: 'This was me',
    devicesWaitingRemove: 'Remove it',
    devicesWaitingConfirm:
      'Remove the device waiting for approval from your account? It loses its mailbox and can no longer read anything.',
    devicesWaitingRemoved: 'The device was removed from your account.',
    recoveryUsed:
      'A recovery invite was used on your account on {{date}}. If that was not you, check your passkeys and sessions in Settings now.',
    recoveryReview: 'Review',
    singlePasskey:
      'You have only one passkey. Add a second one, on another device, so you can still sign in if you lose this one.',
    addPasskey: 'Add a passkey',
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
    handleLabel: 'Your handle',
    handleHint: 'Pick your passkey from the suggestions, or use the button below.',
    button: 'Sign in with a passkey',
    working: 'Waiting for your passkey…',
    haveInvite: 'Got an invite link? Open it to create your account.',
    cancelled: 'Sign-in was cancelled. Try again when you are ready.',
    unknownPasskey:
      'This passkey could not sign you in. If it was removed from your account, use another one or ask an administrator for a recovery link.',
    disabled: 'This account is disabled. Ask an administrator of this relay.',
    endedTitle: 'You were signed out on this device',
    endedBody: 'Your session was ended from another device or by an administrator.',
  },
  join: {
    title: 'Create your account',
    recoveryTitle: 'Add a new passkey',
    checking: 'Checking your invite…',
    lead: 'You were invited to this VaultRoom relay. Choose how people will find you, then create a passkey on this device.',
    adminLead:
      'This invite makes you an administrator of this relay: you will be able to invite people and manage accounts.',
    recoveryLead:
      'Add a new passkey to the account @{{handle}}. Use this if you lost the device or passkey you used before.',
    recoveryWarning:
      'Only continue if this is your account. Its other passkeys keep working; you can remove them in Settings afterwards.',
    expires: 'This invite expires on {{date}}.',
    handleLabel: 'Handle',
    handleHint:
      '3 to 32 letters, digits, “_”, “.” or “-”, starting with a letter. It cannot be changed.',
    handleInvalid: 'Use 3 to 32 letters, digits, “_”, “.” or “-”, starting with a letter.',
    displayNameLabel: 'Display name',
    displayNameHint: 'How your name appears to others. Up to 64 characters.',
    displayNameInvalid: 'Enter a display name of up to 64 characters.',
    passkeyNote:
      'Your device will ask you to create a passkey with your fingerprint, face, screen lock or security key. There is no password.',
    create: 'Create passkey',
    recover: 'Add passkey',
    working: 'Waiting for your passkey…',
    noInviteTitle: 'This link has no invite',
    noInvite:
      'Open the full invite link you were given. Someone who runs this relay can send you one.',
    invalidTitle: 'This invite cannot be used',
    invalid: 'It has expired, was revoked or is used up. Ask for a new invite.',
    handleTaken: 'This handle is taken. Choose another one.',
    cancelled: 'No passkey was created. Press the button again when you are ready.',
    alreadyRegistered: 'This device already has a passkey for this account.',
    goToSignIn: 'Go to sign-in',
  },
  conversations: {
    title: 'Conversations',
    typing: 'typing…',
    emptyTitle: 'No conversations yet',
    emptyBody: 'Your conversations will appear here, end-to-end encrypted.',
    paneTitle: 'End-to-end encrypted',
    paneBody:
      'Only you and the people you talk with can read your messages. The relay passes them on without being able to read them.',
    emptyAction: 'Press + to write to someone on this relay by their handle, or to start a group.',
    newConversation: 'New conversation',
    kindLegend: 'Start a conversation with',
    kindPerson: 'One person',
    kindGroup: 'A group',
    groupNameLabel: 'Group name',
    groupNamePlaceholder: 'e.g. Chess club',
    membersLabel: 'Members',
    membersHint: 'Handles of people on this relay, separated by commas or spaces.',
    membersPlaceholder: 'e.g. alex, sam',
    createGroup: 'Create group',
    creatingGroup: 'Creating the group…',
    groupMembers: '{{count}} members',
    handleLabel: 'Their handle',
    handlePlaceholder: 'e.g. alex',
    start: 'Start',
    starting: 'Looking them up…',
    search: 'Search conversations',
    noMatches: 'No conversation matches “{{query}}”.',
    unread: '{{count}} unread',
    you: 'You: {{text}}',
    from: '@{{peer}}: {{text}}',
    noMessages: 'No messages yet',
    opening: 'Opening your encrypted conversations…',
    unavailable: 'Your conversations could not be opened in this browser. Reload to try again.',
    connecting: 'Connecting to the relay…',
    offline: 'Offline: messages you write are kept and sent when the connection returns.',
    notifyOffer: 'Get a notification when a message arrives while VaultRoom is in the background.',
    notifyEnable: 'Turn on notifications',
    notifyTitle: 'New message from @{{peer}}',
    notifyGroupTitle: 'New message in {{group}}',
    notifyBody: 'Open VaultRoom to read it.',
    errors: {
      UNKNOWN_ACCOUNT: 'No one on this relay has that handle.',
      NO_DEVICES: 'This person has not opened VaultRoom yet. Try again once they have.',
      SELF: 'That is your own handle.',
      OFFLINE: 'You are offline. Finding someone new needs the relay.',
      KEYS_CHANGED: 'Confirm the safety number change before sending.',
      NOT_A_MEMBER: 'You are no longer in this group.',
      GROUP_NAME_INVALID: 'Give the group a name, at most 64 characters long.',
      GROUP_FULL: 'A group has at most 32 members.',
      GROUP_STATE_INVALID:
        'This group can no longer be changed: its state was pushed out of range. Start a new group.',
      RATE_LIMITED: 'Too many lookups in a row. Wait a minute and try again.',
      NO_ACCOUNT_KEY:
        'There is no safety number yet: this device or theirs is waiting to be set up.',
      NOT_CERTIFIED: 'This device must be approved by another of your devices first.',
      WRONG_CODE: 'That is not the code the other device shows. Check it and type it again.',
      UNKNOWN_DEVICE: 'That device is no longer waiting for approval.',
      FILE_DAMAGED:
        'This file was damaged on its way: it does not match what was sent. Nothing was saved.',
      CANCELLED: 'Stopped.',
      FILE_NOT_HERE: 'This file is not on this device. Download it first.',
      TRANSFER_FAILED: 'The file could not be transferred. Try again.',
      other: 'Something went wrong. Try again.',
    },
  },
  conversation: conversationEn,
  groupPanel: {
    title: 'Group info',
    nameLabel: 'Group name',
    rename: 'Rename',
    members: 'Members ({{count}})',
    you: 'You',
    remove: 'Remove',
    removeMember: 'Remove @{{peer}} from the group',
    safetyOf: 'Safety number with @{{peer}}',
    addLabel: 'Add people',
    add: 'Add',
    leave: 'Leave group',
    leaveConfirm: 'Leave “{{name}}”? You will stop receiving its messages.',
    leaveYes: 'Leave',
    saving: 'Saving…',
    close: 'Close',
  },
  safety: {
    title: 'Safety number with @{{peer}}',
    intro:
      'Compare these numbers with @{{peer}} in person or on a call you trust. If they match, no one is reading your messages in between.',
    qrLabel: 'QR code of the safety number',
    loading: 'Computing the safety number…',
    failed: 'The safety number could not be computed. Try again.',
    verify: 'Mark as verified',
    unverify: 'Clear verification',
    verifiedNote: 'You verified @{{peer}}. You will be told if their safety number changes.',
    close: 'Close',
  },
  settings: settingsEn,

  logWarnings: logWarningsEn,
  security: {
    title: 'Security activity',
    intro:
      'Sign-ins and changes to your account, newest first. This device checks each one against the relay’s tamper-evident log.',
    settingsLink: 'Security activity',
    settingsLinkHint: 'Sign-ins and account changes, verified on this device',
    back: 'Back to settings',
    loading: 'Loading and verifying your security activity…',
    loadingOlder: 'Loading older events…',
    loadError: 'Your security activity could not be loaded.',
    empty: 'No security events yet.',
    showOlder: 'Show older',
    end: 'This is the beginning of your security activity.',
    verified: 'Verified in the relay’s tamper-evident log',
    pending: 'Not yet in a signed checkpoint',
    failed: 'Does not match the relay’s signed log',
    failure: 'Failed',
    allVerified: 'Every event shown is in the relay’s signed log, checked on this device.',
    someFailed:
      'Some events do not match the relay’s signed log. They may have been altered: do not rely on them, and tell the person who runs this relay.',
    invalidTitle: 'This relay’s security log could not be verified',
    invalid:
      'Its signature or proofs do not check out, so the events below cannot be trusted. Tell the person who runs this relay.',
    historyError:
      'This device could not compare the log with what it saw before. It will try again on your next visit.',
  },
  audit: auditEn,
  admin: adminEn,
  deviceApproval: deviceApprovalEn,
  deviceStorage: {
    title: 'Messages on this device',
    intro:
      'Your conversations, drafts and encryption keys are kept only in this browser, encrypted. The relay holds none of them.',
    lossWarning:
      'Clearing this site’s data, or uninstalling the app, deletes them for good: no one can restore them, not even the relay’s operator.',
    persisted: 'This browser will not clear them on its own, even when space runs low.',
    notPersisted: 'This browser may clear them by itself if the device runs low on space.',
    unsupported: 'This browser does not say whether it may clear them by itself.',
    persist: 'Ask the browser to keep them',
    sealedWithPasskey:
      'Sealed with your passkey: without one of your passkeys, no one can read them, not even with a copy of this browser’s data. Keep at least one passkey you have used here: without one, they cannot be opened again.',
    sealedWithDevice:
      'Sealed with a key kept in this browser, because your passkey cannot seal them (it lacks the PRF extension): someone with a full copy of this browser’s data could read them.',
    sealedLocked: 'Sealed with your passkey, and locked until you unlock them.',
  },
  chatLock: {
    title: 'Your messages are locked',
    body: 'They are sealed on this device with your passkey, so that no one can read them from a copy of this browser’s data.',
    unlock: 'Unlock with passkey',
    unlocking: 'Waiting for your passkey…',
    hint: 'Any passkey you have used on this device opens them, even offline. It never leaves your device.',
    refused:
      'That passkey has not been used on this device yet, so it cannot unlock these messages. Use one that has.',
    noPrf:
      'That passkey cannot unlock messages: it does not support the extension this needs. Use another one.',
    failed: 'Your passkey could not be used. Try again.',
    cannotUnlock: 'No passkey can unlock them?',
    startOverWarning:
      'Starting over deletes the messages and keys kept on this device, for good. Your contacts will see that your safety number changed.',
    startOver: 'Delete and start over',
  },
  install: {
    title: 'Install the app',
    intro:
      'Add VaultRoom to your home screen or app list: it opens in its own window, like your other apps.',
    button: 'Install app',
    prompting: 'Waiting for your answer…',
    installed: 'VaultRoom is installed. Open it from your home screen or app list.',
    failed: 'The browser did not open its install dialog. Install from its menu instead.',
  },
  push: {
    title: 'Notifications when the app is closed',
    intro:
      'VaultRoom can tell this device that something arrived while the app is closed. The notice goes through your browser’s push service (Google, Mozilla or Apple): it learns that this device got something, and when, never what was written.',
    switchLabel: 'Notify me when the app is closed',
    showSenderLabel: 'Show who wrote',
    showSenderHint:
      'The notice then carries the sender’s handle, encrypted for this device: the push service cannot read it, but it shows on your lock screen.',
    enabling: 'Turning on…',
    on: 'On for this device.',
    off: 'Off: messages arrive when you open the app.',
    denied:
      'Notifications are blocked for this site. Allow them in your browser’s site settings, then try again.',
    unsupported: 'This browser cannot receive notifications while the app is closed.',
    homeScreen:
      'On iPhone and iPad, notifications need the app on your home screen: open this page in Safari, tap Share, then “Add to Home Screen”, and turn this on from there.',
    relayOff: 'Push notifications are turned off on this relay.',
    unreachable:
      'Push notifications are unavailable on this network: the relay cannot reach your browser’s push service (a relay without internet access). The app still notifies you while it is open.',
    browserUnavailable:
      'This browser could not register with its push service: it may have no internet access here, or no push service at all. The app still notifies you while it is open.',
    failed: 'Notifications could not be turned on. Try again later.',
    notificationTitle: 'New messages',
    notificationTitleFrom: 'New message from @{{peer}}',
    notificationBodyOne: 'Open VaultRoom to read it.',
    notificationBodyMany: '{{count}} waiting. Open VaultRoom to read them.',
  },
  shareRefused: {
    title: 'VaultRoom cannot take these files yet',
    body: 'Files shared to VaultRoom are encrypted for your chat before they are kept, and this browser has no chat to encrypt them for yet. Open VaultRoom, sign in or unlock it once, then share again. Nothing was kept.',
    open: 'Open VaultRoom',
    failedTitle: 'VaultRoom could not keep these files',
    failedBody:
      'The files could not be encrypted and stored in this browser (it may be out of space). Nothing was kept. Share them again, or attach them from inside VaultRoom.',
  },
};

export type Dictionary = typeof en;
