/**
 * The small document every template builds (headings, paragraphs, lists, the charges table) and its two
 * renderings, plain text and HTML: both come from the one document, so both parts of a mail state the same facts.
 * Every string is raw here; the HTML writer escapes each one.
 */
import { escapeHtml, textWidth, wrap } from './format';
import type { MailLocale, MailMessages } from './messages';

/** A sentence, optionally opened by a short statement the HTML sets in bold. */
export interface Sentence {
  lead?: string;
  text: string;
}

/** A line of the charges table, its header included. */
interface ChargeCells {
  description: string;
  period: string;
  amount: string;
}

export type Block =
  | { kind: 'heading'; text: string }
  | ({ kind: 'paragraph' } & Sentence)
  | ({ kind: 'notice' } & Sentence)
  | { kind: 'list'; intro?: string; items: Sentence[] }
  | { kind: 'charges'; columns: ChargeCells; rows: ChargeCells[]; total: { label: string; amount: string } }
  | { kind: 'footer'; lines: string[] };

export interface MailDocument {
  subject: string;
  title: string;
  blocks: Block[];
}

export const heading = (text: string): Block => ({ kind: 'heading', text });
export const paragraph = (s: string | Sentence): Block => ({ kind: 'paragraph', ...sentence(s) });
/** A paragraph set apart: something the reader may still have to act on. */
export const notice = (s: string | Sentence): Block => ({ kind: 'notice', ...sentence(s) });
export const list = (items: Sentence[], intro?: string): Block => ({ kind: 'list', intro, items });

function sentence(s: string | Sentence): Sentence {
  return typeof s === 'string' ? { text: s } : s;
}

// ---------------------------------------------------------------------------------------------------------------
// Plain text.

function sentenceText(s: Sentence): string {
  return s.lead === undefined ? s.text : `${s.lead} ${s.text}`;
}

const bullet = (text: string): string[] => wrap(text, '- ', '  ');

function blockText(block: Block, m: MailMessages): string[] {
  switch (block.kind) {
    case 'heading':
      return [block.text, '-'.repeat(Math.min(block.text.length, textWidth))];
    case 'paragraph':
      return wrap(sentenceText(block));
    case 'notice':
      return wrap(sentenceText(block), '! ', '  ');
    case 'list':
      return [
        ...(block.intro === undefined ? [] : wrap(block.intro)),
        ...block.items.map(sentenceText).flatMap(bullet),
      ];
    case 'charges':
      return [
        ...block.rows.flatMap((row) => bullet(m.common.labelled(`${row.description} (${row.period})`, row.amount))),
        ...wrap(m.common.labelled(block.total.label, block.total.amount)),
      ];
    case 'footer':
      return ['--', ...block.lines.flatMap((line) => wrap(line))];
  }
}

export function toText(doc: MailDocument, m: MailMessages): string {
  const title = wrap(doc.title);
  const underline = '='.repeat(Math.min(Math.max(...title.map((line) => line.length)), textWidth));
  return [[...title, underline], ...doc.blocks.map((block) => blockText(block, m))]
    .map((lines) => lines.join('\n'))
    .join('\n\n')
    .concat('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// HTML: one small self-contained document, inline styles only (mail clients drop <style> and external resources).

const styles = {
  body: 'margin:0;padding:24px;background-color:#f4f5f7;font-family:Arial,Helvetica,sans-serif;color:#1f2933;',
  container: 'max-width:600px;margin:0 auto;padding:24px;background-color:#ffffff;border-radius:6px;line-height:1.5;',
  h1: 'margin:0 0 16px;font-size:20px;line-height:1.3;',
  h2: 'margin:24px 0 8px;font-size:16px;line-height:1.3;',
  p: 'margin:0 0 12px;font-size:14px;',
  notice: 'margin:0 0 12px;padding:12px;font-size:14px;background-color:#fff4e5;border-left:4px solid #d9822b;',
  ul: 'margin:0 0 12px;padding-left:20px;font-size:14px;',
  li: 'margin:0 0 6px;',
  table: 'width:100%;margin:0 0 12px;border-collapse:collapse;font-size:14px;',
  th: 'padding:6px 8px;text-align:left;border-bottom:2px solid #cbd2d9;',
  thAmount: 'padding:6px 8px;text-align:right;border-bottom:2px solid #cbd2d9;',
  td: 'padding:6px 8px;text-align:left;border-bottom:1px solid #e4e7eb;vertical-align:top;',
  tdAmount: 'padding:6px 8px;text-align:right;border-bottom:1px solid #e4e7eb;vertical-align:top;white-space:nowrap;',
  total: 'padding:8px;text-align:left;font-weight:bold;',
  totalAmount: 'padding:8px;text-align:right;font-weight:bold;white-space:nowrap;',
  footer: 'margin:24px 0 0;padding-top:12px;border-top:1px solid #e4e7eb;font-size:12px;color:#616e7c;',
} as const;

function sentenceHtml(s: Sentence): string {
  return s.lead === undefined ? escapeHtml(s.text) : `<strong>${escapeHtml(s.lead)}</strong> ${escapeHtml(s.text)}`;
}

function cell(tag: 'th' | 'td', style: string, text: string, attributes = ''): string {
  return `<${tag} style="${style}"${attributes}>${escapeHtml(text)}</${tag}>`;
}

/** A header or body row of the charges table: the amount is set right. */
function chargesRow(tag: 'th' | 'td', row: ChargeCells, style: string, amountStyle: string): string {
  const cells = [cell(tag, style, row.description), cell(tag, style, row.period), cell(tag, amountStyle, row.amount)];
  return `<tr>${cells.join('')}</tr>`;
}

function blockHtml(block: Block): string {
  switch (block.kind) {
    case 'heading':
      return `<h2 style="${styles.h2}">${escapeHtml(block.text)}</h2>`;
    case 'paragraph':
      return `<p style="${styles.p}">${sentenceHtml(block)}</p>`;
    case 'notice':
      return `<p style="${styles.notice}">${sentenceHtml(block)}</p>`;
    case 'list': {
      const intro = block.intro === undefined ? '' : `<p style="${styles.p}">${escapeHtml(block.intro)}</p>\n`;
      const items = block.items.map((item) => `<li style="${styles.li}">${sentenceHtml(item)}</li>`).join('\n');
      return `${intro}<ul style="${styles.ul}">\n${items}\n</ul>`;
    }
    case 'charges': {
      const { columns, rows, total } = block;
      const body = rows.map((row) => chargesRow('td', row, styles.td, styles.tdAmount)).join('\n');
      const totalRow =
        cell('td', styles.total, total.label, ' colspan="2"') + cell('td', styles.totalAmount, total.amount);
      return [
        `<table style="${styles.table}">`,
        `<thead>${chargesRow('th', columns, styles.th, styles.thAmount)}</thead>`,
        `<tbody>\n${body}\n</tbody>`,
        `<tfoot><tr>${totalRow}</tr></tfoot>`,
        '</table>',
      ].join('\n');
    }
    case 'footer':
      return `<p style="${styles.footer}">${block.lines.map(escapeHtml).join('<br>\n')}</p>`;
  }
}

export function toHtml(doc: MailDocument, subject: string, locale: MailLocale): string {
  return [
    '<!doctype html>',
    `<html lang="${locale}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(subject)}</title>`,
    '</head>',
    `<body style="${styles.body}">`,
    `<div style="${styles.container}">`,
    `<h1 style="${styles.h1}">${escapeHtml(doc.title)}</h1>`,
    ...doc.blocks.map(blockHtml),
    '</div>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
