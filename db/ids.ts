import { randomUUID } from 'node:crypto';

/**
 * API.md: every id matches this pattern, in the API (a malformed id is a 400, a well-formed unknown
 * one a 404) and in the fixture loader alike.
 */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;
export const ID_PATTERN_MESSAGE = 'expected an id of 1 to 100 letters, digits, "_" or "-"';

/** A new random id with its kind's prefix (`whe_…`, `ps_…`). */
export const newId = (prefix: string): string => `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 20)}`;
