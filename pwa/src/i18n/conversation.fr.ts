import type { conversationEn } from './conversation.en.js';

/** Interface text in French for the open conversation: messages, the composer, files, timers and notices. */
export const conversationFr: typeof conversationEn = {
  documentTitle: 'Conversation',
  back: 'Retour aux conversations',
  with: 'Conversation avec @{{peer}}',
  encrypted: 'Les messages sont chiffrés de bout en bout. Seuls vous et @{{peer}} pouvez les lire.',
  safetyNumber: 'Numéro de sécurité',
  verified: 'Vérifié',
  messages: 'Messages',
  typing: '@{{peer}} écrit…',
  composerGroupLabel: 'Message à {{name}}',
  composerLabel: 'Message à @{{peer}}',
  composerPlaceholder: 'Écrire un message',
  send: 'Envoyer',
  sendHint: 'Entrée envoie, Maj+Entrée passe à la ligne.',
  states: {
    queued: 'En attente d’envoi',
    sent: 'Envoyé',
    delivered: 'Distribué',
    read: 'Lu',
    failed: 'Non envoyé',
  },
  timer: {
    label: 'Messages éphémères',
    off: 'Désactivés',
    minutes5: '5 minutes',
    hour1: '1 heure',
    day1: '1 jour',
    week1: '1 semaine',
    setByYou: 'Vous avez réglé la disparition des messages après {{duration}}.',
    setBy: '@{{peer}} a réglé la disparition des messages après {{duration}}.',
    offByYou: 'Vous avez désactivé les messages éphémères.',
    offBy: '@{{peer}} a désactivé les messages éphémères.',
    disappears: 'Éphémère',
  },
  react: 'Réagir à ce message',
  reactWith: 'Réagir avec {{emoji}}',
  reactions: 'Réactions : {{list}}',
  reply: 'Répondre',
  replyingTo: 'Réponse à @{{author}}',
  cancelReply: 'Annuler la réponse',
  quoteGone: 'Le message d’origine n’est plus sur cet appareil.',
  retry: 'Réessayer',
  files: {
    attach: 'Joindre un fichier',
    dropHere: 'Déposez un fichier pour l’envoyer',
    metadataRemoved:
      'La position et les détails de l’appareil photo ont été retirés de votre photo avant l’envoi, comme pour chaque photo que vous envoyez.',
    dismiss: 'Compris',
    picture: 'Photo {{name}}',
    open: 'Ouvrir {{name}}',
    download: 'Télécharger',
    save: 'Enregistrer',
    cancel: 'Annuler',
    uploading: 'Envoi {{percent}} %',
    downloading: 'Téléchargement {{percent}} %',
    waitingUpload: 'En attente de la connexion pour envoyer',
    failed: 'L’envoi a échoué ({{code}}).',
    storageFull:
      'Le disque du relais est plein. Le fichier sera envoyé dès qu’il aura de nouveau de la place.',
    cancelled: 'Envoi annulé.',
    tooLarge: 'Ce fichier dépasse la taille acceptée par le relais.',
    quota:
      'Votre espace sur le relais est plein. Les fichiers envoyés plus tôt sont retirés au bout d’un moment.',
    viewer: 'Visionneuse de photo',
    videoViewer: 'Lecteur vidéo',
    video: 'Vidéo {{name}}',
    play: 'Lire {{name}}',
    playShort: 'Lire',
    close: 'Fermer',
    details: '{{type}}, {{size}}',
  },
  share: {
    title: 'Envoyer les fichiers partagés',
    choose: 'Choisissez une conversation pour {{count}} fichier(s).',
    none: 'Commencez d’abord une conversation, puis partagez à nouveau.',
    damaged: 'Un fichier partagé était endommagé et n’a pas pu être ouvert. Partagez-le à nouveau.',
    cancel: 'Annuler',
  },
  waiting: {
    quota:
      'En attente\u00a0: l’appareil de @{{peer}} a trop de messages non distribués. Le message partira quand cet appareil aura rattrapé son retard.',
    quotaGroup:
      'En attente\u00a0: l’appareil d’un membre a trop de messages non distribués. Le message partira quand cet appareil aura rattrapé son retard.',
    slowDown: 'En attente que l’appareil de @{{peer}} rattrape son retard.',
    slowDownGroup: 'En attente que l’appareil d’un membre rattrape son retard.',
  },
  keyChanged:
    'Le numéro de sécurité avec @{{peer}} a changé : cette personne a peut-être perdu tous ses appareils et tout recommencé, ou quelqu’un tente de lire vos messages. L’envoi est suspendu jusqu’à votre confirmation.',
  listConflictNotice:
    'Le relais a montré deux listes d’appareils différentes pour @{{peer}} : sa clé de compte est peut-être détournée. Comparez les numéros de sécurité et demandez-lui.',
  keyChangeNotice: 'Le numéro de sécurité de @{{peer}} a changé.',
  keyNotLoggedNotice:
    'Le relais a montré de nouvelles clés pour @{{peer}} sans pouvoir les prouver dans son journal public. Rien ne leur est envoyé tant qu’il ne le peut pas.',
  keyChangedVerified:
    'Le numéro de sécurité avec @{{peer}}, que vous aviez vérifié, a changé. L’envoi est suspendu jusqu’à votre confirmation.',
  keyChangedConfirm: 'Confirmer et continuer',
  keyChangedReview: 'Comparer les numéros de sécurité',
  groupWith: 'Groupe {{name}}',
  groupEncrypted:
    'Les messages sont chiffrés de bout en bout. Seuls les membres de ce groupe peuvent les lire.',
  groupTyping: 'Quelqu’un écrit…',
  groupInfo: 'Infos du groupe',
  groupLeft:
    'Vous ne faites plus partie de ce groupe. Son historique reste lisible sur cet appareil.',
  memberKeyChangedUnverified:
    'Le numéro de sécurité avec @{{peer}} a changé. Les messages à ce groupe attendent votre confirmation.',
  memberKeyChanged:
    'Le numéro de sécurité avec @{{peer}}, que vous aviez vérifié, a changé. Les messages à ce groupe attendent votre confirmation.',
  group: {
    createdByYou: 'Vous avez créé « {{name}} » avec {{members}}.',
    addedYou: '@{{peer}} vous a ajouté à « {{name}} ».',
    addedByYou: 'Vous avez ajouté {{members}}.',
    added: '@{{peer}} a ajouté {{members}}.',
    removedByYou: 'Vous avez retiré {{members}}.',
    removedYou: '@{{peer}} vous a retiré du groupe.',
    removed: '@{{peer}} a retiré {{members}}.',
    noAccount:
      '{{members}} n’a pas de compte ici et reste à l’écart : rien de ce groupe n’est envoyé à ce nom, même si quelqu’un le prend plus tard.',
    leftYou: 'Vous avez quitté le groupe.',
    left: '@{{peer}} a quitté le groupe.',
    renamedByYou: 'Vous avez renommé le groupe « {{name}} ».',
    renamed: '@{{peer}} a renommé le groupe « {{name}} ».',
  },
  today: 'Aujourd’hui',
  yesterday: 'Hier',
};
