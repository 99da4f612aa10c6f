import type { deviceApprovalEn } from './deviceApproval.en.js';

/** Interface text in French for approving a new device of the account from one already trusted. */
export const deviceApprovalFr: typeof deviceApprovalEn = {
  title: 'Appareils de votre compte',
  waiting: 'Cet appareil attend d’être approuvé : code {{code}}',
  waitingHint:
    'Sur un appareil de votre compte déjà configuré, ouvrez les Réglages et saisissez ce code. D’ici là, cet appareil ne peut pas envoyer, et personne ne peut lui écrire.',
  keyChanged:
    'La clé de compte sur le relais n’est pas celle que détient cet appareil : un autre appareil a peut-être recommencé votre compte, ou quelqu’un tente de s’en emparer. Approuvez cet appareil depuis un appareil de confiance.',
  intro:
    'Tous les appareils connectés à votre compte. N’approuvez un appareil en attente que s’il est à vous : saisissez le code qu’il affiche. Retirez ceux que vous n’utilisez pas ou ne reconnaissez pas.',
  none: 'Aucun appareil n’attend d’approbation.',
  empty: 'Le relais ne liste aucun appareil sur votre compte.',
  offline: 'Vous êtes hors ligne. La liste de vos appareils a besoin du relais.',
  gone: 'Cet appareil n’est plus sur votre compte.',
  notConfirmed: 'Rien n’a été modifié : votre clé d’accès n’a pas été confirmée.',
  thisDevice: 'Cet appareil',
  approvedTag: 'Approuvé',
  waitingTag: 'En attente d’approbation',
  added: 'Ajouté le {{date}}',
  lastSeen: 'Actif le {{date}}',
  neverSeen: 'Pas encore vu',
  nameAdded: '{{name}}, ajouté le {{date}}',
  codeLabel: 'Code affiché sur l’appareil {{device}}',
  approve: 'Approuver',
  approved: 'Approuvé : l’appareil reçoit désormais vos messages.',
  rename: 'Renommer',
  renameNamed: 'Renommer {{name}}',
  renameLabel: 'Nouveau nom pour {{name}}',
  nameInvalid: 'Le nom d’un appareil compte de 1 à 64 caractères.',
  remove: 'Retirer',
  removeNamed: 'Retirer {{name}}',
  confirmRemove:
    'Retirer {{name}} de votre compte ? Il perd sa boîte aux lettres et ne peut plus rien lire de ce qui vous est envoyé.',
  confirmRemoveButton: 'Retirer l’appareil',
  removed: '{{name}} a été retiré de votre compte.',
  startOver:
    'Aucun de mes appareils ne peut approuver celui-ci : recommencer avec une nouvelle clé de compte',
  startOverConfirm:
    'Recommencer avec une nouvelle clé de compte ? Cet appareil devient le seul appareil de votre compte : les autres en sont retirés, et chacun de vos contacts verra que son numéro de sécurité avec vous a changé. Ne le faites que si aucun de vos appareils ne peut approuver celui-ci.',
  startOverButton: 'Recommencer',
  startedOver:
    'Votre compte a une nouvelle clé de compte, et cet appareil est approuvé. Comparez à nouveau les numéros de sécurité avec vos contacts.',
};
