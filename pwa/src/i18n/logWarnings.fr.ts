import type { logWarningsEn } from './logWarnings.en.js';

/** Le journal d'audit du relais tel que cet appareil et ceux des contacts le voient, en français. */
export const logWarningsFr: typeof logWarningsEn = {
  bannerTitle: 'Votre relais montre peut-être des registres différents selon les personnes',
  bannerMore: 'Détails',
  title: 'Le relais a montré des journaux différents',
  intro:
    'Chaque appareil compare le journal signé du relais avec celui que voient les appareils de ses contacts. Ils différaient\u00a0: quelqu’un qui contrôle le relais cache peut-être des clés à certaines personnes. Les messages déjà reçus restent chiffrés de bout en bout.',
  advice:
    'Comparez en personne les numéros de sécurité avec les personnes nommées ici, et prévenez la personne qui gère ce relais.',
  twoRootsFrom:
    'Le {{date}}, l’appareil de @{{handle}} avait un autre journal de {{size}} entrées que celui-ci, signé par le même relais.',
  twoRootsRelay:
    'Le {{date}}, le relais a montré à cet appareil deux journaux différents de même longueur ({{trusted}} entrées).',
  shrunkFrom:
    'Le {{date}}, l’appareil de @{{handle}} avait un journal plus long ({{size}} entrées) que celui que le relais admet maintenant devant cet appareil ({{trusted}}).',
  shrunkRelay:
    'Le {{date}}, le relais a montré à cet appareil un journal plus court qu’auparavant ({{trusted}} entrées).',
  notExtendedFrom:
    'Le {{date}}, le journal de @{{handle}} ({{size}} entrées) et celui de cet appareil ({{trusted}}) n’ont pas pu être prouvés comme un seul journal.',
  notExtendedRelay:
    'Le {{date}}, le relais n’a pas pu prouver que son journal contient encore celui que cet appareil a vu ({{trusted}} entrées).',
  otherKeyFrom:
    'Le {{date}}, l’appareil de @{{handle}} avait un journal signé avec une autre clé que celle à laquelle cet appareil se fie.',
  otherKeyRelay:
    'Le {{date}}, le relais a signé son journal avec une autre clé que celle à laquelle cet appareil se fie. Il a été refusé.',
  keyTitle: 'Clé du journal',
  keyPinned:
    'Cet appareil vérifie le journal du relais avec la clé du lien d’invitation par lequel vous êtes arrivé.',
  keyFirstUse:
    'Cet appareil se fie à la première clé de journal qu’il a vue, car son lien d’invitation n’en portait pas. Les liens d’invitation créés ici la portent.',
  keyChecked:
    'Comparé avec les appareils de vos contacts chaque fois que vous vous écrivez. {{size}} entrées à ce jour.',
  alertDismiss: 'Ignorer',
};
