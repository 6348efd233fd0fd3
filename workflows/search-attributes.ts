import { defineSearchAttributeKey } from '@temporalio/common';

/**
 * Custom search attributes operators filter on in the Temporal Web UI. `npm start` registers them on
 * its dev server; `npm run temporal:search-attributes` registers them on any other server.
 */
export const AccountId = defineSearchAttributeKey('AccountId', 'KEYWORD');
export const SubscriptionId = defineSearchAttributeKey('SubscriptionId', 'KEYWORD');
export const ProductFamily = defineSearchAttributeKey('ProductFamily', 'KEYWORD');
export const CancellationStage = defineSearchAttributeKey('CancellationStage', 'KEYWORD');
export const CancellationChannel = defineSearchAttributeKey('CancellationChannel', 'KEYWORD');
export const EffectiveAt = defineSearchAttributeKey('EffectiveAt', 'DATETIME');
/** Which checklist items are still open: `licenses`, `data_backup`. */
export const PrerequisitesOpen = defineSearchAttributeKey('PrerequisitesOpen', 'KEYWORD_LIST');

export const searchAttributeKeys = [
  AccountId,
  SubscriptionId,
  ProductFamily,
  CancellationStage,
  CancellationChannel,
  EffectiveAt,
  PrerequisitesOpen,
] as const;

/** `KEYWORD_LIST` → `KeywordList`: the spelling of `temporal server start-dev --search-attribute`. */
export function cliTypeName(type: string): string {
  return type
    .toLowerCase()
    .split('_')
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');
}
