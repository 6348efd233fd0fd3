/**
 * The wording of the cancellation e-mails, one catalogue per language. Both satisfy `MailMessages`, so a text
 * missing in one language is a compile error, and the renderer holds no sentence of its own.
 *
 * Values passed in are already formatted (dates, amounts) and still raw (not HTML-escaped): the renderer escapes
 * every string of the finished mail, so nothing here may contain markup.
 *
 * French follows the provider's article (source-article-fr.txt) where it is sound: « résilier » / « résiliation »,
 * « renouvellement automatique », « date d'effet », « Découvrir d'autres produits ». French punctuation takes a
 * no-break space (U+00A0) before « : ; ? » and inside « », so a wrapped text line never starts with one of them.
 */
import type { ReasonCode, Role } from '../../domain/types';
import type { RoleRuleId } from '../../domain/roles';

const nbsp = '\u00a0';

export const MailLocales = ['en', 'fr'] as const;
export type MailLocale = (typeof MailLocales)[number];

export interface MailMessages {
  /** BCP 47 tags handed to Intl: day-month-year dates in both languages (en-GB), amounts in the plain locale. */
  intl: { dates: string; numbers: string; lists: string };
  common: {
    /** `dateTime` already formatted, e.g. "31 December 2026". */
    requestedBy: (product: string, email: string, dateTime: string) => string;
    submittedBySupport: (product: string, email: string, dateTime: string) => string;
    reasonGiven: (label: string) => string;
    comment: (comment: string) => string;
    reasons: Record<ReasonCode, string>;
    withdrawHeading: string;
    withdrawHow: (id: string, dateTime: string) => string;
    cancellationReference: (id: string) => string;
    subscriptionReference: (id: string) => string;
    footer: (product: string) => string;
    /** An amount in a currency Intl does not know: the integer minor units, said as such. */
    minorUnits: (amount: string, currency: string) => string;
    /** "label: value", with the language's spacing before the colon. */
    labelled: (label: string, value: string) => string;
  };
  checklist: {
    heading: string;
    open: string;
    done: string;
    balanceOpen: string;
    licencesOpen: (product: string) => string;
    backupOpen: string;
    balanceDone: string;
    licencesDone: string;
    backupDone: (location: string | null) => string;
    allDone: string;
  };
  scheduled: {
    subject: (product: string, date: string) => string;
    title: (product: string) => string;
    autoRenewOffLead: string;
    autoRenewOff: (product: string) => string;
    accessUntil: (product: string, dateTime: string) => string;
    immediate: (product: string, dateTime: string) => string;
    chargesHeading: string;
    chargesIntro: string;
    columns: { description: string; period: string; amount: string };
    total: string;
    noCharges: string;
    noRefundLead: string;
    noRefund: string;
  };
  reminder: {
    /** `when` is "in 7 days", "tomorrow", or null when `before` could not be read. */
    subject: (product: string, when: string | null, date: string) => string;
    title: (product: string) => string;
    tomorrow: string;
    inDays: (days: number) => string;
    deactivation: (product: string, when: string | null, dateTime: string) => string;
    openHeading: string;
    nothingOpen: string;
    deactivatedAnyway: (product: string) => string;
  };
  withdrawn: {
    subject: (product: string) => string;
    title: (product: string) => string;
    withdrawnAt: (product: string, dateTime: string | null) => string;
    autoRenewOnLead: string;
    autoRenewOn: (product: string) => string;
    nothingToDo: string;
  };
  completed: {
    subject: (product: string) => string;
    title: (product: string) => string;
    deactivatedAt: (product: string, dateTime: string) => string;
    licencesReleased: string;
    backupUnconfirmedLead: string;
    backupUnconfirmed: string;
    backupConfirmed: (location: string | null) => string;
    discover: (product: string) => string;
  };
  refused: {
    subject: (product: string) => string;
    title: (product: string) => string;
    notAccepted: string;
    heading: string;
    roleLead: string;
    /** `scope` from `ruleScope`, `roles` an "or" list of `roles` entries. */
    roleRule: (scope: string, roles: string) => string;
    roleUnknownRule: string;
    ruleScope: Record<RoleRuleId, string>;
    /** Each role with its article, ready for a list: "a super admin". */
    roles: Record<Role, string>;
    balanceLead: (amount: string | null) => string;
    balance: string;
    notOnlineLead: (product: string) => string;
    notOnline: string;
    alreadyCancelledLead: string;
    alreadyCancelled: string;
    otherLead: string;
  };
}

