import fs from 'node:fs';

/** Removes the workflow bundle test/faults/global-setup.ts built. */
export default function globalTeardown(): void {
  const file = process.env.FAULTS_WORKFLOW_BUNDLE_PATH;
  if (file) fs.rmSync(file, { force: true });
}
