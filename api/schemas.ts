import { z } from 'zod';
import { CancellationStages, ReasonCodes } from '../domain/types';
import { ErrorCode, RefusalCodes } from '../domain/errors';
import { ID_PATTERN, ID_PATTERN_MESSAGE } from '../db/ids';
import { ErrorTypes } from './errors';

/**
 * The zod schemas of API.md. Routes validate with them and api/openapi.ts turns the very same
 * objects into the OpenAPI document: there is no second copy to drift.
 *
 * Two registries, because a request is described as the client sends it (`io: 'input'`) and a
 * response as the server produces it (`io: 'output'`). A schema registered here becomes a named
 * component (`#/components/schemas/<id>`).
 */
export interface SchemaMeta {
  id: string;
  description?: string;
}
export const requestSchemas = z.registry<SchemaMeta>();
export const responseSchemas = z.registry<SchemaMeta>();

export function request<T extends z.ZodType>(id: string, schema: T, description?: string): T {
  requestSchemas.add(schema, { id, description });
  return schema;
}
export function response<T extends z.ZodType>(id: string, schema: T, description?: string): T {
  responseSchemas.add(schema, { id, description });
  return schema;
}

// ---- shared pieces ----

/** API.md: a malformed id is a 400 (this pattern), a well-formed unknown one a 404. */
export const ObjectId = z.string().regex(ID_PATTERN, ID_PATTERN_MESSAGE);
export const timestamp = z.iso.datetime({ offset: false });
const cents = z.number().int();
const currency = z.string().regex(/^[A-Z]{3}$/);

/**
 * API.md: C0 control characters other than TAB, LF and CR, and DEL, are refused in every string of a
 * request (a NUL breaks PostgreSQL's text columns).
 */
const CONTROL = String.raw`\x00-\x08\x0B\x0C\x0E-\x1F\x7F`;
export const CONTROL_CHARACTER = new RegExp(`[${CONTROL}]`);
/** What String.prototype.trim() strips: ECMAScript's WhiteSpace and LineTerminator characters. */
const SPACE = String.raw`\t\n\r \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\uFEFF`;
const NO_CONTROL = new RegExp(`^[^${CONTROL}]*$`, 'u');
const VISIBLE = new RegExp(`^[^${CONTROL}]*[^${CONTROL}${SPACE}][^${CONTROL}]*$`, 'u');

/**
 * Free text: no control characters, its length in characters (zod counts code points, as JSON
 * Schema does). With `visible`, at least one character that is not a space, so a value of spaces
 * is refused and the document's `pattern` says so.
 */
export function text(maxLength: number, options: { minLength?: number; visible?: boolean } = {}) {
  const string = options.minLength ? z.string().min(options.minLength) : z.string();
  return string
    .max(maxLength)
    .regex(
      options.visible ? VISIBLE : NO_CONTROL,
      options.visible
        ? 'expected a character other than a space, and no control characters'
        : 'expected no control characters',
    );
}

export const Reason = request(
  'ReasonInput',
  z.strictObject({ code: z.enum(ReasonCodes), comment: text(1000).optional() }),
  'Why the customer cancels.',
);

// ---- requests ----

export const IdParams = z.strictObject({ id: ObjectId });

export const PaginationQuery = {
  limit: z.coerce.number().int().min(1).max(100).default(20).describe('How many objects to answer, 1 to 100.'),
  startingAfter: ObjectId.optional().describe('The id of the last object of the previous page.'),
};
export const ListQuery = z.strictObject(PaginationQuery);

export const ListCancellationsQuery = z.strictObject({
  ...PaginationQuery,
  accountId: ObjectId.optional().describe('Required for a support agent; a user may only name their own account.'),
  subscriptionId: ObjectId.optional().describe('Only this subscription’s cancellations.'),
  stage: z.enum(CancellationStages).optional().describe('Only cancellations at this stage.'),
});

