import type { z } from 'zod';
import { ApiError } from './errors';
import { CONTROL_CHARACTER } from './schemas';

export type InputPart = 'body' | 'query' | 'path';

const codes: Record<InputPart, string> = { body: 'invalid_body', query: 'invalid_query', path: 'invalid_path' };

/** `['reason', 'code']` → `reason.code`; `['subscriptionIds', 1]` → `subscriptionIds.1` */
export const dottedPath = (path: readonly PropertyKey[]): string => path.map(String).join('.');

interface FieldProblem {
  param: string;
  message: string;
}

function problemsOf(issues: readonly z.core.$ZodIssue[], part: InputPart): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      // strictObject: an unknown field is an error, named like any other bad field.
      for (const key of issue.keys) {
        const param = dottedPath([...issue.path, key]);
        problems.push({ param, message: `${param} is not a known ${part === 'query' ? 'parameter' : 'field'}` });
      }
      continue;
    }
    const param = dottedPath(issue.path);
    if (issue.code === 'invalid_type' && issue.input === undefined) {
      problems.push({ param, message: param ? `${param} is required` : 'a JSON object body is required' });
      continue;
    }
    const message = issue.message.replace(/^Invalid input: /, '');
    problems.push({ param, message: param ? `${param}: ${message}` : message });
  }
  return problems;
}

/** Where the first string (value or key) holding a control character is, if any. */
function controlCharacterAt(value: unknown, path: PropertyKey[] = []): PropertyKey[] | undefined {
  if (typeof value === 'string') return CONTROL_CHARACTER.test(value) ? path : undefined;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = controlCharacterAt(item, [...path, index]);
      if (found) return found;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (CONTROL_CHARACTER.test(key)) return [...path, key];
      const found = controlCharacterAt(item, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Parses one part of a request with its schema. A failure is a 400 invalid_request_error whose
 * `param` names the first bad field (a dotted path) and whose `details.errors` lists every one.
 * Every string field's schema refuses control characters; a string that none checks (an e-mail,
 * say) is refused here all the same (API.md).
 */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, part: InputPart): z.output<T> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) {
    const at = controlCharacterAt(input);
    if (!at) return result.data;
    const param = dottedPath(at);
    const problem = { param, message: `${param || part}: expected no control characters` };
    return throwInvalid(part, problem, [problem]);
  }
  const problems = problemsOf(result.error.issues, part);
  const [first] = problems;
  return throwInvalid(part, first, problems);
}

function throwInvalid(part: InputPart, first: FieldProblem, problems: FieldProblem[]): never {
  throw new ApiError('invalid_request_error', codes[part], first.message, {
    ...(first.param ? { param: first.param } : {}),
    details: { errors: problems.map((p) => ({ ...(p.param ? { param: p.param } : {}), message: p.message })) },
  });
}
