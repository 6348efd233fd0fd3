/**
 * The portal's wording, one catalogue per language. Both satisfy `PortalMessages`, so a text missing in one
 * language is a compile error. What the e-mails already say (refusal reasons and their advice, the charges table's
 * words, reasons, roles) is not repeated here: the pages take it from outbound/mail/messages.ts.
 *
 * Values passed in are formatted (dates, amounts) and raw: the views escape everything they print.
 * French follows the provider's article (source-article-fr.txt): « résilier », « renouvellement automatique »,
 * « date d'effet », « Découvrir ». French punctuation takes a no-break space before « : ; ? ».
 */
import type { PortalLocale } from '../domain/portal';
import type { CancellationStage } from '../domain/types';

const nbsp = '\u00a0';

export type NotificationTemplate =
  | 'cancellation_scheduled'
  | 'cancellation_reminder'
  | 'cancellation_withdrawn'
  | 'cancellation_completed'
  | 'cancellation_refused';

export interface PortalMessages {
  portalName: string;
  skipToContent: string;
  signedInAs: (email: string) => string;
  signOut: string;
  backToConsole: string;
  yourProducts: string;
  language: string;
  languageNames: Record<PortalLocale, string>;
  products: {
    title: string;
    active: string;
    scheduled: string;
    discover: string;
    discoverIntro: string;
    noActive: string;
    noScheduled: string;
    noDiscover: string;
    renews: (date: string) => string;
    endsOn: (date: string) => string;
    cancelledOn: (date: string) => string;
    manage: (product: string) => string;
    follow: (product: string) => string;
  };
  subscription: {
    billing: { monthly: string; fixed_term: string };
    price: (amount: string) => string;
    licences: (assigned: number, total: number) => string;
    planLabel: string;
    periodEndLabel: string;
    licencesLabel: string;
    autoRenewOn: string;
    autoRenewOff: string;
    beforeYouCancel: string;
    eligible: string;
    notEligible: string;
    effectiveDate: string;
    effectiveExplained: string;
    chargesHeading: string;
    currentPeriod: string;
    contractMonth: string;
    noRefund: string;
    cancelHeading: string;
    reasonLegend: string;
    commentLabel: string;
    commentHint: string;
    continue: string;
    inProgress: string;
    followLink: string;
  };
  confirm: {
    title: (product: string) => string;
    intro: (product: string) => string;
    reason: (label: string) => string;
    noReason: string;
    button: string;
    back: string;
  };
  cancellation: {
    title: (product: string) => string;
    stage: string;
    stages: Record<CancellationStage, string>;
    stageHelp: Record<CancellationStage, string>;
    effectiveDate: string;
    timeLeft: string;
    reached: string;
    checklist: string;
    licencesOpen: (assigned: number) => string;
    licencesDone: string;
    unassignAll: string;
    backupOpen: string;
    backupDone: (location: string | null) => string;
    backupLocation: string;
    backupHint: string;
    confirmBackup: string;
    balanceOpen: string;
    balanceDone: string;
    withdrawHeading: string;
    withdrawText: string;
    withdraw: string;
    notifications: string;
    noNotifications: string;
    templates: Record<NotificationTemplate, string>;
    sent: (dateTime: string) => string;
    pending: string;
    failed: string;
    live: string;
  };
  done: {
    cancelled: string;
    unassigned: (n: number) => string;
    backedUp: string;
    withdrawn: string;
  };
  errors: {
    title: string;
    linkInvalid: string;
    linkInvalidHelp: string;
    sessionExpired: string;
    sessionExpiredHelp: string;
    signedOut: string;
    csrf: string;
    notFound: string;
    roleNotPermitted: string;
    inProgress: string;
    closed: string;
    withdrawNotAllowed: string;
    invalid: string;
    unavailable: string;
    stillWorking: string;
    keyReused: string;
    refused: string;
    generic: string;
    backToProducts: string;
    continue: string;
  };
}

