// Shared vocabulary of the cancellation policy (POLICY.md, API.md). Plain data only: these values travel
// through Temporal payloads and JSON, so nothing here may hold behaviour or depend on the runtime.

export const Roles = ['super_admin', 'billing_admin', 'product_admin', 'authorized_billing_contact'] as const;
export type Role = (typeof Roles)[number];

export type PurchaseChannel = 'online' | 'sales_rep';
export type Billing = 'monthly' | 'fixed_term';
export type SubscriptionStatus = 'active' | 'cancellation_scheduled' | 'cancelled';
// P11 online self-service, P12 support acting on the customer's behalf.
export type CancellationChannel = 'online' | 'support';

export const CancellationStages = [
  'awaiting_prerequisites',
  'scheduled',
  'deactivating',
  'completed',
  'withdrawn',
  'failed',
] as const;
export type CancellationStage = (typeof CancellationStages)[number];

export const ReasonCodes = ['too_expensive', 'missing_features', 'switched_service', 'not_used', 'other'] as const;
export type ReasonCode = (typeof ReasonCodes)[number];

export interface SubscriptionTerms {
  productFamily: string;
  purchaseChannel: PurchaseChannel;
  billing: Billing;
  currentPeriodStart: Date;
  currentPeriodEnd: Date;
  contractEnd: Date | null;
  monthlyPriceCents: number;
  currency: string;
  onlineCancellable: boolean;
  status: SubscriptionStatus;
}

// ISO 8601 strings rather than Dates so a line survives JSON and Temporal payload conversion unchanged.
export interface ChargeLine {
  description: string;
  periodStart: string;
  periodEnd: string;
  amountCents: number;
}

export interface Charges {
  currency: string;
  remainingCents: number;
  // P15: never anything but 0; typed as a number so it matches the API's JSON shape.
  refundCents: 0 | number;
  lines: ChargeLine[];
}
