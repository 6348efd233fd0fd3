import type { CancellationView } from '../../domain/cancellation';
import type { Refusal } from '../../domain/errors';
import { catalogues } from '../../outbound/mail/messages';
import {
  escapeHtml,
  isMailTemplate,
  mailLocale,
  MailTemplates,
  renderMail,
  type MailInput,
  type MailLocale,
  type MailTemplate,
  type RefusalObject,
  type RenderedMail,
} from '../../outbound/mail/render';

const webinar = { code: 'webinar', name: 'GoTo Webinar' };

function cancellation(overrides: Partial<CancellationView> = {}): CancellationView {
  return {
    id: 'can_1',
    subscriptionId: 'sub_1',
    accountId: 'acc_1',
    stage: 'awaiting_prerequisites',
    channel: 'online',
    requestedBy: { userId: 'usr_1', email: 'ada@acme.test' },
    submittedBy: { supportAgentId: null },
    reason: { code: 'too_expensive', comment: 'Budget cuts' },
    requestedAt: '2026-11-28T10:15:00.000Z',
    effectiveAt: '2026-12-31T23:59:00.000Z',
    completedAt: null,
    withdrawnAt: null,
    checklist: { balanceClear: true, licensesUnassigned: false, dataBackedUp: false, dataBackupLocation: null },
    charges: {
      currency: 'EUR',
      remainingCents: 9850,
      refundCents: 0,
      lines: [
        {
          description: 'Current period',
          periodStart: '2026-11-30T23:59:00.000Z',
          periodEnd: '2026-12-31T23:59:00.000Z',
          amountCents: 4900,
        },
        {
          description: 'Extra seats',
          periodStart: '2026-11-30T23:59:00.000Z',
          periodEnd: '2026-12-31T23:59:00.000Z',
          amountCents: 4950,
        },
      ],
    },
    warnings: [],
    workflowId: 'cancellation-sub_1-1',
    ...overrides,
  };
}

function refusalObject(refusals: Refusal[]): RefusalObject {
  return {
    subscriptionId: 'sub_1',
    accountId: 'acc_1',
    channel: 'online',
    requestedBy: { userId: 'usr_2', email: 'bob@acme.test' },
    refusals,
    requestedAt: '2026-11-28T10:15:00.000Z',
  };
}

const allRefusals: Refusal[] = [
  {
    code: 'role_not_permitted',
    message: 'This subscription can only be cancelled by a super admin or a billing admin (rule P10).',
    details: { rule: 'P10', requiredRoles: ['super_admin', 'billing_admin'] },
  },
  { code: 'outstanding_balance', message: 'Outstanding balance.', details: { balanceCents: 1200 } },
  { code: 'not_cancellable_online', message: 'Not cancellable online.' },
  { code: 'already_cancelled', message: 'Already cancelled.' },
];

function render(
  template: MailTemplate,
  locale: MailLocale,
  object: CancellationView | RefusalObject = template === 'cancellation_refused'
    ? refusalObject(allRefusals)
    : cancellation(),
  extra: Partial<MailInput> = {},
): RenderedMail {
  return renderMail({ template, locale, product: webinar, object, ...extra });
}

/** What a reader of the HTML part sees: tags dropped, entities decoded, spaces made plain. */
function visible(html: string): string {
  return plain(
    html
      .replace(/<[^>]*>/g, ' ')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&'),
  );
}

/** Intl and French typography use no-break spaces; assertions are written with plain ones. */
function plain(text: string): string {
  return text.replace(/[\u00a0\u202f]/g, ' ').replace(/\s+/g, ' ');
}

/** Both parts of a mail, as a reader sees them, so one assertion checks that they state the same fact. */
function parts(mail: RenderedMail): string[] {
  return [plain(mail.text), visible(mail.html)];
}

function expectInBoth(mail: RenderedMail, ...facts: string[]): void {
  for (const part of parts(mail)) for (const fact of facts) expect(part).toContain(fact);
}

function expectInNeither(mail: RenderedMail, ...facts: string[]): void {
  for (const part of parts(mail)) for (const fact of facts) expect(part).not.toContain(fact);
}

