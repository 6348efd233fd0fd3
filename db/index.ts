export * from './client';
export * from './url';
