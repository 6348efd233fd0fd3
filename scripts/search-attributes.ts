/**
 * `npm run temporal:search-attributes`: registers the service's custom search attributes
 * (workflows/search-attributes.ts) on the configured Temporal server and namespace through the
 * operator service. Idempotent: attributes that already exist with the right type are skipped.
 * (`npm start`'s dev server registers them itself with `--search-attribute`.)
 */
import { Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { loadWorkerConfig } from '../config';
import { temporalConnectionOptions } from '../config/temporal';
import { searchAttributeKeys } from '../workflows/search-attributes';

export interface RegistrationResult {
  added: string[];
  existing: string[];
}

/** gRPC status ALREADY_EXISTS: another run registered the attribute between our list and add. */
const ALREADY_EXISTS = 6;

export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<RegistrationResult> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const added: string[] = [];
  const existing: string[] = [];
  const conflicts: string[] = [];
  const missing: Record<string, number> = {};
  for (const key of searchAttributeKeys) {
    const wanted = encodeSearchAttributeIndexedValueType(key.type) as number;
    const present = customAttributes?.[key.name];
    if (present === undefined || present === null) missing[key.name] = wanted;
    else if (present === wanted) existing.push(key.name);
    else conflicts.push(`${key.name} exists with another type (${present}); expected ${key.type}`);
  }
  if (conflicts.length)
    throw new Error(`Search attribute conflicts in namespace ${namespace}:\n  ${conflicts.join('\n  ')}`);
  if (Object.keys(missing).length) {
    try {
      await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
      added.push(...Object.keys(missing));
    } catch (err) {
      if ((err as { code?: number }).code !== ALREADY_EXISTS) throw err;
      existing.push(...Object.keys(missing));
    }
  }
  return { added, existing };
}

async function main(): Promise<void> {
  const config = loadWorkerConfig();
  const connection = await Connection.connect(temporalConnectionOptions(config));
  try {
    const { added, existing } = await registerSearchAttributes(connection, config.TEMPORAL_NAMESPACE);
    const where = `${config.TEMPORAL_ADDRESS}, namespace ${config.TEMPORAL_NAMESPACE}`;
    process.stdout.write(
      `Search attributes on ${where}:\n` +
        `  added:   ${added.join(', ') || '(none)'}\n` +
        `  present: ${existing.join(', ') || '(none)'}\n`,
    );
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