const locales: MailLocale[] = ['en', 'fr'];
const everyTemplateAndLocale = MailTemplates.flatMap((template) =>
  locales.map((locale) => [template, locale] as const),
);

describe('renderMail', () => {
  describe.each(everyTemplateAndLocale)('%s in %s', (template, locale) => {
    const mail = render(template, locale, undefined, { before: '7d' });

    it('has a subject, a text part and an HTML part, none of them empty', () => {
      expect(mail.subject.trim()).not.toBe('');
      expect(mail.subject).not.toMatch(/[\r\n]/);
      expect(mail.text.trim()).not.toBe('');
      expect(visible(mail.html).trim()).not.toBe('');
    });

    it('is a complete HTML document in the mail language, with inline styles and no external resource', () => {
      expect(mail.html.startsWith('<!doctype html>\n')).toBe(true);
      expect(mail.html).toContain(`<html lang="${locale}">`);
      expect(mail.html).toContain('<meta charset="utf-8">');
      expect(mail.html.trimEnd().endsWith('</html>')).toBe(true);
      expect(mail.html).not.toMatch(/<(style|link|script|img|iframe)\b/i);
      expect(mail.html).not.toMatch(/\b(src|href)=/i);
      expect(mail.html).not.toMatch(/https?:/i);
    });

    it('wraps the text part at 72 columns', () => {
      for (const line of mail.text.split('\n')) expect(line.length).toBeLessThanOrEqual(72);
    });
  });

  describe('cancellation_scheduled', () => {
    it('names the product and the effective date in the subject, in both languages', () => {
      expect(render('cancellation_scheduled', 'en').subject).toBe(
        'Your cancellation of GoTo Webinar is scheduled for 31 December 2026',
      );
      expect(render('cancellation_scheduled', 'fr').subject).toBe(
        'La résiliation de GoTo Webinar est prévue le 31 décembre 2026',
      );
    });

    it('says auto-renew is off and access lasts until the effective date, in UTC (P1, P2)', () => {
      expectInBoth(
        render('cancellation_scheduled', 'en'),
        'Auto-renew is off.',
        'You keep access to GoTo Webinar until the effective date, 31 December 2026, 23:59 UTC.',
      );
      expectInBoth(
        render('cancellation_scheduled', 'fr'),
        'Le renouvellement automatique est désactivé.',
        "jusqu'à la date d'effet, le 31 décembre 2026, 23:59 UTC",
      );
    });

    it('lists each charge line with its period and amount, and the total remaining (P13, P14)', () => {
      expectInBoth(
        render('cancellation_scheduled', 'en'),
        'Current period',
        'Extra seats',
        '30 Nov 2026 – 31 Dec 2026',
        '€49.00',
        '€49.50',
        'Total remaining',
        '€98.50',
      );
      expectInBoth(
        render('cancellation_scheduled', 'fr'),
        '30 nov. 2026 – 31 déc. 2026',
        '49,00 €',
        '49,50 €',
        'Total restant dû',
        '98,50 €',
      );
    });

    it('puts the charges in an HTML table, one row per line', () => {
      const { html } = render('cancellation_scheduled', 'en');
      expect(html).toContain('<table');
      expect(html.match(/<tbody>[\s\S]*<\/tbody>/)?.[0].match(/<tr>/g)).toHaveLength(2);
    });

    it('says there is no refund, in both languages (P15)', () => {
      expectInBoth(render('cancellation_scheduled', 'en'), 'No refund.');
      expectInBoth(
        render('cancellation_scheduled', 'fr'),
        'Aucun remboursement.',
        'ne donne lieu à aucun remboursement',
      );
    });

    it('lists the checklist items still open: balance, licences, backup (P4, P6, P7)', () => {
      const open = cancellation({
        checklist: { balanceClear: false, licensesUnassigned: false, dataBackedUp: false, dataBackupLocation: null },
      });
      expectInBoth(
        render('cancellation_scheduled', 'en', open),
        'Pay the open invoices',
        'Unassign the licences of GoTo Webinar from all users',
        'Back up or transfer all the data you still need',
      );
      expectInBoth(
        render('cancellation_scheduled', 'fr', open),
        'Réglez les factures impayées',
        'Retirez à tous les utilisateurs les licences de GoTo Webinar',
        'Sauvegardez ou transférez toutes les données',
      );
    });

    it('shows done items as done and says so when nothing is left (P6, P7)', () => {
      const done = cancellation({
        checklist: {
          balanceClear: true,
          licensesUnassigned: true,
          dataBackedUp: true,
          dataBackupLocation: 's3://acme',
        },
      });
      const mail = render('cancellation_scheduled', 'en', done);
      expectInBoth(mail, 'Everything is ready', 'Licences unassigned from all users.', 'location: s3://acme');
      expectInNeither(mail, 'Unassign the licences', 'Pay the open invoices');
    });

    it('gives the cancellation id and both ways to withdraw before the effective date', () => {
      expectInBoth(
        render('cancellation_scheduled', 'en'),
        'Cancellation reference: can_1',
        'You can withdraw this cancellation until 31 December 2026, 23:59 UTC',
        'portal',
        'POST /v1/cancellations/can_1/withdraw',
      );
      expectInBoth(
        render('cancellation_scheduled', 'fr'),
        'Référence de la résiliation : can_1',
        "l'API avec POST /v1/cancellations/can_1/withdraw",
      );
    });

    it('says support submitted it when it came through support (P12)', () => {
      const viaSupport = cancellation({ channel: 'support', submittedBy: { supportAgentId: 'agt_1' } });
      expectInBoth(
        render('cancellation_scheduled', 'en', viaSupport),
        'submitted by support on behalf of ada@acme.test',
      );
    });

    it('says it takes effect at once, with no withdrawal, when the effective date was already reached', () => {
      const atOnce = cancellation({ effectiveAt: '2026-11-28T10:15:00.000Z' });
      const mail = render('cancellation_scheduled', 'en', atOnce);
      expectInBoth(mail, 'has already been reached: GoTo Webinar is being deactivated now');
      expectInNeither(mail, 'withdraw');
    });

    it('says there is nothing left to bill when there is no charge line', () => {
      const none = cancellation({ charges: { currency: 'EUR', remainingCents: 0, refundCents: 0, lines: [] } });
      const mail = render('cancellation_scheduled', 'fr', none);
      expectInBoth(mail, 'Il ne reste rien à facturer.', 'Aucun remboursement.');
      expect(mail.html).not.toContain('<table');
    });
  });

  describe('money', () => {
    const inCurrency = (currency: string, amountCents: number) =>
      cancellation({
        charges: {
          currency,
          remainingCents: amountCents,
          refundCents: 0,
          lines: [
            {
              description: 'Current period',
              periodStart: '2026-12-01T00:00:00.000Z',
              periodEnd: '2026-12-31T23:59:00.000Z',
              amountCents,
            },
          ],
        },
      });

    it('formats a JPY amount (no minor unit) without decimals', () => {
      const en = render('cancellation_scheduled', 'en', inCurrency('JPY', 4900));
      expectInBoth(en, '¥4,900');
      expectInNeither(en, '¥4,900.00', '¥49 ', '¥49.00');
      const fr = render('cancellation_scheduled', 'fr', inCurrency('JPY', 4900));
      expectInBoth(fr, '4 900 JPY');
      expectInNeither(fr, '4 900,00', '49,00');
    });

    it('formats a KWD amount (three decimals) from its minor units', () => {
      expectInBoth(render('cancellation_scheduled', 'en', inCurrency('KWD', 1234)), 'KWD 1.234');
    });

    it('says an amount in an unknown currency in minor units rather than guessing', () => {
      expectInBoth(render('cancellation_scheduled', 'en', inCurrency('EURO', 4900)), '4,900 (EURO, in minor units)');
    });
  });

  describe('cancellation_reminder', () => {
    it('says "in 7 days" or "tomorrow" from `before`, with the effective date', () => {
      const in7 = render('cancellation_reminder', 'en', cancellation(), { before: '7d' });
      expect(in7.subject).toBe('Reminder: GoTo Webinar will be deactivated in 7 days');
      expectInBoth(in7, 'will be deactivated in 7 days, on the effective date, 31 December 2026, 23:59 UTC');

      const tomorrow = render('cancellation_reminder', 'en', cancellation(), { before: '1d' });
      expect(tomorrow.subject).toBe('Reminder: GoTo Webinar will be deactivated tomorrow');

      const fr7 = render('cancellation_reminder', 'fr', cancellation(), { before: '7d' });
      expect(plain(fr7.subject)).toBe('Rappel : le produit GoTo Webinar sera désactivé dans 7 jours');
      expectInBoth(fr7, "sera désactivé dans 7 jours, à la date d'effet, le 31 décembre 2026, 23:59 UTC");

      const fr1 = render('cancellation_reminder', 'fr', cancellation(), { before: '1d' });
      expect(plain(fr1.subject)).toBe('Rappel : le produit GoTo Webinar sera désactivé demain');
    });

    it('names the date instead when `before` is missing or unreadable', () => {
      const mail = render('cancellation_reminder', 'en', cancellation(), { before: 'soon' });
      expect(mail.subject).toBe('Reminder: GoTo Webinar will be deactivated on 31 December 2026');
    });

    it('lists the open checklist items only (P6, P7)', () => {
      const licencesOpen = cancellation({
        checklist: { balanceClear: true, licensesUnassigned: false, dataBackedUp: true, dataBackupLocation: 'nas' },
      });
      const mail = render('cancellation_reminder', 'en', licencesOpen, { before: '7d' });
      expectInBoth(mail, 'Unassign the licences of GoTo Webinar from all users');
      expectInNeither(mail, 'Back up or transfer', 'Pay the open invoices');

      const backupOpen = cancellation({
        checklist: { balanceClear: true, licensesUnassigned: true, dataBackedUp: false, dataBackupLocation: null },
      });
      const fr = render('cancellation_reminder', 'fr', backupOpen, { before: '1d' });
      expectInBoth(fr, 'Sauvegardez ou transférez toutes les données');
      expectInNeither(fr, 'Retirez à tous les utilisateurs');
    });

    it('warns that deactivation happens on the effective date even with the checklist open (P3, P6, P7)', () => {
      expectInBoth(
        render('cancellation_reminder', 'en', cancellation(), { before: '7d' }),
        'will be deactivated on the effective date even if these items are still open',
        'licences will be released from all users',
        'any data that is not backed up is at risk of being lost',
      );
      expectInBoth(
        render('cancellation_reminder', 'fr', cancellation(), { before: '7d' }),
        "sera désactivé à la date d'effet même si ces points restent ouverts",
        'ses licences seront libérées',
        "risquent d'être perdues",
      );
    });
  });

  describe('cancellation_withdrawn', () => {
    it('says the cancellation is withdrawn, auto-renew is back on and the subscription goes on (P1)', () => {
      const withdrawn = cancellation({ stage: 'withdrawn', withdrawnAt: '2026-12-02T08:00:00.000Z' });
      expectInBoth(
        render('cancellation_withdrawn', 'en', withdrawn),
        'was withdrawn on 2 December 2026, 08:00 UTC',
        'Auto-renew is back on.',
        'subscription goes on',
      );
      expectInBoth(
        render('cancellation_withdrawn', 'fr', withdrawn),
        'a été retirée le 2 décembre 2026, 08:00 UTC',
        'Le renouvellement automatique est réactivé.',
        'Votre abonnement à GoTo Webinar continue',
      );
    });
  });

  describe('cancellation_completed', () => {
    const completed = (warnings: string[]) =>
      cancellation({ stage: 'completed', completedAt: '2027-01-01T00:00:05.000Z', warnings });

    it('says the product was deactivated at completedAt, its licences released, and where to buy it again (P3)', () => {
      expectInBoth(
        render('cancellation_completed', 'en', completed([])),
        'GoTo Webinar was deactivated on 1 January 2027, 00:00 UTC.',
        'Its licences have been released from all users.',
        '"Discover other products"',
        'buy it again',
      );
      expectInBoth(
        render('cancellation_completed', 'fr', completed([])),
        'Le produit GoTo Webinar a été désactivé le 1 janvier 2027, 00:00 UTC.',
        'Ses licences ont été libérées',
        "« Découvrir d'autres produits »",
      );
    });

    it('warns about the unconfirmed backup only when the warning is present (P7)', () => {
      expectInBoth(render('cancellation_completed', 'en', completed(['data_backup_unconfirmed'])), 'never confirmed');
      expectInNeither(render('cancellation_completed', 'en', completed([])), 'never confirmed');
      expectInBoth(
        render('cancellation_completed', 'fr', completed(['data_backup_unconfirmed'])),
        "La sauvegarde de vos données n'a jamais été confirmée.",
      );
      expectInNeither(render('cancellation_completed', 'fr', completed([])), "n'a jamais été confirmée");
    });
  });

  describe('cancellation_refused', () => {
    const refused = (locale: MailLocale, refusals: Refusal[]) =>
      render('cancellation_refused', locale, refusalObject(refusals));

    it('says the cancellation was not accepted', () => {
      const en = refused('en', allRefusals);
      expect(en.subject).toBe('Your cancellation of GoTo Webinar was not accepted');
      expectInBoth(en, 'was not accepted', 'bob@acme.test', 'Subscription: sub_1');
      expect(refused('fr', allRefusals).subject).toBe(
        "Votre demande de résiliation de GoTo Webinar n'a pas été acceptée",
      );
    });

    it('explains each of the four refusal codes with what to do next, in both languages (P4, P8–P12)', () => {
      expectInBoth(
        refused('en', allRefusals),
        'Your role does not allow this cancellation. This subscription can only be cancelled by a super admin or a billing admin.',
        'Pay the open invoices shown in the admin console, then request the cancellation again.',
        'GoTo Webinar cannot be cancelled online.',
        'Contact support, who can cancel it for you, or your sales representative.',
        'This subscription is already cancelled. There is nothing to do.',
      );
      expectInBoth(
        refused('fr', allRefusals),
        'Cet abonnement ne peut être résilié que par un super-administrateur ou un administrateur de facturation.',
        'Réglez les factures impayées',
        'Le produit GoTo Webinar ne peut pas être résilié en ligne.',
        "Contactez l'assistance",
        'Cet abonnement est déjà résilié.',
      );
    });

    it('names the roles of the rule that applied: a super admin for a Connect plan (P8)', () => {
      const connect: Refusal = {
        code: 'role_not_permitted',
        message: 'A Connect plan can only be cancelled by a super admin (rule P8).',
        details: { rule: 'P8', requiredRoles: ['super_admin'] },
      };
      expectInBoth(
        refused('en', [connect]),
        'A Connect plan can only be cancelled by a super admin. Ask a super admin',
      );
      expectInBoth(
        refused('fr', [connect]),
        'Un forfait Connect ne peut être résilié que par un super-administrateur.',
      );
    });

    it('names the roles for a sales-rep purchase (P9)', () => {
      const salesRep: Refusal = {
        code: 'role_not_permitted',
        message: '…',
        details: { rule: 'P9', requiredRoles: ['product_admin', 'authorized_billing_contact'] },
      };
      expectInBoth(refused('en', [salesRep]), 'by a product admin or an authorised billing contact');
    });

    it('explains the whole role matrix when the refusal does not name its rule (P8–P10)', () => {
      const bare: Refusal = { code: 'role_not_permitted', message: 'Not permitted.' };
      expectInBoth(
        refused('en', [bare]),
        'A Connect plan can only be cancelled by a super admin',
        'by a product admin or an authorised billing contact',
        'by a super admin or a billing admin',
      );
    });

    it('leaves out a balance it cannot put in a currency, and shows one it can (P4)', () => {
      const withoutCurrency = refused('en', [allRefusals[1]]);
      expectInBoth(withoutCurrency, 'Your account has an outstanding balance.');
      expectInNeither(withoutCurrency, '1200', '1,200', '12.00');

      const withCurrency = refused('fr', [
        { code: 'outstanding_balance', message: '…', details: { balanceCents: 1200, currency: 'EUR' } },
      ]);
      expectInBoth(withCurrency, 'Votre compte présente un solde impayé de 12,00 €.');
    });
  });

  describe('HTML escaping', () => {
    const hostile = { code: 'webinar', name: 'Webinar <script>alert("x")</script> & Co' };

    it('escapes a hostile product name everywhere in the HTML, title included', () => {
      for (const template of MailTemplates) {
        for (const locale of locales) {
          const object = template === 'cancellation_refused' ? refusalObject(allRefusals) : cancellation();
          const mail = renderMail({ template, locale, product: hostile, object, before: '7d' });
          expect(mail.html).not.toContain('<script');
          expect(mail.html).toContain('Webinar &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co');
          expect(mail.text).toContain('Webinar <script>alert("x")</script> & Co');
        }
      }
    });

    it('escapes a hostile backup location, comment and charge description', () => {
      const object = cancellation({
        reason: { code: 'other', comment: '<script>steal()</script>' },
        checklist: {
          balanceClear: true,
          licensesUnassigned: true,
          dataBackedUp: true,
          dataBackupLocation: '<img src=x onerror=alert(1)>',
        },
        charges: {
          currency: 'EUR',
          remainingCents: 4900,
          refundCents: 0,
          lines: [
            {
              description: '<b onmouseover=x>Seats</b>',
              periodStart: '2026-12-01T00:00:00.000Z',
              periodEnd: '2026-12-31T23:59:00.000Z',
              amountCents: 4900,
            },
          ],
        },
      });
      const scheduled = render('cancellation_scheduled', 'en', object);
      expect(scheduled.html).not.toMatch(/<(script|img|b )/);
      expect(scheduled.html).toContain('&lt;script&gt;steal()&lt;/script&gt;');
      expect(scheduled.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
      expect(scheduled.html).toContain('&lt;b onmouseover=x&gt;Seats&lt;/b&gt;');
      expect(render('cancellation_completed', 'fr', object).html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    });

    it('keeps a product name with line breaks on one subject line', () => {
      const mail = renderMail({
        template: 'cancellation_withdrawn',
        locale: 'en',
        product: { code: 'webinar', name: 'Webinar\r\nBcc: victim@example.test' },
        object: cancellation(),
      });
      expect(mail.subject).toBe('Your cancellation of Webinar Bcc: victim@example.test is withdrawn');
    });

    it('escapes the five HTML-special characters', () => {
      expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
        '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
      );
    });
  });

  describe('French', () => {
    it('writes French month names and day-month-year order', () => {
      const object = cancellation({ effectiveAt: '2027-02-28T23:59:00.000Z', requestedAt: '2026-08-14T09:30:00.000Z' });
      const mail = render('cancellation_scheduled', 'fr', object);
      expect(mail.subject).toBe('La résiliation de GoTo Webinar est prévue le 28 février 2027');
      expectInBoth(mail, 'le 14 août 2026, 09:30 UTC', '28 février 2027, 23:59 UTC');
      expectInNeither(mail, 'February', 'August');
    });
  });

  it('refuses an object that does not fit its template', () => {
    expect(() => render('cancellation_scheduled', 'en', refusalObject(allRefusals))).toThrow(TypeError);
    expect(() => render('cancellation_refused', 'en', cancellation())).toThrow(TypeError);
  });
});

describe('the message catalogues', () => {
  const keysOf = (value: unknown, prefix = ''): string[] =>
    typeof value === 'object' && value !== null
      ? Object.entries(value).flatMap(([key, inner]) => keysOf(inner, `${prefix}${key}.`))
      : [`${prefix.slice(0, -1)}:${typeof value}`];

  it('hold the same keys, of the same kinds, in English and French', () => {
    expect(keysOf(catalogues.fr).sort()).toEqual(keysOf(catalogues.en).sort());
  });
});

describe('isMailTemplate', () => {
  it('accepts the five notification templates of API.md and nothing else', () => {
    for (const template of MailTemplates) expect(isMailTemplate(template)).toBe(true);
    expect(isMailTemplate('cancellation_failed')).toBe(false);
    expect(isMailTemplate('')).toBe(false);
  });
});

describe('mailLocale', () => {
  it('reads any French tag as fr', () => {
    for (const value of ['fr', 'FR', 'fr-FR', 'fr_CA', ' fr-be ']) expect(mailLocale(value)).toBe('fr');
  });

  it('falls back to English for anything else, missing included', () => {
    for (const value of ['en', 'en-GB', 'de', 'frisian', '', null, undefined]) expect(mailLocale(value)).toBe('en');
  });
});
