/**
 * Following a cancellation (P16): its stage, the effective date and the time left, the live checklist (P6 licences,
 * P7 backup, P4 balance), the e-mails sent, and "withdraw" while it is allowed. Buttons appear only for the roles
 * that may use them; the server checks again whatever is posted.
 */
import type { CancellationView as Cancellation } from '../../domain';
import { form, html, type FormSecrets, type Html } from '../html';
import type { NotificationTemplate } from '../messages';
import { timeLeft, type Say } from './common';

export interface CancellationPage {
  cancellation: Cancellation;
  productName: string;
  licencesAssigned: number;
  may: { unassign: boolean; backup: boolean; withdraw: boolean };
  notifications: { template: string; status: string; sentAt: string | null }[];
  now: Date;
}

const OPEN_STAGES = ['awaiting_prerequisites', 'scheduled'];

export function cancellationBody(view: CancellationPage, s: Say, secrets: FormSecrets): Html {
  const { cancellation: c, may } = view;
  const { m } = s;
  const mc = m.cancellation;
  const open = OPEN_STAGES.includes(c.stage);
  const item = (name: string, done: boolean, text: string, action: Html | '' = '') =>
    html`<li data-item="${name}" data-done="${String(done)}">${text}${action}</li>`;
  const unassign =
    open && may.unassign && !c.checklist.licensesUnassigned
      ? form(
          `/portal/cancellations/${c.id}/unassign-all`,
          secrets,
          { testId: 'unassign-form' },
          html`<div class="actions"><button type="submit">${mc.unassignAll}</button></div>`,
        )
      : '';
  const backup =
    open && may.backup && !c.checklist.dataBackedUp
      ? form(
          `/portal/cancellations/${c.id}/data-backup`,
          secrets,
          { testId: 'backup-form' },
          html`<label for="location">${mc.backupLocation}</label>
            <input
              type="text"
              id="location"
              name="location"
              required
              maxlength="1000"
              aria-describedby="location-hint"
            />
            <p id="location-hint" class="muted">${mc.backupHint}</p>
            <div class="actions"><button type="submit">${mc.confirmBackup}</button></div>`,
        )
      : '';
  const checklist = html`<ul class="checklist" data-testid="checklist">
    ${item('licenses', c.checklist.licensesUnassigned, c.checklist.licensesUnassigned ? mc.licencesDone : mc.licencesOpen(view.licencesAssigned), unassign)}
    ${item('backup', c.checklist.dataBackedUp, c.checklist.dataBackedUp ? mc.backupDone(c.checklist.dataBackupLocation) : mc.backupOpen, backup)}
    ${item('balance', c.checklist.balanceClear, c.checklist.balanceClear ? mc.balanceDone : mc.balanceOpen)}
  </ul>`;
  const withdraw =
    open && may.withdraw
      ? html`<section aria-labelledby="h-withdraw">
          <h2 id="h-withdraw">${mc.withdrawHeading}</h2>
          <p>${mc.withdrawText}</p>
          ${form(
            `/portal/cancellations/${c.id}/withdraw`,
            secrets,
            { testId: 'withdraw-form' },
            html`<div class="actions"><button type="submit">${mc.withdraw}</button></div>`,
          )}
        </section>`
      : '';
  const notifications = view.notifications.length
    ? html`<ul data-testid="notifications">
        ${view.notifications.map(
          (n) =>
            html`<li>
              ${mc.templates[n.template as NotificationTemplate] ?? n.template} —
              ${
                n.status === 'sent' && n.sentAt
                  ? mc.sent(s.dateTime(n.sentAt))
                  : n.status === 'failed'
                    ? mc.failed
                    : mc.pending
              }
            </li>`,
        )}
      </ul>`
    : html`<p data-testid="notifications" class="muted">${mc.noNotifications}</p>`;
  return html`<h1>${mc.title(view.productName)}</h1>
    <div data-live-region="status" aria-live="polite">
      <dl class="facts">
        <dt>${mc.stage}</dt>
        <dd><span class="stage" data-testid="stage" data-stage="${c.stage}">${mc.stages[c.stage]}</span></dd>
        <dt>${mc.effectiveDate}</dt>
        <dd data-testid="effective-date">${s.dateTime(c.effectiveAt)}</dd>
        <dt>${mc.timeLeft}</dt>
        <dd data-testid="time-left">
          ${open || c.stage === 'deactivating' ? timeLeft(c.effectiveAt, view.now, s) : '—'}
        </dd>
      </dl>
      <p>${mc.stageHelp[c.stage]}</p>
    </div>
    <section aria-labelledby="h-checklist">
      <h2 id="h-checklist">${mc.checklist}</h2>
      <div data-live-region="checklist" aria-live="polite">${checklist}</div>
    </section>
    ${withdraw}
    <section aria-labelledby="h-notifications">
      <h2 id="h-notifications">${mc.notifications}</h2>
      <div data-live-region="notifications">${notifications}</div>
    </section>
    <p class="muted">${open || c.stage === 'deactivating' ? mc.live : ''}</p>`;
}
