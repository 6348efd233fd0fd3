/**
 * The production topology for a test file: the Temporal server's four services as separate processes on
 * PostgreSQL (fresh `temporal_*` databases of the file's own, 8 history shards, every port free), and the
 * application stack of test/helpers/stack.ts pointed at it (its database on the same PostgreSQL).
 */
import { startScratchCluster, type ScratchCluster, type TemporalService } from '../../scripts/lib/temporal-cluster';
import { startFaultStack, type FaultStack } from '../faults/harness';

export type ClusterStack = FaultStack & {
  cluster: ScratchCluster;
  /** The last lines each Temporal service wrote, for failure messages. */
  serverTail(): string;
};

const TAIL = 30;

export async function startClusterStack(label: string): Promise<ClusterStack> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set: run through `npm run test:cluster`');
  const tails = new Map<TemporalService, string[]>();
  const cluster = await startScratchCluster({
    postgresUrl: url,
    label,
    onLine: (service, line) => {
      const lines = tails.get(service) ?? [];
      lines.push(line);
      if (lines.length > TAIL) lines.shift();
      tails.set(service, lines);
    },
  });
  try {
    const stack = await startFaultStack(label, { temporalAddress: cluster.address });
    return {
      ...stack,
      cluster,
      serverTail: () =>
        [...tails].map(([service, lines]) => `--- temporal ${service} ---\n${lines.join('\n')}`).join('\n'),
      stop: async () => {
        await stack.stop();
        await cluster.stop();
      },
    };
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}
