/** The account's products, like the provider's console (P3): active, cancellation scheduled, and "Discover". */
import type { z } from 'zod';
import type { AccountProducts, Subscription } from '../../api/schemas';
import { html, type Html } from '../html';
import type { Say } from './common';

type Sub = z.output<typeof Subscription>;

export interface ProductsView {
  products: z.output<typeof AccountProducts>;
  /** The open cancellation of each subscription that has one. */
  openCancellations: Map<string, string>;
}

export function productsBody(view: ProductsView, s: Say): Html {
  const { m } = s;
  const { active, cancellationScheduled, discover } = view.products;
  const section = (testId: string, heading: string, items: Html[], empty: string, intro?: string) =>
    html`<section data-testid="${testId}" aria-labelledby="h-${testId}">
      <h2 id="h-${testId}">${heading}</h2>
      ${intro ? html`<p class="muted">${intro}</p>` : ''}
      ${
        items.length
          ? html`<ul class="cards">
              ${items}
            </ul>`
          : html`<p class="muted">${empty}</p>`
      }
    </section>`;
  const facts = (sub: Sub) =>
    html`<p class="muted">
      ${m.subscription.billing[sub.billing]} · ${s.mail(sub.product.name).money(sub.monthlyPriceCents, sub.currency)}
    </p>`;
  const activeItem = (sub: Sub) =>
    html`<li data-subscription="${sub.id}">
      <h3>${sub.product.name}</h3>
      ${facts(sub)}
      <p>${m.products.renews(s.date(sub.contractEnd ?? sub.currentPeriodEnd))}</p>
      <a href="/portal/subscriptions/${sub.id}">${m.products.manage(sub.product.name)}</a>
    </li>`;
  const scheduledItem = (sub: Sub) => {
    const cancellationId = view.openCancellations.get(sub.id);
    return html`<li data-subscription="${sub.id}">
      <h3>${sub.product.name}</h3>
      ${facts(sub)}
      <p>${m.products.endsOn(s.date(sub.contractEnd ?? sub.currentPeriodEnd))}</p>
      <a href="/portal/subscriptions/${sub.id}">${m.products.manage(sub.product.name)}</a>
      ${cancellationId ? html` · <a href="/portal/cancellations/${cancellationId}">${m.products.follow(sub.product.name)}</a>` : ''}
    </li>`;
  };
  const discoverItem = (d: (typeof discover)[number]) =>
    html`<li data-product="${d.product.code}">
      <h3>${d.product.name}</h3>
      <p class="muted">${m.products.cancelledOn(s.date(d.cancelledAt))}</p>
    </li>`;
  return html`<h1>${m.products.title}</h1>
    ${section('active', m.products.active, active.map(activeItem), m.products.noActive)}
    ${section('scheduled', m.products.scheduled, cancellationScheduled.map(scheduledItem), m.products.noScheduled)}
    ${section('discover', m.products.discover, discover.map(discoverItem), m.products.noDiscover, m.products.discoverIntro)}`;
}
