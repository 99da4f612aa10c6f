import type { Dictionary } from './en.js';
import { logWarningsFr } from './logWarnings.fr.js';
import { conversationFr } from './conversation.fr.js';
import { settingsFr } from './settings.fr.js';
import { adminFr } from './admin.fr.js';
import { deviceApprovalFr } from './deviceApproval.fr.js';
import { auditFr } from './audit.fr.js';

/** Interface text in French. French punctuation takes a no-break space before « : ». */
export const fr: Dictionary = {
  app: {
    name: 'VaultRoom',
    skipToContent: 'Aller au contenu',
    titleSuffix: 'VaultRoom',
  },
  nav: {
    label: 'Navigation principale',
    conversations: 'Conversations',
    settings: 'Paramètres',
    admin: 'Admin',
  },
  common: {
    loading: 'Chargement…',
    retry: 'Réessayer',
    remove: 'Supprimer',
    cancel: 'Annuler',
    save: 'Enregistrer',
    dismiss: 'Fermer',
    never: 'Jamais',
    networkError: 'Le relais est injoignable. Vérifiez votre connexion et réessayez.',
    rateLimited: 'Trop de tentatives. Attendez {{seconds}}\u00a0secondes et réessayez.',
    rateLimitedShort: 'Trop de tentatives. Attendez un instant et réessayez.',
    forbidden: 'Seuls les administrateurs peuvent faire cela.',
    unauthenticated: 'Votre session a pris fin. Reconnectez-vous.',
    reauthRequired: 'Confirmez que c’est bien vous avec votre clé d’accès, puis réessayez.',
    ceremonyFailed: 'La clé d’accès n’a pas pu être vérifiée. Réessayez.',
    passkeysUnsupported:
      'Ce navigateur ne prend pas en charge les clés d’accès. Essayez un navigateur récent sur cet appareil.',
    relayError: 'Le relais a refusé\u00a0: {{message}}',
    unavailable:
      'Le relais ne peut pas enregistrer de modifications pour l’instant. Réessayez dans un moment.',
    internalError: 'Une erreur est survenue sur le relais. Réessayez plus tard.',
    tooLarge: 'C’est plus que ce que le relais accepte en une fois.',
    originRefused: 'Le relais a refusé cette adresse. Ouvrez l’application à l’adresse du relais.',
    outdatedApp: 'Cette version de l’application ne correspond pas au relais. Rechargez la page.',
    fileTooLarge: 'Ce fichier est plus gros que ce que le relais accepte.',
    quotaExceeded:
      'Vos fichiers occupent toute la place que le relais vous donne. Les plus anciens expirent avec le temps.',
    storageFull: 'Le disque du relais est plein. Le fichier partira dès qu’il y aura de la place.',
  },
  accountNotices: {
    logAlert:
      'Le journal public du relais montre des clés ou un appareil pour votre compte que vos appareils n’ont pas ajoutés. Quelqu’un essaie peut-être de lire vos messages : vérifiez vos appareils et demandez à vos contacts de comparer les numéros de sécurité.',
    devicesWaiting:
      'Un appareil de votre compte ({{count}}) attend d’être approuvé. Si vous n’ajoutez pas d’appareil en ce moment, quelqu’un d’autre l’a ajouté : ne l’approuvez pas.',
    devicesWaitingReview: 'Voir les appareils',
    devicesWaitingMine: 'C’était moi',
    devicesWaitingRemove: 'Le retirer',
    devicesWaitingConfirm:
      'Retirer de votre compte l’appareil en attente d’approbation ? Il perd sa boîte aux lettres et ne peut plus rien lire.',
    devicesWaitingRemoved: 'L’appareil a été retiré de votre compte.',
    recoveryUsed:
      'Une invitation de récupération a été utilisée sur votre compte le {{date}}. Si ce n’était pas vous, vérifiez dès maintenant vos clés d’accès et vos sessions dans les Paramètres.',
    recoveryReview: 'Vérifier',
    singlePasskey:
      'Vous n’avez qu’une clé d’accès. Ajoutez-en une deuxième, sur un autre appareil, pour pouvoir vous connecter si vous perdez celle-ci.',
    addPasskey: 'Ajouter une clé d’accès',
  },
  relay: {
    checking: 'Vérification du relais…',
    connected: 'Connecté au relais v{{version}}',
    degraded: 'Relais v{{version}} en mode dégradé',
    unreachable: 'Relais injoignable',
    offline: 'Hors ligne',
    connectedShort: 'Connecté',
    degradedShort: 'Dégradé',
    unreachableShort: 'Injoignable',
    checkingShort: 'Vérification…',
  },
  update: {
    available: 'Une nouvelle version de VaultRoom est disponible.',
    reload: 'Recharger',
    offlineReady: 'VaultRoom est prêt à fonctionner hors ligne.',
    dismiss: 'Fermer',
  },
  signIn: {
    title: 'Bienvenue sur VaultRoom',
    encrypted:
      'Les messages sont chiffrés de bout en bout\u00a0: le relais ne conserve jamais que du texte chiffré.',
    handleLabel: 'Votre identifiant',
    handleHint:
      'Choisissez votre clé d’accès dans les suggestions, ou utilisez le bouton ci-dessous.',
    button: 'Se connecter avec une clé d’accès',
    working: 'En attente de votre clé d’accès…',
    haveInvite: 'Vous avez reçu un lien d’invitation\u202f? Ouvrez-le pour créer votre compte.',
    cancelled: 'La connexion a été annulée. Réessayez quand vous serez prêt.',
    unknownPasskey:
      'Cette clé d’accès n’a pas pu vous connecter. Si elle a été retirée de votre compte, utilisez-en une autre ou demandez un lien de récupération à un administrateur.',
    disabled: 'Ce compte est désactivé. Adressez-vous à un administrateur de ce relais.',
    endedTitle: 'Vous avez été déconnecté sur cet appareil',
    endedBody: 'Votre session a été fermée depuis un autre appareil ou par un administrateur.',
  },
  join: {
    title: 'Créer votre compte',
    recoveryTitle: 'Ajouter une nouvelle clé d’accès',
    checking: 'Vérification de votre invitation…',
    lead: 'Vous êtes invité sur ce relais VaultRoom. Choisissez comment les autres vous trouveront, puis créez une clé d’accès sur cet appareil.',
    adminLead:
      'Cette invitation fait de vous un administrateur de ce relais\u00a0: vous pourrez inviter des personnes et gérer les comptes.',
    recoveryLead:
      'Ajoutez une nouvelle clé d’accès au compte @{{handle}}. À utiliser si vous avez perdu l’appareil ou la clé d’accès utilisés jusqu’ici.',
    recoveryWarning:
      'Ne continuez que s’il s’agit de votre compte. Ses autres clés d’accès restent valables\u00a0; vous pourrez les retirer ensuite dans les Paramètres.',
    expires: 'Cette invitation expire le {{date}}.',
    handleLabel: 'Identifiant',
    handleHint:
      'De 3 à 32 lettres, chiffres, «\u00a0_\u00a0», «\u00a0.\u00a0» ou «\u00a0-\u00a0», en commençant par une lettre. Il ne pourra pas être changé.',
    handleInvalid:
      'Utilisez de 3 à 32 lettres, chiffres, «\u00a0_\u00a0», «\u00a0.\u00a0» ou «\u00a0-\u00a0», en commençant par une lettre.',
    displayNameLabel: 'Nom affiché',
    displayNameHint: 'Le nom que les autres verront. 64 caractères au plus.',
    displayNameInvalid: 'Saisissez un nom affiché de 64 caractères au plus.',
    passkeyNote:
      'Votre appareil vous demandera de créer une clé d’accès avec votre empreinte, votre visage, le verrouillage de l’écran ou une clé de sécurité. Il n’y a pas de mot de passe.',
    create: 'Créer la clé d’accès',
    recover: 'Ajouter la clé d’accès',
    working: 'En attente de votre clé d’accès…',
    noInviteTitle: 'Ce lien ne contient pas d’invitation',
    noInvite:
      'Ouvrez le lien d’invitation complet que vous avez reçu. Une personne qui gère ce relais peut vous en envoyer un.',
    invalidTitle: 'Cette invitation n’est plus valable',
    invalid: 'Elle a expiré, a été révoquée ou a déjà servi. Demandez une nouvelle invitation.',
    handleTaken: 'Cet identifiant est déjà pris. Choisissez-en un autre.',
    cancelled:
      'Aucune clé d’accès n’a été créée. Appuyez de nouveau sur le bouton quand vous serez prêt.',
    alreadyRegistered: 'Cet appareil possède déjà une clé d’accès pour ce compte.',
    goToSignIn: 'Aller à la connexion',
  },
  conversations: {
    title: 'Conversations',
    typing: 'écrit…',
    emptyTitle: 'Aucune conversation pour l’instant',
    emptyBody: 'Vos conversations apparaîtront ici, chiffrées de bout en bout.',
    paneTitle: 'Chiffré de bout en bout',
    paneBody:
      'Seuls vous et vos interlocuteurs pouvez lire vos messages. Le relais les transmet sans pouvoir les lire.',
    emptyAction:
      'Appuyez sur + pour écrire à une personne de ce relais par son identifiant, ou pour créer un groupe.',
    newConversation: 'Nouvelle conversation',
    kindLegend: 'Commencer une conversation avec',
    kindPerson: 'Une personne',
    kindGroup: 'Un groupe',
    groupNameLabel: 'Nom du groupe',
    groupNamePlaceholder: 'p. ex. Club d’échecs',
    membersLabel: 'Membres',
    membersHint: 'Identifiants de personnes de ce relais, séparés par des virgules ou des espaces.',
    membersPlaceholder: 'p. ex. alex, sam',
    createGroup: 'Créer le groupe',
    creatingGroup: 'Création du groupe…',
    groupMembers: '{{count}} membres',
    handleLabel: 'Son identifiant',
    handlePlaceholder: 'par ex. alex',
    start: 'Commencer',
    starting: 'Recherche…',
    search: 'Rechercher dans les conversations',
    noMatches: 'Aucune conversation ne correspond à « {{query}} ».',
    unread: '{{count}} non lus',
    you: 'Vous : {{text}}',
    from: '@{{peer}} : {{text}}',
    noMessages: 'Pas encore de messages',
    opening: 'Ouverture de vos conversations chiffrées…',
    unavailable:
      'Vos conversations n’ont pas pu être ouvertes dans ce navigateur. Rechargez pour réessayer.',
    connecting: 'Connexion au relais…',
    offline:
      'Hors ligne : les messages que vous écrivez sont conservés et envoyés au retour de la connexion.',
    notifyOffer:
      'Recevez une notification quand un message arrive alors que VaultRoom est en arrière-plan.',
    notifyEnable: 'Activer les notifications',
    notifyTitle: 'Nouveau message de @{{peer}}',
    notifyGroupTitle: 'Nouveau message dans {{group}}',
    notifyBody: 'Ouvrez VaultRoom pour le lire.',
    errors: {
      UNKNOWN_ACCOUNT: 'Personne n’a cet identifiant sur ce relais.',
      NO_DEVICES: 'Cette personne n’a pas encore ouvert VaultRoom. Réessayez quand ce sera fait.',
      SELF: 'C’est votre propre identifiant.',
      OFFLINE: 'Vous êtes hors ligne. Trouver quelqu’un de nouveau nécessite le relais.',
      KEYS_CHANGED: 'Confirmez le changement de numéro de sécurité avant d’envoyer.',
      NOT_A_MEMBER: 'Vous ne faites plus partie de ce groupe.',
      GROUP_NAME_INVALID: 'Donnez au groupe un nom de 64 caractères au plus.',
      GROUP_FULL: 'Un groupe compte au plus 32 membres.',
      GROUP_STATE_INVALID:
        'Ce groupe ne peut plus être modifié : son état a été poussé hors limites. Créez un nouveau groupe.',
      RATE_LIMITED: 'Trop de recherches à la suite. Attendez une minute et réessayez.',
      NO_ACCOUNT_KEY:
        'Pas encore de numéro de sécurité : cet appareil ou le sien attend d’être configuré.',
      NOT_CERTIFIED: 'Cet appareil doit d’abord être approuvé par un autre de vos appareils.',
      WRONG_CODE:
        'Ce n’est pas le code affiché par l’autre appareil. Vérifiez-le et saisissez-le à nouveau.',
      UNKNOWN_DEVICE: 'Cet appareil n’attend plus d’approbation.',
      FILE_DAMAGED:
        'Ce fichier a été abîmé en chemin : il ne correspond pas à ce qui a été envoyé. Rien n’a été enregistré.',
      CANCELLED: 'Arrêté.',
      FILE_NOT_HERE: 'Ce fichier n’est pas sur cet appareil. Téléchargez-le d’abord.',
      TRANSFER_FAILED: 'Le fichier n’a pas pu être transféré. Réessayez.',
      other: 'Un problème est survenu. Réessayez.',
    },
  },
  conversation: conversationFr,
  groupPanel: {
    title: 'Infos du groupe',
    nameLabel: 'Nom du groupe',
    rename: 'Renommer',
    members: 'Membres ({{count}})',
    you: 'Vous',
    remove: 'Retirer',
    removeMember: 'Retirer @{{peer}} du groupe',
    safetyOf: 'Numéro de sécurité avec @{{peer}}',
    addLabel: 'Ajouter des personnes',
    add: 'Ajouter',
    leave: 'Quitter le groupe',
    leaveConfirm: 'Quitter « {{name}} » ? Vous ne recevrez plus ses messages.',
    leaveYes: 'Quitter',
    saving: 'Enregistrement…',
    close: 'Fermer',
  },
  safety: {
    title: 'Numéro de sécurité avec @{{peer}}',
    intro:
      'Comparez ces chiffres avec @{{peer}} en personne ou lors d’un appel de confiance. S’ils sont identiques, personne ne lit vos messages en chemin.',
    qrLabel: 'Code QR du numéro de sécurité',
    loading: 'Calcul du numéro de sécurité…',
    failed: 'Le numéro de sécurité n’a pas pu être calculé. Réessayez.',
    verify: 'Marquer comme vérifié',
    unverify: 'Retirer la vérification',
    verifiedNote:
      'Vous avez vérifié @{{peer}}. Vous serez prévenu si son numéro de sécurité change.',
    close: 'Fermer',
  },
  settings: settingsFr,
  logWarnings: logWarningsFr,
  security: {
    title: 'Activité de sécurité',
    intro:
      'Les connexions et les changements de votre compte, du plus récent au plus ancien. Cet appareil vérifie chacun d’eux dans le journal infalsifiable du relais.',
    settingsLink: 'Activité de sécurité',
    settingsLinkHint: 'Connexions et changements du compte, vérifiés sur cet appareil',
    back: 'Retour aux paramètres',
    loading: 'Chargement et vérification de votre activité de sécurité…',
    loadingOlder: 'Chargement des événements plus anciens…',
    loadError: 'Votre activité de sécurité n’a pas pu être chargée.',
    empty: 'Aucun événement de sécurité pour l’instant.',
    showOlder: 'Afficher les plus anciens',
    end: 'C’est le début de votre activité de sécurité.',
    verified: 'Vérifié dans le journal infalsifiable du relais',
    pending: 'Pas encore dans un point de contrôle signé',
    failed: 'Ne correspond pas au journal signé du relais',
    failure: 'Échec',
    allVerified:
      'Chaque événement affiché figure dans le journal signé du relais, vérifié sur cet appareil.',
    someFailed:
      'Certains événements ne correspondent pas au journal signé du relais. Ils ont peut-être été modifiés\u00a0: ne vous y fiez pas, et prévenez la personne qui gère ce relais.',
    invalidTitle: 'Le journal de sécurité de ce relais n’a pas pu être vérifié',
    invalid:
      'Sa signature ou ses preuves ne sont pas valides, les événements ci-dessous ne sont donc pas fiables. Prévenez la personne qui gère ce relais.',
    historyError:
      'Cet appareil n’a pas pu comparer le journal avec ce qu’il a vu auparavant. Il réessaiera à votre prochaine visite.',
  },
  audit: auditFr,
  admin: adminFr,
  deviceApproval: deviceApprovalFr,
  deviceStorage: {
    title: 'Messages sur cet appareil',
    intro:
      'Vos conversations, brouillons et clés de chiffrement sont conservés uniquement dans ce navigateur, chiffrés. Le relais n’en détient aucun.',
    lossWarning:
      'Effacer les données de ce site, ou désinstaller l’application, les supprime définitivement : personne ne peut les restaurer, pas même l’opérateur du relais.',
    persisted: 'Ce navigateur ne les effacera pas de lui-même, même si l’espace vient à manquer.',
    notPersisted: 'Ce navigateur peut les effacer de lui-même si l’appareil manque d’espace.',
    unsupported: 'Ce navigateur n’indique pas s’il peut les effacer de lui-même.',
    persist: 'Demander au navigateur de les conserver',
    sealedWithPasskey:
      'Scellés avec votre clé d’accès\u00a0: sans l’une de vos clés d’accès, personne ne peut les lire, pas même avec une copie des données de ce navigateur. Gardez au moins une clé d’accès déjà utilisée ici\u00a0: sans elle, ils ne pourront plus être ouverts.',
    sealedWithDevice:
      'Scellés avec une clé conservée dans ce navigateur, car votre clé d’accès ne peut pas les sceller (elle n’offre pas l’extension PRF)\u00a0: quelqu’un disposant d’une copie complète des données de ce navigateur pourrait les lire.',
    sealedLocked:
      'Scellés avec votre clé d’accès, et verrouillés jusqu’à ce que vous les déverrouilliez.',
  },
  chatLock: {
    title: 'Vos messages sont verrouillés',
    body: 'Ils sont scellés sur cet appareil avec votre clé d’accès, pour que personne ne puisse les lire à partir d’une copie des données de ce navigateur.',
    unlock: 'Déverrouiller avec une clé d’accès',
    unlocking: 'En attente de votre clé d’accès…',
    hint: 'Toute clé d’accès déjà utilisée sur cet appareil les ouvre, même hors ligne. Elle ne quitte jamais votre appareil.',
    refused:
      'Cette clé d’accès n’a pas encore été utilisée sur cet appareil\u00a0: elle ne peut pas déverrouiller ces messages. Utilisez-en une qui l’a été.',
    noPrf:
      'Cette clé d’accès ne peut pas déverrouiller les messages\u00a0: elle ne prend pas en charge l’extension nécessaire. Utilisez-en une autre.',
    failed: 'Votre clé d’accès n’a pas pu être utilisée. Réessayez.',
    cannotUnlock: 'Aucune clé d’accès ne peut les déverrouiller\u00a0?',
    startOverWarning:
      'Recommencer supprime définitivement les messages et les clés conservés sur cet appareil. Vos contacts verront que votre numéro de sécurité a changé.',
    startOver: 'Tout supprimer et recommencer',
  },
  install: {
    title: 'Installer l’application',
    intro:
      'Ajoutez VaultRoom à votre écran d’accueil ou à vos applications\u00a0: elle s’ouvre dans sa propre fenêtre, comme vos autres applications.',
    button: 'Installer l’application',
    prompting: 'En attente de votre réponse…',
    installed:
      'VaultRoom est installée. Ouvrez-la depuis votre écran d’accueil ou vos applications.',
    failed: 'Le navigateur n’a pas ouvert sa fenêtre d’installation. Installez depuis son menu.',
  },
  push: {
    title: 'Notifications quand l’application est fermée',
    intro:
      'VaultRoom peut prévenir cet appareil qu’un message est arrivé pendant que l’application est fermée. L’avis passe par le service de notifications de votre navigateur (Google, Mozilla ou Apple)\u00a0: il apprend que cet appareil a reçu quelque chose, et quand, jamais ce qui a été écrit.',
    switchLabel: 'Me prévenir quand l’application est fermée',
    showSenderLabel: 'Afficher qui a écrit',
    showSenderHint:
      'L’avis porte alors l’identifiant de l’expéditeur, chiffré pour cet appareil\u00a0: le service de notifications ne peut pas le lire, mais il s’affiche sur l’écran verrouillé.',
    enabling: 'Activation…',
    on: 'Activées sur cet appareil.',
    off: 'Désactivées\u00a0: les messages arrivent quand vous ouvrez l’application.',
    denied:
      'Les notifications sont bloquées pour ce site. Autorisez-les dans les réglages du site de votre navigateur, puis réessayez.',
    unsupported:
      'Ce navigateur ne peut pas recevoir de notifications quand l’application est fermée.',
    homeScreen:
      'Sur iPhone et iPad, les notifications demandent l’application sur l’écran d’accueil\u00a0: ouvrez cette page dans Safari, touchez Partager, puis «\u00a0Sur l’écran d’accueil\u00a0», et activez-les depuis là.',
    relayOff: 'Les notifications push sont désactivées sur ce relais.',
    unreachable:
      'Les notifications push sont indisponibles sur ce réseau\u00a0: le relais ne peut pas joindre le service de notifications de votre navigateur (un relais sans accès à Internet). L’application vous prévient toujours quand elle est ouverte.',
    browserUnavailable:
      'Ce navigateur n’a pas pu s’inscrire auprès de son service de notifications\u00a0: il n’a peut-être pas accès à Internet ici, ou pas de service de notifications du tout. L’application vous prévient toujours quand elle est ouverte.',
    failed: 'Impossible d’activer les notifications. Réessayez plus tard.',
    notificationTitle: 'Nouveaux messages',
    notificationTitleFrom: 'Nouveau message de @{{peer}}',
    notificationBodyOne: 'Ouvrez VaultRoom pour le lire.',
    notificationBodyMany: '{{count}} en attente. Ouvrez VaultRoom pour les lire.',
  },
  shareRefused: {
    title: 'VaultRoom ne peut pas encore recevoir ces fichiers',
    body: 'Les fichiers partagés vers VaultRoom sont chiffrés pour votre messagerie avant d’être conservés, et ce navigateur n’a pas encore de messagerie pour laquelle les chiffrer. Ouvrez VaultRoom, connectez-vous ou déverrouillez-la une fois, puis partagez à nouveau. Rien n’a été conservé.',
    open: 'Ouvrir VaultRoom',
    failedTitle: 'VaultRoom n’a pas pu conserver ces fichiers',
    failedBody:
      'Les fichiers n’ont pas pu être chiffrés et enregistrés dans ce navigateur (il manque peut-être de place). Rien n’a été conservé. Partagez-les à nouveau, ou joignez-les depuis VaultRoom.',
  },
};
