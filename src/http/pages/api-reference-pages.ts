import type { FastifyInstance } from 'fastify';
import { apiReferencePath } from '../api/openapi-options.js';
import type { SafeHtml } from './html.js';
import { apiReferenceView, type OpenApiDocument } from './api-reference-view.js';
import type { PageScope } from './page-kit.js';

/** The API reference, rendered once from the OpenAPI document that the routes' schemas generate. */
export function apiReferencePages(app: FastifyInstance, { render }: Pick<PageScope, 'render'>) {
  let rendered: SafeHtml | undefined;
  const reference = () => (rendered ??= apiReferenceView(app.swagger() as unknown as OpenApiDocument, '/api/v1/openapi.json'));
  app.get(apiReferencePath, async (request, reply) => render(request, reply, 'API reference', reference));
}
