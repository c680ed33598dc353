import { html, type SafeHtml } from './html.js';
import { type JsonSchema, schemaView } from './json-schema-view.js';
import { prose } from './prose.js';

type Security = Record<string, string[]>[];
type Content = Record<string, { schema?: JsonSchema }>;

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Security;
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: JsonSchema }[];
  requestBody?: { required?: boolean; content?: Content };
  responses?: Record<string, { description: string; content?: Content }>;
}

interface SecurityScheme {
  type: string;
  in?: string;
  name?: string;
  scheme?: string;
  bearerFormat?: string;
  description?: string;
}

/** The parts of an OpenAPI 3.1 document that the reference shows. */
export interface OpenApiDocument {
  info: { title: string; version: string; description?: string };
  servers?: { url: string }[];
  tags?: { name: string; description?: string }[];
  security?: Security;
  paths?: Record<string, Record<string, Operation>>;
  components?: { securitySchemes?: Record<string, SecurityScheme> };
}

function schemeWords(scheme: SecurityScheme): SafeHtml {
  if (scheme.type === 'http' && scheme.scheme === 'bearer') {
    return html`Header <code>Authorization: Bearer ${scheme.bearerFormat ?? 'token'}</code>`;
  }
  return html`${scheme.in === 'cookie' ? 'Cookie' : 'Header'} <code>${scheme.name ?? ''}</code>`;
}

/** What an operation needs, each scheme linked to its explanation: `session`, `apiKey`, or none. */
function credentials(security: Security): SafeHtml {
  if (security.length === 0 || security.some((requirement) => Object.keys(requirement).length === 0)) return html`none`;
  return html`${security.map(
    (requirement, index) =>
      html`${index > 0 ? ' or ' : ''}${Object.keys(requirement).map(
        (name, at) => html`${at > 0 ? ' and ' : ''}<a href="#scheme-${name}"><code>${name}</code></a>`,
      )}`,
  )}`;
}

/** `POST /api/v1/factors/{factorId}` as an anchor: `post-api-v1-factors-factorid`. */
const anchorOf = (method: string, path: string) => `${method}-${path}`.toLowerCase().replace(/[^a-z0-9]+/g, '-');

function parametersView(parameters: NonNullable<Operation['parameters']>): SafeHtml {
  return html`<h4>Parameters</h4>
    <table class="table">
      <thead>
        <tr><th scope="col">Name</th><th scope="col">In</th><th scope="col">Value</th></tr>
      </thead>
      <tbody>
        ${parameters.map(
          (parameter) => html`<tr>
            <td><code>${parameter.name}</code>${parameter.required ? html` <span class="schema-required">required</span>` : ''}</td>
            <td>${parameter.in}</td>
            <td>${parameter.schema ? schemaView({ ...parameter.schema, description: parameter.description }, 'request') : 'any'}</td>
          </tr>`,
        )}
      </tbody>
    </table>`;
}

const jsonSchemaOf = (content: Content | undefined) => content?.['application/json']?.schema;

function requestBodyView(body: NonNullable<Operation['requestBody']>): SafeHtml {
  const schema = jsonSchemaOf(body.content);
  return html`<h4>Request body <span class="api-note">JSON${body.required ? '' : ', optional'}</span></h4>
    ${schema ? schemaView(schema, 'request') : ''}`;
}

/** Each answer by status; statuses with the same body (the errors, mostly) share one rendering of it. */
function responsesView(responses: NonNullable<Operation['responses']>): SafeHtml {
  const groups = new Map<string, { statuses: string[]; schema: JsonSchema | undefined }>();
  for (const [status, response] of Object.entries(responses)) {
    const schema = jsonSchemaOf(response.content);
    const key = JSON.stringify(schema ?? status);
    const group = groups.get(key) ?? { statuses: [], schema };
    group.statuses.push(`${status} ${response.description}`);
    groups.set(key, group);
  }
  return html`<h4>Responses</h4>
    <dl class="api-responses">
      ${[...groups.values()].map(
        ({ statuses, schema }) => html`<dt>${statuses.join(' · ')}</dt>
          <dd>${schema ? schemaView(schema, 'response') : 'No body'}</dd>`,
      )}
    </dl>`;
}

function operationView(method: string, path: string, operation: Operation, security: Security): SafeHtml {
  return html`<article class="api-operation" id="${anchorOf(method, path)}">
    <h3><span class="api-method">${method.toUpperCase()}</span> <code>${path}</code></h3>
    ${operation.summary ? html`<p class="api-summary">${prose(operation.summary)}</p>` : ''}
    ${operation.description ? html`<p>${prose(operation.description)}</p>` : ''}
    <p><span class="api-note">Credentials:</span> ${credentials(operation.security ?? security)}</p>
    ${operation.parameters?.length ? parametersView(operation.parameters) : ''}
    ${operation.requestBody ? requestBodyView(operation.requestBody) : ''}
    ${operation.responses ? responsesView(operation.responses) : ''}
  </article>`;
}

/**
 * The API reference from the OpenAPI document: how to authenticate, then every operation
 * grouped by tag, with its method, path, summary, description, credentials, parameters,
 * request body and responses.
 */
export function apiReferenceView(document: OpenApiDocument, documentUrl: string): SafeHtml {
  const operations = Object.entries(document.paths ?? {}).flatMap(([path, pathItem]) =>
    Object.entries(pathItem).map(([method, operation]) => ({ method, path, operation })),
  );
  const security = document.security ?? [];
  const tags = document.tags ?? [];
  return html`<section class="card card-docs" aria-labelledby="title">
    <h1 id="title">${document.info.title}</h1>
    <p class="lead">
      Version ${document.info.version} · <a href="${documentUrl}">OpenAPI 3.1 document</a>
      ${document.servers?.[0] ? html` · <code>${document.servers[0].url}</code>` : ''}
    </p>
    ${document.info.description?.split('\n\n').map((paragraph) => html`<p>${prose(paragraph)}</p>`)}
    <nav aria-label="Contents">
      <ul class="api-contents">
        <li><a href="#authentication">Authentication</a></li>
        ${tags.map((tag) => html`<li><a href="#tag-${tag.name}">${tag.name}</a>${tag.description ? html` — ${prose(tag.description)}` : ''}</li>`)}
      </ul>
    </nav>
    <h2 id="authentication">Authentication</h2>
    <dl class="facts">
      ${Object.entries(document.components?.securitySchemes ?? {}).map(
        ([name, scheme]) => html`<dt id="scheme-${name}"><code>${name}</code></dt>
          <dd>${schemeWords(scheme)}${scheme.description ? html`. ${prose(scheme.description)}` : ''}</dd>`,
      )}
    </dl>
    <p>Unless an operation says otherwise, it needs ${credentials(security)}.</p>
    ${tags.map(
      (tag) => html`<h2 id="tag-${tag.name}">${tag.name}</h2>
        ${tag.description ? html`<p class="lead">${prose(tag.description)}</p>` : ''}
        ${operations
          .filter(({ operation }) => operation.tags?.includes(tag.name))
          .map(({ method, path, operation }) => operationView(method, path, operation, security))}`,
    )}
  </section>`;
}