const en: PortalMessages = {
  portalName: 'Subscription portal',
  skipToContent: 'Skip to content',
  signedInAs: (email) => `Signed in as ${email}`,
  signOut: 'Sign out',
  backToConsole: 'Back to the admin console',
  yourProducts: 'Your products',
  language: 'Language',
  languageNames: { en: 'English', fr: 'Français' },
  products: {
    title: 'Your products',
    active: 'Active',
    scheduled: 'Cancellation scheduled',
    discover: 'Discover',
    discoverIntro: 'Products you cancelled, which you can subscribe to again at any time.',
    noActive: 'No active product.',
    noScheduled: 'No cancellation scheduled.',
    noDiscover: 'Nothing here yet.',
    renews: (date) => `Renews on ${date}`,
    endsOn: (date) => `Ends on ${date}`,
    cancelledOn: (date) => `Cancelled on ${date}`,
    manage: (product) => `Manage ${product}`,
    follow: (product) => `Follow the cancellation of ${product}`,
  },
  subscription: {
    billing: { monthly: 'Monthly plan', fixed_term: 'Fixed-term contract' },
    price: (amount) => `${amount} per month`,
    licences: (assigned, total) => `${assigned} of ${total} licences assigned`,
    planLabel: 'Plan',
    periodEndLabel: 'Current period ends',
    licencesLabel: 'Licences',
    autoRenewOn: 'Auto-renew is on.',
    autoRenewOff: 'Auto-renew is off.',
    beforeYouCancel: 'Before you cancel',
    eligible: 'You can cancel this subscription online.',
    notEligible: 'This subscription cannot be cancelled online right now:',
    effectiveDate: 'Effective date',
    effectiveExplained:
      'Cancelling turns auto-renew off. You keep access until the effective date, when the product is deactivated.',
    chargesHeading: 'What is still billed',
    currentPeriod: 'Current period',
    contractMonth: 'Contract month',
    noRefund: 'No refund: cancelling before the end of a period or contract does not give rise to any refund.',
    cancelHeading: 'Cancel this subscription',
    reasonLegend: 'Why are you cancelling? (optional)',
    commentLabel: 'Comment (optional)',
    commentHint: 'Up to 1,000 characters.',
    continue: 'Continue',
    inProgress: 'A cancellation of this subscription is in progress.',
    followLink: 'Follow the cancellation',
  },
  confirm: {
    title: (product) => `Cancel ${product}?`,
    intro: (product) =>
      `Auto-renew of ${product} will be turned off now. You keep access until the effective date below.`,
    reason: (label) => `Reason: ${label}.`,
    noReason: 'No reason given.',
    button: 'Cancel my subscription',
    back: 'Keep my subscription',
  },
  cancellation: {
    title: (product) => `Cancellation of ${product}`,
    stage: 'Status',
    stages: {
      awaiting_prerequisites: 'Waiting for the checklist',
      scheduled: 'Scheduled',
      deactivating: 'Deactivating',
      completed: 'Completed',
      withdrawn: 'Withdrawn',
      failed: 'Failed',
    },
    stageHelp: {
      awaiting_prerequisites:
        'Auto-renew is off. Finish the checklist before the effective date; the product is deactivated on that date anyway.',
      scheduled: 'Everything is ready. The product is deactivated on the effective date.',
      deactivating: 'The product is being deactivated now.',
      completed: 'The product is deactivated. You can find it again under “Discover”.',
      withdrawn: 'The cancellation was withdrawn: auto-renew is back on.',
      failed: 'The deactivation failed. Our team has been told; contact support if you need help.',
    },
    effectiveDate: 'Effective date',
    timeLeft: 'Time left',
    reached: 'Reached',
    checklist: 'Checklist',
    licencesOpen: (assigned) =>
      assigned === 1 ? '1 licence is still assigned to a user.' : `${assigned} licences are still assigned to users.`,
    licencesDone: 'Licences unassigned from all users.',
    unassignAll: 'Unassign all licences',
    backupOpen: 'Back up or transfer the data you still need, then confirm the backup.',
    backupDone: (location) =>
      location === null ? 'Data backup confirmed.' : `Data backup confirmed (location: ${location}).`,
    backupLocation: 'Where is the backup?',
    backupHint: 'For example a folder, a drive or an archive name.',
    confirmBackup: 'Confirm the backup',
    balanceOpen: 'The account has an open balance.',
    balanceDone: 'No outstanding balance.',
    withdrawHeading: 'Changed your mind?',
    withdrawText: 'Withdrawing turns auto-renew back on; the subscription goes on as before.',
    withdraw: 'Withdraw the cancellation',
    notifications: 'E-mails sent',
    noNotifications: 'No e-mail yet.',
    templates: {
      cancellation_scheduled: 'Cancellation scheduled',
      cancellation_reminder: 'Reminder',
      cancellation_withdrawn: 'Cancellation withdrawn',
      cancellation_completed: 'Cancellation completed',
      cancellation_refused: 'Cancellation refused',
    },
    sent: (dateTime) => `sent ${dateTime}`,
    pending: 'being sent',
    failed: 'could not be sent',
    live: 'This page updates itself.',
  },
  done: {
    cancelled: 'Your cancellation is scheduled. Auto-renew is off.',
    unassigned: (n) => (n === 1 ? '1 licence unassigned.' : `${n} licences unassigned.`),
    backedUp: 'The data backup is confirmed.',
    withdrawn: 'The cancellation is withdrawn. Auto-renew is back on.',
  },
  errors: {
    title: 'Something went wrong',
    linkInvalid: 'This link can no longer be used',
    linkInvalidHelp:
      'A sign-in link works once, within 5 minutes. Open the portal again from your admin console to get a new one.',
    sessionExpired: 'Your session has ended',
    sessionExpiredHelp: 'Open the portal again from your admin console.',
    signedOut: 'You are signed out',
    csrf: 'This form has expired. Go back, reload the page and try again.',
    notFound: 'This page does not exist, or belongs to another account.',
    roleNotPermitted: 'Your role does not allow this. Ask a user who may cancel this subscription.',
    inProgress: 'This subscription already has a cancellation in progress.',
    closed: 'This cancellation can no longer change.',
    withdrawNotAllowed: 'This cancellation can no longer be withdrawn.',
    invalid: 'Some of what was sent is not valid:',
    unavailable: 'The service is busy or unavailable. Nothing was lost: try again in a moment.',
    stillWorking: 'Your request is still being processed. Reload this page in a moment.',
    keyReused: 'This form was already sent with other values. Reload the page and try again.',
    refused: 'The cancellation was refused:',
    generic: 'The request could not be completed.',
    backToProducts: 'Back to your products',
    continue: 'Continue',
  },
};

