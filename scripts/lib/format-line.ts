/** Child processes' output as `npm start` and `npm run cluster` print it. */

const PINO_LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};
const OMITTED_FIELDS = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name', 'service']);

/** A pino JSON line as `[worker] info  message key=value …`; anything else unchanged. */
export function formatLine(name: string, line: string): string {
  const prefix = `[${name}]`.padEnd(11);
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    if (typeof entry.msg !== 'string') return `${prefix}${line}`;
    const level = PINO_LEVELS[entry.level as number] ?? String(entry.level);
    const fields = Object.entries(entry)
      .filter(([key]) => !OMITTED_FIELDS.has(key))
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
    return `${prefix}${level.padEnd(6)}${entry.msg}${fields.length ? `  ${fields.join(' ')}` : ''}`;
  } catch {
    return `${prefix}${line}`;
  }
}