export const CreateCancellationBody = request(
  'CreateCancellationRequest',
  z.strictObject({ subscriptionId: ObjectId, reason: Reason.optional() }),
);

export const DataBackupBody = request(
  'DataBackupRequest',
  z.strictObject({ location: text(1000, { visible: true }).trim() }),
  'P7: where the backed-up data now lives (stored without leading and trailing spaces).',
);

/** POSTs without a body accept none or `{}`; any field is refused. */
export const EmptyBody = request('EmptyRequest', z.strictObject({}).optional());

export const BillingAddress = request(
  'BillingAddressInput',
  z.strictObject({
    line1: text(200, { minLength: 1 }),
    city: text(100, { minLength: 1 }),
    postalCode: text(20, { minLength: 1 }),
    country: text(2, { minLength: 2 }),
  }),
);

export const SupportCancellationBody = request(
  'SupportCancellationRequest',
  z.strictObject({
    accountId: ObjectId,
    requesterEmail: z.email(),
    verification: z.strictObject({
      billingAdminEmail: z.email(),
      paymentMethodLast4: z.string().regex(/^[0-9]{4}$/, 'expected four digits'),
      billingAddress: BillingAddress,
    }),
    subscriptionIds: z
      .array(ObjectId)
      .min(1)
      .max(50)
      .superRefine((ids, ctx) => {
        ids.forEach((id, index) => {
          if (ids.indexOf(id) !== index) ctx.addIssue({ code: 'custom', path: [index], message: `duplicate id ${id}` });
        });
      })
      .meta({ uniqueItems: true }),
    reason: Reason.optional(),
  }),
  'P12: support cancels on the customer’s behalf after verifying the account.',
);

// ---- responses ----

