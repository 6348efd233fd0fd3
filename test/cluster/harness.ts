/**
 * The production topology for a test file: the Temporal server's four services as separate processes on
 * PostgreSQL (fresh `temporal_*` databases of the file's own, 8 history shards, every port free), and the
 * application stack of test/helpers/stack.ts pointed at it (its database on the same PostgreSQL).
 */
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  ensureServerBinaries,
  freeClusterPorts,
  postgresServerOf,
  setupTemporalDatabases,
  startTemporalCluster,
  type TemporalCluster,
  type TemporalService,
} from '../../scripts/lib/temporal-cluster';
import { dropDatabase } from '../../scripts/lib/postgres';
import { startFaultStack, type FaultStack } from '../faults/harness';

export type ClusterStack = FaultStack & {
  cluster: TemporalCluster;
  /** The last lines each Temporal service wrote, for failure messages. */
  serverTail(): string;
};

const HISTORY_SHARDS = 8;
const TAIL = 30;

export async function startClusterStack(label: string): Promise<ClusterStack> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set: run through `npm run test:cluster`');
  const postgres = postgresServerOf(url);
  const suffix = `${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(3).toString('hex')}`;
  const databases = { temporal: `temporal_${suffix}`, visibility: `temporal_visibility_${suffix}` };
  const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cluster-config-'));
  const tails = new Map<TemporalService, string[]>();
  let cluster: TemporalCluster | undefined;
  const cleanUp = async () => {
    await cluster?.stop();
    for (const name of [databases.temporal, databases.visibility]) await dropDatabase(url, name);
    fs.rmSync(configDir, { recursive: true, force: true });
  };
  try {
    await setupTemporalDatabases(ensureServerBinaries(() => undefined).sqlTool, postgres, databases, () => undefined);
    cluster = await startTemporalCluster({
      binaries: ensureServerBinaries(() => undefined),
      postgres,
      databases,
      historyShards: HISTORY_SHARDS,
      ports: await freeClusterPorts(),
      configDir,
      namespace: 'default',
      onLine: (service, line) => {
        const lines = tails.get(service) ?? [];
        lines.push(line);
        if (lines.length > TAIL) lines.shift();
        tails.set(service, lines);
      },
    });
    const stack = await startFaultStack(label, { temporalAddress: cluster.address });
    const running = cluster;
    return {
      ...stack,
      cluster: running,
      serverTail: () =>
        [...tails].map(([service, lines]) => `--- temporal ${service} ---\n${lines.join('\n')}`).join('\n'),
      stop: async () => {
        await stack.stop();
        await cleanUp();
      },
    };
  } catch (err) {
    await cleanUp();
    throw err;
  }
}
