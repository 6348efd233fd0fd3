/** One product: the dry run before anything happens (P11, P2, P13–P15), the cancel form, and its confirmation. */
import type { z } from 'zod';
import type { CancellationPreview, Subscription } from '../../api/schemas';
import { ReasonCodes, type ReasonCode } from '../../domain/types';
import { form, html, type FormSecrets, type Html } from '../html';
import { chargesTable, refusalList, type Say } from './common';

type Sub = z.output<typeof Subscription>;
type Preview = z.output<typeof CancellationPreview>;

export interface SubscriptionView {
  subscription: Sub;
  preview: Preview;
  openCancellationId: string | null;
}

function facts(sub: Sub, s: Say): Html {
  const { m } = s;
  const money = s.mail(sub.product.name).money;
  return html`<dl class="facts">
      <dt>${m.subscription.planLabel}</dt>
      <dd>
        ${m.subscription.billing[sub.billing]}, ${m.subscription.price(money(sub.monthlyPriceCents, sub.currency))}
      </dd>
      <dt>${m.subscription.periodEndLabel}</dt>
      <dd>${s.date(sub.currentPeriodEnd)}</dd>
      <dt>${m.subscription.licencesLabel}</dt>
      <dd>${m.subscription.licences(sub.licenses.assigned, sub.licenses.total)}</dd>
    </dl>
    <p>${sub.autoRenew ? m.subscription.autoRenewOn : m.subscription.autoRenewOff}</p>`;
}

function effective(preview: Preview, s: Say): Html {
  return html`<p>
      <strong>${s.m.subscription.effectiveDate}</strong>${s.locale === 'fr' ? '\u00a0:' : ':'}
      <span data-testid="effective-date">${s.dateTime(preview.effectiveAt)}</span>
    </p>
    <p class="muted">${s.m.subscription.effectiveExplained}</p>`;
}

export function subscriptionBody(view: SubscriptionView, s: Say, secrets: FormSecrets): Html {
  const { subscription: sub, preview } = view;
  const { m } = s;
  const reasons = s.mail(sub.product.name).m.common.reasons;
  const eligibility = html`<section
    data-testid="eligibility"
    data-eligible="${String(preview.eligible)}"
    aria-labelledby="h-before"
  >
    <h2 id="h-before">${m.subscription.beforeYouCancel}</h2>
    ${
      preview.eligible
        ? html`<p>${m.subscription.eligible}</p>`
        : html`<div class="error-box">
            <p>${m.subscription.notEligible}</p>
            ${refusalList(preview.refusals, s, sub.product.name, sub.currency)}
          </div>`
    }
    ${effective(preview, s)}
    <h3>${m.subscription.chargesHeading}</h3>
    ${chargesTable(preview.charges, s, sub.product.name)}
  </section>`;
  const follow = view.openCancellationId
    ? html`<p class="error-box">
        ${m.subscription.inProgress}
        <a data-testid="follow-link" href="/portal/cancellations/${view.openCancellationId}"
          >${m.subscription.followLink}</a
        >
      </p>`
    : '';
  const cancel =
    preview.eligible && !view.openCancellationId
      ? html`<section aria-labelledby="h-cancel">
          <h2 id="h-cancel">${m.subscription.cancelHeading}</h2>
          ${form(
            `/portal/subscriptions/${sub.id}/cancel`,
            secrets,
            { testId: 'cancel-form' },
            html`<fieldset>
                <legend>${m.subscription.reasonLegend}</legend>
                ${ReasonCodes.map((code) => html`<label><input type="radio" name="reasonCode" value="${code}" /> ${capitalize(reasons[code])}</label>`)}
              </fieldset>
              <label for="comment">${m.subscription.commentLabel}</label>
              <textarea
                id="comment"
                name="comment"
                rows="3"
                maxlength="1000"
                aria-describedby="comment-hint"
              ></textarea>
              <p id="comment-hint" class="muted">${m.subscription.commentHint}</p>
              <div class="actions"><button type="submit" class="primary">${m.subscription.continue}</button></div>`,
          )}
        </section>`
      : '';
  return html`<h1>${sub.product.name}</h1>
    ${facts(sub, s)}${follow}${eligibility}${cancel}`;
}

export interface ConfirmView {
  subscription: Sub;
  preview: Preview;
  reason: { code: ReasonCode; comment?: string } | null;
}

/** The confirmation step: restates the effective date and the charges, and carries the reason on. */
export function confirmBody(view: ConfirmView, s: Say, secrets: FormSecrets): Html {
  const { subscription: sub, preview, reason } = view;
  const { m } = s;
  const reasons = s.mail(sub.product.name).m.common.reasons;
  return html`<div data-testid="confirm">
    <h1>${m.confirm.title(sub.product.name)}</h1>
    <p>${m.confirm.intro(sub.product.name)}</p>
    ${effective(preview, s)}
    <h2>${m.subscription.chargesHeading}</h2>
    ${chargesTable(preview.charges, s, sub.product.name)}
    <p>${reason ? m.confirm.reason(reasons[reason.code]) : m.confirm.noReason}</p>
    ${reason?.comment ? html`<blockquote>${reason.comment}</blockquote>` : ''}
    ${form(
      `/portal/subscriptions/${sub.id}/cancel/confirm`,
      secrets,
      { testId: 'confirm-form' },
      html`${reason ? html`<input type="hidden" name="reasonCode" value="${reason.code}" />` : ''}
        ${reason?.comment ? html`<input type="hidden" name="comment" value="${reason.comment}" />` : ''}
        <div class="actions">
          <button type="submit" class="danger">${m.confirm.button}</button>
          <a href="/portal/subscriptions/${sub.id}">${m.confirm.back}</a>
        </div>`,
    )}
  </div>`;
}

const capitalize = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);
