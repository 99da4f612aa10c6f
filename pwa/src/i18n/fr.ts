import type { Dictionary } from './en.js';

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
    passkey: 'Vous vous connecterez avec une clé d’accès, sans mot de passe.',
    notYetTitle: 'La connexion n’est pas encore ouverte',
    notYet: 'Elle sera possible dès que ce relais activera les comptes.',
    meanwhile: 'En attendant, vous pouvez choisir votre thème et votre langue.',
    openSettings: 'Ouvrir les paramètres',
  },
  conversations: {
    title: 'Conversations',
    emptyTitle: 'Aucune conversation pour l’instant',
    emptyBody: 'Vos conversations apparaîtront ici, chiffrées de bout en bout.',
    paneTitle: 'Chiffré de bout en bout',
    paneBody:
      'Seuls vous et vos interlocuteurs pouvez lire vos messages. Le relais les transmet sans pouvoir les lire.',
  },
  settings: {
    title: 'Paramètres',
    appearance: {
      title: 'Apparence',
      legend: 'Thème',
      system: 'Système',
      systemHint: 'Suit le réglage clair ou sombre de votre appareil',
      light: 'Clair',
      dark: 'Sombre',
    },
    language: {
      title: 'Langue',
      legend: 'Langue de l’interface',
    },
    about: {
      title: 'À propos de ce relais',
      version: 'Version',
      status: 'État',
      uptime: 'En service depuis',
      address: 'Adresse',
      unknown: 'Non disponible',
      statusOk: 'Fonctionne normalement',
      statusDegraded: 'Mode dégradé',
      statusDegradedDatabase: 'Mode dégradé\u00a0: base de données indisponible',
      statusUnreachable: 'Injoignable',
      statusOffline: 'Vous êtes hors ligne',
      statusChecking: 'Vérification…',
      lastChecked: 'Dernière vérification à {{time}}.',
    },
  },
};
