import { docsPage } from '../docs';
import { defineRoute, type AnyRoute } from '../routing';
import { Health, OpenApiDocument, Readiness } from '../schemas';
import { readiness } from '../services/health';

/** Probes and documentation, open to anyone. `getDocument` is the generated OpenAPI document. */
export function operationRoutes(getDocument: () => Record<string, unknown>): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/healthz',
      operationId: 'healthz',
      summary: 'Liveness: the process is up',
      tag: 'Operations',
      who: 'anyone',
      responses: { 200: { description: 'Up.', schema: Health } },
      handler: () => ({ status: 200, body: { status: 'ok' } }),
    }),
    defineRoute({
      method: 'get',
      path: '/readyz',
      operationId: 'readyz',
      summary: 'Readiness: the database and Temporal are reachable',
      tag: 'Operations',
      who: 'anyone',
      responses: { 200: { description: 'Ready.', schema: Readiness } },
      errors: [503],
      handler: async ({ services }) => ({ status: 200, body: await readiness(services) }),
    }),
    defineRoute({
      method: 'get',
      path: '/openapi.json',
      operationId: 'openapi',
      summary: 'This API’s OpenAPI 3.1 document',
      tag: 'Operations',
      who: 'anyone',
      responses: { 200: { description: 'The document.', schema: OpenApiDocument } },
      handler: () => ({ status: 200, body: getDocument() }),
    }),
    defineRoute({
      method: 'get',
      path: '/docs',
      operationId: 'docs',
      summary: 'The API documentation, rendered',
      tag: 'Operations',
      who: 'anyone',
      responses: { 200: { description: 'An HTML page rendering /openapi.json.', contentType: 'text/html' } },
      handler: () => ({ status: 200, html: docsPage }),
    }),
  ];
}
