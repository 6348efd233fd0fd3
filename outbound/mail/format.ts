/**
 * Saying things in a mail: the catalogue and the dates, amounts and lists of the mail's language, free text kept
 * to one line, HTML escaping, and the word wrap of the plain-text part.
 */
import { catalogues, type MailLocale, type MailMessages } from './messages';

/** Escapes text for HTML content and quoted attribute values alike. */
export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Free text from customers or other systems, on one line: no control characters, no line breaks. */
export function oneLine(value: string): string {
  return (
    value
      // Matching control characters is the point here: they are what must not reach a subject or a line.
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')
      .replace(/ {2,}/g, ' ')
      .trim()
  );
}

/** The width of the plain-text part. */
export const textWidth = 72;

/** Word-wraps on ordinary spaces only: no-break spaces (French punctuation, amounts) keep their words together. */
export function wrap(text: string, firstPrefix = '', restPrefix = firstPrefix): string[] {
  const lines: string[] = [];
  let line = firstPrefix;
  let empty = true;
  for (const word of text.split(' ')) {
    if (word === '') continue;
    if (!empty && line.length + 1 + word.length > textWidth) {
      lines.push(line);
      line = restPrefix + word;
    } else {
      line = empty ? line + word : `${line} ${word}`;
    }
    empty = false;
  }
  lines.push(line);
  return lines;
}

/** What a template is written with: the catalogue of the mail's language, the product's name, and formatters. */
export interface Context {
  m: MailMessages;
  product: string;
  /** "31 December 2026" */
  date: (iso: string) => string;
  /** "31 December 2026, 23:59 UTC" */
  dateTime: (iso: string) => string;
  period: (start: string, end: string) => string;
  money: (minorUnits: number, currency: string) => string;
  /** "a, b or c" */
  or: (items: string[]) => string;
}

export function context(locale: MailLocale, product: string): Context {
  const m = catalogues[locale];
  const utc = { timeZone: 'UTC' } as const;
  const longDate = new Intl.DateTimeFormat(m.intl.dates, { ...utc, dateStyle: 'long' });
  const mediumDate = new Intl.DateTimeFormat(m.intl.dates, { ...utc, dateStyle: 'medium' });
  const time = new Intl.DateTimeFormat(m.intl.dates, { ...utc, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const orList = new Intl.ListFormat(m.intl.lists, { type: 'disjunction' });
  // A timestamp that does not parse is shown as it came rather than failing the whole mail.
  const withDate = (iso: string, format: (d: Date) => string): string => {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? oneLine(iso) : format(d);
  };
  return {
    m,
    product,
    date: (iso) => withDate(iso, (d) => longDate.format(d)),
    dateTime: (iso) => withDate(iso, (d) => `${longDate.format(d)}, ${time.format(d)} UTC`),
    period: (start, end) =>
      `${withDate(start, (d) => mediumDate.format(d))} – ${withDate(end, (d) => mediumDate.format(d))}`,
    money: (minorUnits, currency) => formatMoney(m, minorUnits, currency),
    or: (items) => orList.format(items),
  };
}

/**
 * Money travels in integer minor units (API.md); how many of them make a unit depends on the currency (JPY 0,
 * EUR 2, KWD 3), which Intl knows: its maximum fraction digits for the currency is that exponent.
 */
function formatMoney(m: MailMessages, minorUnits: number, currency: string): string {
  let format: Intl.NumberFormat;
  try {
    format = new Intl.NumberFormat(m.intl.numbers, { style: 'currency', currency });
  } catch {
    // Not a currency code Intl accepts: say the integer as it is rather than guess its exponent.
    return m.common.minorUnits(new Intl.NumberFormat(m.intl.numbers).format(minorUnits), oneLine(currency));
  }
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(minorUnits / 10 ** digits);
}