const en: MailMessages = {
  intl: { dates: 'en-GB', numbers: 'en', lists: 'en' },
  common: {
    requestedBy: (product, email, dateTime) =>
      `The cancellation of ${product} was requested by ${email} on ${dateTime}.`,
    submittedBySupport: (product, email, dateTime) =>
      `The cancellation of ${product} was submitted by support on behalf of ${email} on ${dateTime}.`,
    reasonGiven: (label) => `Reason given: ${label}.`,
    comment: (comment) => `Your comment: "${comment}"`,
    reasons: {
      too_expensive: 'too expensive',
      missing_features: 'missing features',
      switched_service: 'switched to another service',
      not_used: 'not used',
      other: 'other',
    },
    withdrawHeading: 'Changed your mind?',
    withdrawHow: (id, dateTime) =>
      `You can withdraw this cancellation until ${dateTime}: on the cancellation's page in the portal ` +
      `(/portal), or through the API with POST /v1/cancellations/${id}/withdraw. Auto-renew is then ` +
      'turned back on.',
    cancellationReference: (id) => `Cancellation reference: ${id}`,
    subscriptionReference: (id) => `Subscription: ${id}`,
    footer: (product) => `This is an automatic message about your ${product} subscription.`,
    minorUnits: (amount, currency) => `${amount} (${currency}, in minor units)`,
    labelled: (label, value) => `${label}: ${value}`,
  },
  checklist: {
    heading: 'Before the effective date',
    open: 'Still to do:',
    done: 'Already done:',
    balanceOpen: 'Pay the open invoices of your account (shown in the admin console).',
    licencesOpen: (product) =>
      `Unassign the licences of ${product} from all users, so that nobody is using it when it ends.`,
    backupOpen: 'Back up or transfer all the data you still need, user data included, then confirm the backup.',
    balanceDone: 'No outstanding balance.',
    licencesDone: 'Licences unassigned from all users.',
    backupDone: (location) =>
      location === null ? 'Data backup confirmed.' : `Data backup confirmed (location: ${location}).`,
    allDone: 'Everything is ready: there is nothing else to do before the effective date.',
  },
  scheduled: {
    subject: (product, date) => `Your cancellation of ${product} is scheduled for ${date}`,
    title: (product) => `Cancellation of ${product} scheduled`,
    autoRenewOffLead: 'Auto-renew is off.',
    autoRenewOff: (product) => `Your ${product} subscription will not renew at the end of the current period.`,
    accessUntil: (product, dateTime) =>
      `You keep access to ${product} until the effective date, ${dateTime}. It is deactivated on that date.`,
    immediate: (product, dateTime) =>
      `The effective date, ${dateTime}, has already been reached: ${product} is being deactivated now.`,
    chargesHeading: 'Final charges',
    chargesIntro: 'Each period is billed in full, without proration.',
    columns: { description: 'Description', period: 'Period', amount: 'Amount' },
    total: 'Total remaining',
    noCharges: 'Nothing remains to be billed.',
    noRefundLead: 'No refund.',
    noRefund: 'Cancelling before the end of a period or contract does not give rise to any refund.',
  },
  reminder: {
    subject: (product, when, date) => `Reminder: ${product} will be deactivated ${when ?? `on ${date}`}`,
    title: (product) => `Reminder: cancellation of ${product}`,
    tomorrow: 'tomorrow',
    inDays: (days) => `in ${days} days`,
    deactivation: (product, when, dateTime) =>
      `${product} will be deactivated ${when === null ? '' : `${when}, `}on the effective date, ${dateTime}.`,
    openHeading: 'Still open',
    nothingOpen: 'Your checklist is complete: there is nothing else to do.',
    deactivatedAnyway: (product) =>
      `${product} will be deactivated on the effective date even if these items are still open: its ` +
      'licences will be released from all users, and any data that is not backed up is at risk of being lost.',
  },
  withdrawn: {
    subject: (product) => `Your cancellation of ${product} is withdrawn`,
    title: (product) => `Cancellation of ${product} withdrawn`,
    withdrawnAt: (product, dateTime) =>
      dateTime === null
        ? `The cancellation of ${product} has been withdrawn.`
        : `The cancellation of ${product} was withdrawn on ${dateTime}.`,
    autoRenewOnLead: 'Auto-renew is back on.',
    autoRenewOn: (product) =>
      `Your ${product} subscription goes on and will renew at the end of the current period as usual.`,
    nothingToDo: 'There is nothing else to do. If you still want to cancel, you can request a new cancellation.',
  },
  completed: {
    subject: (product) => `Your cancellation of ${product} is complete`,
    title: (product) => `${product} deactivated`,
    deactivatedAt: (product, dateTime) => `${product} was deactivated on ${dateTime}.`,
    licencesReleased: 'Its licences have been released from all users.',
    backupUnconfirmedLead: 'Your data backup was never confirmed.',
    backupUnconfirmed:
      'Data that was not backed up or transferred before the deactivation may be lost. If you still need it, ' +
      'contact support without delay.',
    backupConfirmed: (location) =>
      location === null ? 'Your data backup was confirmed.' : `Your data backup was confirmed (location: ${location}).`,
    discover: (product) =>
      `${product} now appears under "Discover other products" in the admin console, where you can buy it ` +
      'again at any time.',
  },
  refused: {
    subject: (product) => `Your cancellation of ${product} was not accepted`,
    title: (product) => `Cancellation of ${product} not accepted`,
    notAccepted: 'This cancellation was not accepted: nothing has changed on your subscription.',
    heading: 'Why, and what to do',
    roleLead: 'Your role does not allow this cancellation.',
    roleRule: (scope, roles) => `${scope} can only be cancelled by ${roles}. Ask ${roles} to cancel it.`,
    roleUnknownRule:
      'A Connect plan can only be cancelled by a super admin; a subscription bought through a sales ' +
      'representative, by a product admin or an authorised billing contact; any other plan, by a super admin ' +
      'or a billing admin. Ask someone who holds the right role to cancel it.',
    ruleScope: {
      P8: 'A Connect plan',
      P9: 'A subscription bought through a sales representative',
      P10: 'This subscription',
    },
    roles: {
      super_admin: 'a super admin',
      billing_admin: 'a billing admin',
      product_admin: 'a product admin',
      authorized_billing_contact: 'an authorised billing contact',
    },
    balanceLead: (amount) =>
      amount === null
        ? 'Your account has an outstanding balance.'
        : `Your account has an outstanding balance of ${amount}.`,
    balance: 'Pay the open invoices shown in the admin console, then request the cancellation again.',
    notOnlineLead: (product) => `${product} cannot be cancelled online.`,
    notOnline:
      'This is often the case for contracts and for purchases through a sales representative. Contact support, ' +
      'who can cancel it for you, or your sales representative. Have ready: your account, the billing ' +
      "admin's e-mail address, the last four digits and the billing address of the payment method on file, " +
      'and the products to cancel.',
    alreadyCancelledLead: 'This subscription is already cancelled.',
    alreadyCancelled: 'There is nothing to do.',
    otherLead: 'Other reason:',
  },
};

