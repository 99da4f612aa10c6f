/**
 * English text about the relay's audit log as this device and its contacts see it (PROTOCOL.md
 * §1.8.3, §3.9): the warnings kept when two people were shown two logs, and the log key.
 */
export const logWarningsEn = {
  bannerTitle: 'Your relay may be showing people different records',
  bannerMore: 'Details',
  title: 'The relay showed different logs',
  intro:
    'Each device compares the relay’s signed log with the one its contacts’ devices see. They differed: someone who controls the relay may be hiding keys from some people. Messages you already have stay end-to-end encrypted.',
  advice:
    'Compare safety numbers with the people named here in person, and tell the person who runs this relay.',
  twoRootsFrom:
    'On {{date}}, @{{handle}}’s device had a different log of {{size}} entries than this one, signed by the same relay.',
  twoRootsRelay:
    'On {{date}}, the relay showed this device two different logs of the same length ({{trusted}} entries).',
  shrunkFrom:
    'On {{date}}, @{{handle}}’s device had a longer log ({{size}} entries) than the relay now admits to this device ({{trusted}}).',
  shrunkRelay:
    'On {{date}}, the relay showed this device a shorter log than it showed before ({{trusted}} entries).',
  notExtendedFrom:
    'On {{date}}, @{{handle}}’s log ({{size}} entries) and this device’s ({{trusted}}) could not be proven to be one log.',
  notExtendedRelay:
    'On {{date}}, the relay could not prove that its log still contains the one this device saw ({{trusted}} entries).',
  otherKeyFrom:
    'On {{date}}, @{{handle}}’s device had a log signed with another key than this one trusts.',
  otherKeyRelay:
    'On {{date}}, the relay signed its log with another key than this device trusts. It was refused.',
  keyTitle: 'Log key',
  keyPinned:
    'This device checks the relay’s log with the key from the invite link you joined with.',
  keyFirstUse:
    'This device trusts the log key it saw first, since it joined without one in its link. Invite links made here carry it.',
  keyChecked:
    'Checked against your contacts’ devices whenever you write to each other. {{size}} entries so far.',
  alertDismiss: 'Dismiss',
};