export const ErrorResponse = response(
  'Error',
  z.object({
    error: z.object({
      type: z.enum(Object.keys(ErrorTypes) as [keyof typeof ErrorTypes, ...(keyof typeof ErrorTypes)[]]),
      code: z.string(),
      message: z.string(),
      param: z.string().optional(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  }),
  'Every error has this shape; no error body holds a stack trace.',
);

export const Product = response(
  'Product',
  z.object({ code: z.string(), name: z.string(), family: z.string() }),
  'A product of the catalogue; family `connect` falls under P8.',
);

export const Subscription = response(
  'Subscription',
  z.object({
    id: z.string(),
    accountId: z.string(),
    product: Product,
    purchaseChannel: z.enum(['online', 'sales_rep']),
    billing: z.enum(['monthly', 'fixed_term']),
    currentPeriodStart: timestamp,
    currentPeriodEnd: timestamp,
    contractEnd: timestamp.nullable(),
    monthlyPriceCents: cents,
    currency,
    autoRenew: z.boolean(),
    onlineCancellable: z.boolean(),
    status: z.enum(['active', 'cancellation_scheduled', 'cancelled']),
    licenses: z.object({ total: z.number().int(), assigned: z.number().int() }),
  }),
);

export const ChargeLine = response(
  'ChargeLine',
  z.object({ description: z.string(), periodStart: timestamp, periodEnd: timestamp, amountCents: cents }),
);

export const Charges = response(
  'Charges',
  z.object({ currency, remainingCents: cents, refundCents: cents, lines: z.array(ChargeLine) }),
  'P13–P15: one line per monthly period up to the effective date, each at the full monthly price; never a refund.',
);

export const Refusal = response(
  'Refusal',
  z.object({
    code: z.enum(RefusalCodes),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
  'P11: one reason a cancellation is refused.',
);

export const Cancellation = response(
  'Cancellation',
  z.object({
    id: z.string(),
    subscriptionId: z.string(),
    accountId: z.string(),
    stage: z.enum(CancellationStages),
    channel: z.enum(['online', 'support']),
    requestedBy: z.object({ userId: z.string(), email: z.string() }),
    submittedBy: z.object({ supportAgentId: z.string().nullable() }),
    reason: z.object({ code: z.enum(ReasonCodes), comment: z.string().optional() }).nullable(),
    requestedAt: timestamp,
    effectiveAt: timestamp,
    completedAt: timestamp.nullable(),
    withdrawnAt: timestamp.nullable(),
    checklist: z.object({
      balanceClear: z.boolean(),
      licensesUnassigned: z.boolean(),
      dataBackedUp: z.boolean(),
      dataBackupLocation: z.string().nullable(),
    }),
    charges: Charges,
    warnings: z.array(z.string()),
    workflowId: z.string(),
  }),
  'P16: where the cancellation stands, live while its workflow runs.',
);

export const CancellationList = response(
  'CancellationList',
  z.object({ data: z.array(Cancellation), hasMore: z.boolean() }),
  'Newest first (createdAt, then id, descending).',
);

export const CancellationPreview = response(
  'CancellationPreview',
  z.object({
    eligible: z.boolean(),
    channel: z.enum(['online', 'support']),
    refusals: z.array(Refusal),
    effectiveAt: timestamp,
    charges: Charges,
  }),
  'A dry run of a cancellation request: nothing is written and no workflow starts.',
);

export const UnassignAllResult = response(
  'UnassignAllResult',
  z.object({ unassigned: z.number().int() }),
  'P6: how many licences were assigned before the call.',
);

export const AccountProducts = response(
  'AccountProducts',
  z.object({
    active: z.array(Subscription),
    cancellationScheduled: z.array(Subscription),
    discover: z.array(z.object({ product: Product, cancelledAt: timestamp })),
  }),
  'P3: `discover` lists each product of a cancelled subscription that no active or scheduled subscription still holds.',
);

export const Notification = response(
  'Notification',
  z.object({
    id: z.string(),
    template: z.enum([
      'cancellation_scheduled',
      'cancellation_reminder',
      'cancellation_withdrawn',
      'cancellation_completed',
      'cancellation_refused',
    ]),
    recipient: z.string(),
    payload: z.record(z.string(), z.unknown()),
    /** API.md v1.2: the e-mail's language and delivery. */
    locale: z.enum(['en', 'fr']),
    status: z.enum(['pending', 'sent', 'failed']).describe('`pending` until the mail is sent (or fails for good).'),
    attempts: z.number().int().min(0),
    sentAt: timestamp.nullable(),
    lastError: z.string().nullable(),
    createdAt: timestamp,
  }),
);

export const NotificationList = response(
  'NotificationList',
  z.object({ data: z.array(Notification), hasMore: z.boolean() }),
  'Newest first (createdAt, then id, descending).',
);

export const SupportRefusal = response(
  'SupportRefusal',
  z.object({
    code: z.enum([...RefusalCodes, ErrorCode.cancellationInProgress]),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
  'A refusal (P11), or `cancellation_in_progress` when the subscription already has a cancellation running.',
);

export const SupportRefusedSubscription = response(
  'SupportRefusedSubscription',
  z.object({ subscriptionId: z.string(), refusals: z.array(SupportRefusal) }),
);

export const SupportCancellationResult = response(
  'SupportCancellationResult',
  z.object({ cancellations: z.array(Cancellation), refused: z.array(SupportRefusedSubscription) }),
  'P12: the accepted cancellations and, per refused subscription, why.',
);

export const Health = response('Health', z.object({ status: z.literal('ok') }));

export const Readiness = response(
  'Readiness',
  z.object({
    status: z.literal('ready'),
    checks: z.object({ database: z.literal('ok'), temporal: z.literal('ok') }),
  }),
  'Answered 503 in the error shape, with `details.checks`, when a dependency is unreachable.',
);

export const OpenApiDocument = response(
  'OpenApiDocument',
  z.record(z.string(), z.unknown()),
  'This document (OpenAPI 3.1).',
);