const fr: PortalMessages = {
  portalName: 'Portail des abonnements',
  skipToContent: 'Aller au contenu',
  signedInAs: (email) => `Connecté en tant que ${email}`,
  signOut: 'Se déconnecter',
  backToConsole: 'Retour à la console d’administration',
  yourProducts: 'Vos produits',
  language: 'Langue',
  languageNames: { en: 'English', fr: 'Français' },
  products: {
    title: 'Vos produits',
    active: 'Actifs',
    scheduled: 'Résiliation programmée',
    discover: 'Découvrir',
    discoverIntro: 'Les produits que vous avez résiliés, auxquels vous pouvez vous abonner de nouveau à tout moment.',
    noActive: 'Aucun produit actif.',
    noScheduled: 'Aucune résiliation programmée.',
    noDiscover: 'Rien pour le moment.',
    renews: (date) => `Renouvellement le ${date}`,
    endsOn: (date) => `Fin le ${date}`,
    cancelledOn: (date) => `Résilié le ${date}`,
    manage: (product) => `Gérer ${product}`,
    follow: (product) => `Suivre la résiliation de ${product}`,
  },
  subscription: {
    billing: { monthly: 'Forfait mensuel', fixed_term: 'Contrat à durée déterminée' },
    price: (amount) => `${amount} par mois`,
    licences: (assigned, total) => `${assigned} licence(s) attribuée(s) sur ${total}`,
    planLabel: 'Forfait',
    periodEndLabel: 'Fin de la période en cours',
    licencesLabel: 'Licences',
    autoRenewOn: 'Le renouvellement automatique est activé.',
    autoRenewOff: 'Le renouvellement automatique est désactivé.',
    beforeYouCancel: 'Avant de résilier',
    eligible: 'Vous pouvez résilier cet abonnement en ligne.',
    notEligible: `Cet abonnement ne peut pas être résilié en ligne pour le moment${nbsp}:`,
    effectiveDate: 'Date d’effet',
    effectiveExplained:
      'Résilier désactive le renouvellement automatique. Vous gardez l’accès jusqu’à la date d’effet, à laquelle le produit est désactivé.',
    chargesHeading: 'Ce qui reste facturé',
    currentPeriod: 'Période en cours',
    contractMonth: 'Mois du contrat',
    noRefund: `Aucun remboursement${nbsp}: résilier avant la fin d’une période ou d’un contrat ne donne lieu à aucun remboursement.`,
    cancelHeading: 'Résilier cet abonnement',
    reasonLegend: `Pourquoi résiliez-vous${nbsp}? (facultatif)`,
    commentLabel: 'Commentaire (facultatif)',
    commentHint: 'Jusqu’à 1 000 caractères.',
    continue: 'Continuer',
    inProgress: 'Une résiliation de cet abonnement est en cours.',
    followLink: 'Suivre la résiliation',
  },
  confirm: {
    title: (product) => `Résilier ${product}${nbsp}?`,
    intro: (product) =>
      `Le renouvellement automatique de ${product} sera désactivé dès maintenant. Vous gardez l’accès jusqu’à la date d’effet ci-dessous.`,
    reason: (label) => `Motif${nbsp}: ${label}.`,
    noReason: 'Aucun motif indiqué.',
    button: 'Résilier mon abonnement',
    back: 'Garder mon abonnement',
  },
  cancellation: {
    title: (product) => `Résiliation de ${product}`,
    stage: 'État',
    stages: {
      awaiting_prerequisites: 'En attente de la liste de contrôle',
      scheduled: 'Programmée',
      deactivating: 'Désactivation en cours',
      completed: 'Terminée',
      withdrawn: 'Annulée',
      failed: 'Échec',
    },
    stageHelp: {
      awaiting_prerequisites:
        'Le renouvellement automatique est désactivé. Terminez la liste de contrôle avant la date d’effet\u00a0; le produit est désactivé à cette date dans tous les cas.',
      scheduled: 'Tout est prêt. Le produit est désactivé à la date d’effet.',
      deactivating: 'Le produit est en cours de désactivation.',
      completed: 'Le produit est désactivé. Vous le retrouverez sous «\u00a0Découvrir\u00a0».',
      withdrawn: 'La résiliation a été annulée\u00a0: le renouvellement automatique est réactivé.',
      failed: 'La désactivation a échoué. Notre équipe est prévenue\u00a0; contactez le support si besoin.',
    },
    effectiveDate: 'Date d’effet',
    timeLeft: 'Temps restant',
    reached: 'Atteinte',
    checklist: 'Liste de contrôle',
    licencesOpen: (assigned) =>
      assigned === 1
        ? '1 licence est encore attribuée à un utilisateur.'
        : `${assigned} licences sont encore attribuées à des utilisateurs.`,
    licencesDone: 'Licences désattribuées de tous les utilisateurs.',
    unassignAll: 'Désattribuer toutes les licences',
    backupOpen: 'Sauvegardez ou transférez les données dont vous avez encore besoin, puis confirmez la sauvegarde.',
    backupDone: (location) =>
      location === null
        ? 'Sauvegarde des données confirmée.'
        : `Sauvegarde des données confirmée (emplacement${nbsp}: ${location}).`,
    backupLocation: `Où se trouve la sauvegarde${nbsp}?`,
    backupHint: 'Par exemple un dossier, un disque ou le nom d’une archive.',
    confirmBackup: 'Confirmer la sauvegarde',
    balanceOpen: 'Le compte a un solde impayé.',
    balanceDone: 'Aucun solde impayé.',
    withdrawHeading: `Vous avez changé d’avis${nbsp}?`,
    withdrawText:
      'Annuler la résiliation réactive le renouvellement automatique\u00a0; l’abonnement continue comme avant.',
    withdraw: 'Annuler la résiliation',
    notifications: 'E-mails envoyés',
    noNotifications: 'Aucun e-mail pour le moment.',
    templates: {
      cancellation_scheduled: 'Résiliation programmée',
      cancellation_reminder: 'Rappel',
      cancellation_withdrawn: 'Résiliation annulée',
      cancellation_completed: 'Résiliation terminée',
      cancellation_refused: 'Résiliation refusée',
    },
    sent: (dateTime) => `envoyé le ${dateTime}`,
    pending: 'en cours d’envoi',
    failed: 'n’a pas pu être envoyé',
    live: 'Cette page se met à jour d’elle-même.',
  },
  done: {
    cancelled: 'Votre résiliation est programmée. Le renouvellement automatique est désactivé.',
    unassigned: (n) => (n === 1 ? '1 licence désattribuée.' : `${n} licences désattribuées.`),
    backedUp: 'La sauvegarde des données est confirmée.',
    withdrawn: 'La résiliation est annulée. Le renouvellement automatique est réactivé.',
  },
  errors: {
    title: 'Une erreur est survenue',
    linkInvalid: 'Ce lien ne peut plus être utilisé',
    linkInvalidHelp:
      'Un lien de connexion ne sert qu’une fois, dans les 5 minutes. Ouvrez de nouveau le portail depuis votre console d’administration pour en obtenir un autre.',
    sessionExpired: 'Votre session est terminée',
    sessionExpiredHelp: 'Ouvrez de nouveau le portail depuis votre console d’administration.',
    signedOut: 'Vous êtes déconnecté',
    csrf: 'Ce formulaire a expiré. Revenez en arrière, rechargez la page et réessayez.',
    notFound: 'Cette page n’existe pas, ou appartient à un autre compte.',
    roleNotPermitted: 'Votre rôle ne le permet pas. Demandez-le à un utilisateur autorisé à résilier cet abonnement.',
    inProgress: 'Une résiliation de cet abonnement est déjà en cours.',
    closed: 'Cette résiliation ne peut plus être modifiée.',
    withdrawNotAllowed: 'Cette résiliation ne peut plus être annulée.',
    invalid: `Une partie de ce qui a été envoyé n’est pas valide${nbsp}:`,
    unavailable: 'Le service est occupé ou indisponible. Rien n’est perdu\u00a0: réessayez dans un instant.',
    stillWorking: 'Votre demande est encore en cours de traitement. Rechargez cette page dans un instant.',
    keyReused: 'Ce formulaire a déjà été envoyé avec d’autres valeurs. Rechargez la page et réessayez.',
    refused: `La résiliation a été refusée${nbsp}:`,
    generic: 'La demande n’a pas pu aboutir.',
    backToProducts: 'Retour à vos produits',
    continue: 'Continuer',
  },
};

export const portalCatalogues: Record<PortalLocale, PortalMessages> = { en, fr };