const fr: MailMessages = {
  intl: { dates: 'fr', numbers: 'fr', lists: 'fr' },
  common: {
    requestedBy: (product, email, dateTime) =>
      `La résiliation de ${product} a été demandée par ${email} le ${dateTime}.`,
    submittedBySupport: (product, email, dateTime) =>
      `La résiliation de ${product} a été transmise par l'assistance pour le compte de ${email} le ${dateTime}.`,
    reasonGiven: (label) => `Motif indiqué${nbsp}: ${label}.`,
    comment: (comment) => `Votre commentaire${nbsp}: «${nbsp}${comment}${nbsp}»`,
    reasons: {
      too_expensive: 'trop cher',
      missing_features: 'fonctionnalités manquantes',
      switched_service: 'passage à un autre service',
      not_used: 'non utilisé',
      other: 'autre',
    },
    withdrawHeading: `Vous avez changé d'avis${nbsp}?`,
    withdrawHow: (id, dateTime) =>
      `Vous pouvez retirer cette résiliation jusqu'au ${dateTime}${nbsp}: depuis la page de la résiliation ` +
      `dans le portail (/portal), ou par l'API avec POST /v1/cancellations/${id}/withdraw. Le renouvellement ` +
      'automatique est alors réactivé.',
    cancellationReference: (id) => `Référence de la résiliation${nbsp}: ${id}`,
    subscriptionReference: (id) => `Abonnement${nbsp}: ${id}`,
    footer: (product) => `Ce message automatique concerne votre abonnement à ${product}.`,
    minorUnits: (amount, currency) => `${amount} (${currency}, en unités mineures)`,
    labelled: (label, value) => `${label}${nbsp}: ${value}`,
  },
  checklist: {
    heading: "Avant la date d'effet",
    open: `Reste à faire${nbsp}:`,
    done: `Déjà fait${nbsp}:`,
    balanceOpen: "Réglez les factures impayées de votre compte (visibles dans la console d'administration).",
    licencesOpen: (product) =>
      `Retirez à tous les utilisateurs les licences de ${product}, afin que personne ne l'utilise plus quand ` +
      "l'abonnement prendra fin.",
    backupOpen:
      'Sauvegardez ou transférez toutes les données dont vous avez encore besoin, y compris les données ' +
      'utilisateur, puis confirmez la sauvegarde.',
    balanceDone: 'Aucun solde impayé.',
    licencesDone: 'Licences retirées à tous les utilisateurs.',
    backupDone: (location) =>
      location === null
        ? 'Sauvegarde des données confirmée.'
        : `Sauvegarde des données confirmée (emplacement${nbsp}: ${location}).`,
    allDone: `Tout est prêt${nbsp}: plus rien à faire avant la date d'effet.`,
  },
  scheduled: {
    subject: (product, date) => `La résiliation de ${product} est prévue le ${date}`,
    title: (product) => `Résiliation de ${product} programmée`,
    autoRenewOffLead: 'Le renouvellement automatique est désactivé.',
    autoRenewOff: (product) => `Votre abonnement à ${product} ne sera pas renouvelé à la fin de la période en cours.`,
    accessUntil: (product, dateTime) =>
      `Vous conservez l'accès à ${product} jusqu'à la date d'effet, le ${dateTime}. Le produit sera désactivé ` +
      'à cette date.',
    immediate: (product, dateTime) =>
      `La date d'effet, le ${dateTime}, est déjà atteinte${nbsp}: ${product} est en cours de désactivation.`,
    chargesHeading: 'Derniers montants facturés',
    chargesIntro: 'Chaque période est facturée en entier, sans calcul au prorata.',
    columns: { description: 'Description', period: 'Période', amount: 'Montant' },
    total: 'Total restant dû',
    noCharges: 'Il ne reste rien à facturer.',
    noRefundLead: 'Aucun remboursement.',
    noRefund: "Une résiliation avant la fin d'une période ou d'un contrat ne donne lieu à aucun remboursement.",
  },
  reminder: {
    subject: (product, when, date) => `Rappel${nbsp}: le produit ${product} sera désactivé ${when ?? `le ${date}`}`,
    title: (product) => `Rappel${nbsp}: résiliation de ${product}`,
    tomorrow: 'demain',
    inDays: (days) => `dans ${days} jours`,
    deactivation: (product, when, dateTime) =>
      `Le produit ${product} sera désactivé ${when === null ? '' : `${when}, `}à la date d'effet, le ${dateTime}.`,
    openHeading: 'Points encore ouverts',
    nothingOpen: `Votre liste de vérification est complète${nbsp}: plus rien à faire.`,
    deactivatedAnyway: (product) =>
      `Le produit ${product} sera désactivé à la date d'effet même si ces points restent ouverts${nbsp}: ses ` +
      "licences seront libérées pour tous les utilisateurs, et les données qui n'ont pas été sauvegardées " +
      "risquent d'être perdues.",
  },
  withdrawn: {
    subject: (product) => `La résiliation de ${product} a été retirée`,
    title: (product) => `Résiliation de ${product} retirée`,
    withdrawnAt: (product, dateTime) =>
      dateTime === null
        ? `La résiliation de ${product} a été retirée.`
        : `La résiliation de ${product} a été retirée le ${dateTime}.`,
    autoRenewOnLead: 'Le renouvellement automatique est réactivé.',
    autoRenewOn: (product) =>
      `Votre abonnement à ${product} continue et sera renouvelé à la fin de la période en cours, comme d'habitude.`,
    nothingToDo:
      "Vous n'avez rien d'autre à faire. Si vous souhaitez toujours résilier, vous pouvez demander une nouvelle " +
      'résiliation.',
  },
  completed: {
    subject: (product) => `La résiliation de ${product} est effective`,
    title: (product) => `Produit ${product} désactivé`,
    deactivatedAt: (product, dateTime) => `Le produit ${product} a été désactivé le ${dateTime}.`,
    licencesReleased: 'Ses licences ont été libérées pour tous les utilisateurs.',
    backupUnconfirmedLead: "La sauvegarde de vos données n'a jamais été confirmée.",
    backupUnconfirmed:
      "Les données qui n'ont pas été sauvegardées ou transférées avant la désactivation risquent d'être " +
      `perdues. Si vous en avez encore besoin, contactez l'assistance sans attendre.`,
    backupConfirmed: (location) =>
      location === null
        ? 'La sauvegarde de vos données a été confirmée.'
        : `La sauvegarde de vos données a été confirmée (emplacement${nbsp}: ${location}).`,
    discover: (product) =>
      `Le produit ${product} apparaît désormais sous «${nbsp}Découvrir d'autres produits${nbsp}» dans la ` +
      "console d'administration, où vous pouvez l'acheter de nouveau à tout moment.",
  },
  refused: {
    subject: (product) => `Votre demande de résiliation de ${product} n'a pas été acceptée`,
    title: (product) => `Résiliation de ${product} non acceptée`,
    notAccepted: `Cette résiliation n'a pas été acceptée${nbsp}: rien n'a changé sur votre abonnement.`,
    heading: 'Pourquoi, et que faire',
    roleLead: 'Votre rôle ne permet pas cette résiliation.',
    roleRule: (scope, roles) => `${scope} ne peut être résilié que par ${roles}. Demandez à ${roles} de le résilier.`,
    roleUnknownRule:
      `Un forfait Connect ne peut être résilié que par un super-administrateur${nbsp}; un abonnement acheté ` +
      `auprès d'un commercial, par un administrateur de produit ou un contact de facturation autorisé${nbsp}; ` +
      'tout autre forfait, par un super-administrateur ou un administrateur de facturation. Demandez à une ' +
      'personne qui a le bon rôle de le résilier.',
    ruleScope: {
      P8: 'Un forfait Connect',
      P9: "Un abonnement acheté auprès d'un commercial",
      P10: 'Cet abonnement',
    },
    roles: {
      super_admin: 'un super-administrateur',
      billing_admin: 'un administrateur de facturation',
      product_admin: 'un administrateur de produit',
      authorized_billing_contact: 'un contact de facturation autorisé',
    },
    balanceLead: (amount) =>
      amount === null
        ? 'Votre compte présente un solde impayé.'
        : `Votre compte présente un solde impayé de ${amount}.`,
    balance:
      "Réglez les factures impayées visibles dans la console d'administration, puis demandez à nouveau la " +
      'résiliation.',
    notOnlineLead: (product) => `Le produit ${product} ne peut pas être résilié en ligne.`,
    notOnline:
      "C'est souvent le cas des contrats et des achats auprès d'un commercial. Contactez l'assistance, qui peut " +
      `le résilier pour vous, ou votre commercial. Préparez${nbsp}: votre compte, l'adresse e-mail de ` +
      "l'administrateur de facturation, les quatre derniers chiffres et l'adresse de facturation du moyen de " +
      'paiement enregistré, et le ou les produits à résilier.',
    alreadyCancelledLead: 'Cet abonnement est déjà résilié.',
    alreadyCancelled: "Vous n'avez rien à faire.",
    otherLead: `Autre motif${nbsp}:`,
  },
};

// A locale without its catalogue fails to compile here.
export const catalogues: Record<MailLocale, MailMessages> = { en, fr };
