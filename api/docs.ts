import path from 'node:path';
import express, { type RequestHandler, type Router } from 'express';

/**
 * GET /docs renders /openapi.json with Swagger UI from the swagger-ui-dist package: every asset is
 * served by this process (no CDN), and the page needs no inline script, so the default
 * Content-Security-Policy of helmet holds.
 */
export const DOCS_ASSETS_PATH = '/docs/assets';
const swaggerUiDir = path.dirname(require.resolve('swagger-ui-dist/package.json'));

export const docsPage = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Subscription cancellation API</title>
    <link rel="stylesheet" href="${DOCS_ASSETS_PATH}/swagger-ui.css" />
    <link rel="icon" type="image/png" href="${DOCS_ASSETS_PATH}/favicon-32x32.png" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${DOCS_ASSETS_PATH}/swagger-ui-bundle.js"></script>
    <script src="${DOCS_ASSETS_PATH}/swagger-initializer.js"></script>
  </body>
</html>
`;

// Replaces the package's own initializer, which points at the Petstore example.
const initializer = `window.onload = function () {
  window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });
};
`;

const serveInitializer: RequestHandler = (_req, res) => {
  res.type('application/javascript').send(initializer);
};

/** Static middleware (not routes: they are files, not part of the API). */
export function docsAssets(): Router {
  const router = express.Router();
  router.use('/swagger-initializer.js', serveInitializer);
  router.use(express.static(swaggerUiDir, { index: false, fallthrough: true, maxAge: '1d' }));
  return router;
}
