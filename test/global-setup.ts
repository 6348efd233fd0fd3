import { ensureTemporalBinaries } from '../scripts/temporal-binaries';

/** Finds (or installs, once) the Temporal binaries and hands their paths to every test file. */
export default function globalSetup(): void {
  const { cli, testServer } = ensureTemporalBinaries();
  process.env.TEMPORAL_CLI_PATH = cli;
  process.env.TEMPORAL_TEST_SERVER_PATH = testServer;
}
