import { DomainError, ErrorCode, RefusalCodes } from '../../domain';

describe('error vocabulary', () => {
  it('uses the wire codes of the API contract for every refusal (P11)', () => {
    expect(RefusalCodes).toEqual([
      'role_not_permitted',
      'outstanding_balance',
      'not_cancellable_online',
      'already_cancelled',
    ]);
    const wireCodes: readonly string[] = Object.values(ErrorCode);
    for (const code of RefusalCodes) expect(wireCodes).toContain(code);
  });

  it('keeps every error code unique so the API can map each one to a single answer', () => {
    const values = Object.values(ErrorCode);
    expect(new Set(values).size).toBe(values.length);
  });

  it('carries its code on a DomainError while remaining an ordinary Error', () => {
    const err = new DomainError(ErrorCode.invalidContractEnd, 'bad contract end');
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe('invalid_contract_end');
    expect(err.name).toBe('DomainError');
    expect(err.message).toBe('bad contract end');
  });
});
