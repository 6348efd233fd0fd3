import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ConfigError, loadApiConfig, loadWorkerConfig, webhookSecretKey } from '../../config';
import { DEVELOPMENT_SECRET_KEY } from '../../outbound/webhooks/secret-box';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');

function errorOf(load: () => unknown): Error {
  try {
    load();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('configuration from the environment', () => {
  it('has defaults for local development', () => {
    expect(loadApiConfig({})).toMatchObject({
      PORT: 3000,
      DATABASE_URL: 'file:./.data/dev.db',
      TEMPORAL_ADDRESS: '127.0.0.1:7233',
      TEMPORAL_NAMESPACE: 'default',
      LOG_LEVEL: 'info',
    });
    expect(loadWorkerConfig({ WORKER_HTTP_PORT: '4001' })).toMatchObject({ WORKER_HTTP_PORT: 4001 });
  });

  it('refuses the development webhook key, or none, with NODE_ENV=production, and a key that is not 32 bytes', () => {
    const key = 'ab'.repeat(32);
    for (const load of [loadApiConfig, loadWorkerConfig]) {
      expect(errorOf(() => load({ NODE_ENV: 'production' })).message).toMatch(/^\s*WEBHOOK_SECRET_KEY: .*production/m);
      expect(
        errorOf(() => load({ NODE_ENV: 'production', WEBHOOK_SECRET_KEY: DEVELOPMENT_SECRET_KEY })).message,
      ).toMatch(/^\s*WEBHOOK_SECRET_KEY: /m);
      expect(load({ NODE_ENV: 'production', WEBHOOK_SECRET_KEY: key })).toMatchObject({ WEBHOOK_SECRET_KEY: key });
      expect(errorOf(() => load({ WEBHOOK_SECRET_KEY: 'too-short' })).message).toMatch(/^\s*WEBHOOK_SECRET_KEY: /m);
    }
    expect(webhookSecretKey({ WEBHOOK_SECRET_KEY: key })).toEqual(Buffer.from(key, 'hex'));
  });

  it('refuses a bad PORT, naming the variable', () => {
    const err = errorOf(() => loadApiConfig({ PORT: 'eighty' }));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/^\s*PORT: /m);
    expect(errorOf(() => loadApiConfig({ PORT: '70000' })).message).toMatch(/^\s*PORT: /m);
  });

  it('refuses a DATABASE_URL that is neither file: nor postgres://, naming the variable', () => {
    const err = errorOf(() => loadWorkerConfig({ DATABASE_URL: 'mysql://localhost/db' }));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/^\s*DATABASE_URL: expected file:<path> \(SQLite\) or postgres:\/\//m);
  });

  it('binds the SDK metrics exporter on 9464 by default, turns it off with 0 or "off", and names a bad value', () => {
    expect(loadWorkerConfig({}).WORKER_SDK_METRICS_PORT).toBe(9464);
    expect(loadWorkerConfig({ WORKER_SDK_METRICS_PORT: '9500' }).WORKER_SDK_METRICS_PORT).toBe(9500);
    expect(loadWorkerConfig({ WORKER_SDK_METRICS_PORT: '0' }).WORKER_SDK_METRICS_PORT).toBeNull();
    expect(loadWorkerConfig({ WORKER_SDK_METRICS_PORT: 'off' }).WORKER_SDK_METRICS_PORT).toBeNull();
    expect(errorOf(() => loadWorkerConfig({ WORKER_SDK_METRICS_PORT: 'on' })).message).toMatch(
      /^\s*WORKER_SDK_METRICS_PORT: expected a port number/m,
    );
  });

  it('accepts SQLite and PostgreSQL URLs', () => {
    for (const url of ['file:./x.db', 'file:/tmp/x.db', 'postgres://u:p@localhost/db', 'postgresql://localhost/db'])
      expect(loadApiConfig({ DATABASE_URL: url }).DATABASE_URL).toBe(url);
  });

  it('stops the worker process at start-up with the variable named and a non-zero exit', async () => {
    const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
    const failure = await run(tsx, [path.join(ROOT, 'worker', 'main.ts')], {
      cwd: ROOT,
      env: { ...process.env, WORKER_HTTP_PORT: 'not-a-port' },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code?: number; stderr?: string }) => ({ code: err.code, stderr: err.stderr ?? '' }),
    );
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain('WORKER_HTTP_PORT');
  });
});
