/** English interface text for approving a new device of the account from one already trusted. */
export const deviceApprovalEn = {
  title: 'Devices of your account',
  waiting: 'This device is waiting for approval: code {{code}}',
  waitingHint:
    'On a device of your account that is already set up, open Settings and type this code. Until then this device cannot send, and others cannot write to it.',
  keyChanged:
    'Your account key on the relay is not the one this device holds: another device may have started your account over, or someone may be trying to take it. Approve this device from a device you trust.',
  intro:
    'Every device signed in to your account. Approve a waiting device only if it is yours: type the code it shows. Remove one you do not use or do not recognise.',
  none: 'No device is waiting for approval.',
  empty: 'The relay lists no device on your account.',
  offline: 'You are offline. The list of your devices needs the relay.',
  gone: 'That device is no longer on your account.',
  notConfirmed: 'Nothing was changed: your passkey was not confirmed.',
  thisDevice: 'This device',
  approvedTag: 'Approved',
  waitingTag: 'Waiting for approval',
  added: 'Added {{date}}',
  lastSeen: 'Last active {{date}}',
  neverSeen: 'Not seen yet',
  nameAdded: '{{name}}, added {{date}}',
  codeLabel: 'Code shown on device {{device}}',
  approve: 'Approve',
  approved: 'Approved: the device now gets your messages.',
  rename: 'Rename',
  renameNamed: 'Rename {{name}}',
  renameLabel: 'New name for {{name}}',
  nameInvalid: 'A device name has 1 to 64 characters.',
  remove: 'Remove',
  removeNamed: 'Remove {{name}}',
  confirmRemove:
    'Remove {{name}} from your account? It loses its mailbox and can no longer read anything sent to you.',
  confirmRemoveButton: 'Remove device',
  removed: '{{name}} was removed from your account.',
  startOver: 'None of my devices can approve this one: start over with a new account key',
  startOverConfirm:
    'Start over with a new account key? This device becomes the only device of your account: the others are removed from it, and every contact will see that their safety number with you changed. Do it only if no device of yours can approve this one.',
  startOverButton: 'Start over',
  startedOver:
    'Your account has a new account key, and this device is approved. Compare safety numbers with your contacts again.',
};
