import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { searchAttributeKeys, cliTypeName } from '../../workflows/search-attributes';
import { DEFAULT_WORKFLOW_STACK_TRACE_LIMIT, withStackTraceLimit } from '../../worker/workflow-bundle';

function required(variable: string): string {
  const value = process.env[variable];
  if (!value) throw new Error(`${variable} is not set: jest's globalSetup (test/global-setup.ts) provides it`);
  return value;
}

/** The time-skipping test server, from the binary test/global-setup.ts found, with our search attributes. */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: required('TEMPORAL_TEST_SERVER_PATH') } },
  });
  // The test server implements AddSearchAttributes but not ListSearchAttributes, so add them blindly.
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      searchAttributeKeys.map((k) => [k.name, encodeSearchAttributeIndexedValueType(k.type) as number]),
    ),
  });
  return env;
}

/** A real dev server (the Temporal CLI) with the project's search attributes registered. */
export function createDevServerEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: required('TEMPORAL_CLI_PATH') },
      extraArgs: searchAttributeKeys.flatMap((k) => ['--search-attribute', `${k.name}=${cliTypeName(k.type)}`]),
    },
  });
}

/**
 * Bundled once per test file, then handed to every worker of that file: as the worker loads it, with the
 * default stack-trace limit (worker/workflow-bundle.ts).
 */
export async function bundleWorkflows(): Promise<WorkflowBundle> {
  const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: quietLogger });
  return withStackTraceLimit(bundle, DEFAULT_WORKFLOW_STACK_TRACE_LIMIT);
}

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };
