export * from './types';
export * from './errors';
export * from './roles';
export * from './eligibility';
export * from './dates';
export * from './charges';
export * from './cancellation';
export * from './verification';
