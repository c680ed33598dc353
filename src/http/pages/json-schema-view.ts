import { html, type SafeHtml } from './html.js';
import { prose } from './prose.js';

/** The part of JSON Schema 2020-12 that the API's zod schemas produce and the reference shows. */
export interface JsonSchema {
  type?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  default?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
}

const isNull = (schema: JsonSchema) => schema.type === 'null';
const isObject = (schema: JsonSchema) => schema.type === 'object' || schema.properties !== undefined;

/** An intersection of objects (zod's `.and()`) read as the one object it describes. */
function merged(schema: JsonSchema): JsonSchema {
  const parts = schema.allOf?.map(merged);
  if (!parts?.every(isObject)) return schema;
  return {
    type: 'object',
    description: schema.description,
    properties: Object.assign({}, ...parts.map((part) => part.properties)),
    required: parts.flatMap((part) => part.required ?? []),
  };
}

/** The one shape of a nullable value (zod's `.nullable()` is `anyOf: [shape, null]`), else the schema itself. */
function shapeOf(schema: JsonSchema): JsonSchema {
  const variants = (schema.anyOf ?? schema.oneOf)?.filter((variant) => !isNull(variant));
  return variants?.length === 1 ? merged(variants[0]!) : schema;
}

/** The values a schema allows when it lists them, as `"a" | "b"`. */
function listedValues(schema: JsonSchema): string | undefined {
  const values = schema.const !== undefined ? [schema.const] : schema.enum;
  return values?.map((value) => JSON.stringify(value)).join(' | ');
}

/** `string`, `"totp" | "email"`, `array of object`, `map of string`, `string or null`… */
function typeName(schema: JsonSchema): string {
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) {
    const shapes = variants.filter((variant) => !isNull(variant));
    const names = [...new Set(shapes.map(typeName))];
    // Shapes of one type (a union of objects) are told apart by the list that follows.
    const name = shapes.length > 1 && names.length === 1 ? 'one of these' : names.join(' or ');
    return shapes.length < variants.length ? `${name} or null` : name;
  }
  const values = listedValues(schema);
  if (values) return values;
  if (schema.type === 'array') return `array of ${schema.items ? typeName(schema.items) : 'any'}`;
  if (isObject(schema) && Object.keys(schema.properties ?? {}).length === 0 && typeof schema.additionalProperties === 'object') {
    return `map of ${typeName(schema.additionalProperties)}`;
  }
  return schema.type ?? 'any';
}

// zod writes `.int()` as the bounds of a safe integer, which say nothing to a reader.
const saysSomething = (bound: number | undefined): bound is number =>
  bound !== undefined && Math.abs(bound) < Number.MAX_SAFE_INTEGER;

function range(min: number | undefined, max: number | undefined, unit: string): string | undefined {
  if (min !== undefined && max !== undefined) return `${min}–${max}${unit}`;
  if (max !== undefined) return `at most ${max}${unit}`;
  if (min !== undefined && min > 0) return `at least ${min}${unit}`;
  return undefined;
}

/** An object that lists some properties and explicitly allows any others (zod's `.loose()`). */
const openEnded = (schema: JsonSchema) =>
  Object.keys(schema.properties ?? {}).length > 0 &&
  (schema.additionalProperties === true ||
    (typeof schema.additionalProperties === 'object' && Object.keys(schema.additionalProperties).length === 0));

/** The constraints on a value, in words: its format, lengths, bounds, pattern and default. */
function constraints(schema: JsonSchema): string[] {
  const minimum = saysSomething(schema.minimum) ? schema.minimum : undefined;
  const maximum = saysSomething(schema.maximum) ? schema.maximum : undefined;
  return [
    schema.format,
    range(schema.minLength, schema.maxLength, ' characters'),
    range(minimum, maximum, ''),
    range(schema.minItems, schema.maxItems, ' items'),
    // A format already says what the pattern checks (zod writes both for emails).
    schema.pattern && !schema.format ? `matches ${schema.pattern}` : undefined,
    schema.default !== undefined ? `default ${JSON.stringify(schema.default)}` : undefined,
    openEnded(schema) ? 'other properties too' : undefined,
  ].filter((fact): fact is string => fact !== undefined);
}

/**
 * Which properties are marked: a request's required ones, or a response's optional ones, as
 * nearly everything in a response is always there.
 */
export type Direction = 'request' | 'response';

/** What is inside a value: an object's properties, an array's items, or the shapes a union allows. */
function contents(given: JsonSchema, direction: Direction): SafeHtml | '' {
  const schema = shapeOf(given);
  const variants = (schema.anyOf ?? schema.oneOf)?.filter((variant) => !isNull(variant)).map(merged);
  if (variants) {
    if (variants.every((variant) => contents(variant, direction) === '')) return '';
    return html`<ol class="schema-variants">
      ${variants.map((variant) => html`<li>${schemaView(variant, direction)}</li>`)}
    </ol>`;
  }
  if (schema.type === 'array' && schema.items) return contents(merged(schema.items), direction);
  const properties = Object.entries(schema.properties ?? {});
  if (properties.length === 0) return '';
  const required = new Set(schema.required);
  return html`<ul class="schema-properties">
    ${properties.map(
      ([name, property]) => html`<li>
        <code class="schema-name">${name}</code>
        ${valueLine(merged(property), mark(direction, required.has(name)))} ${contents(merged(property), direction)}
      </li>`,
    )}
  </ul>`;
}

const mark = (direction: Direction, required: boolean) =>
  direction === 'request' ? (required ? 'required' : undefined) : required ? undefined : 'optional';

/** A value's type, whether it is required (or optional), its constraints and its description, on one line. */
function valueLine(schema: JsonSchema, marked: string | undefined): SafeHtml {
  const facts = constraints(shapeOf(schema));
  const description = schema.description ?? shapeOf(schema).description;
  return html`<code class="schema-type">${typeName(schema)}</code>${marked ? html` <span class="schema-${marked}">${marked}</span>` : ''}${
    facts.length > 0 ? html` <span class="schema-facts">${facts.join(', ')}</span>` : ''
  }${description ? html` <span class="schema-description">${prose(description)}</span>` : ''}`;
}

/**
 * A compact, readable rendering of a JSON Schema: its type and constraints, then each property
 * with its type, whether it is required, its allowed values and description, nested as deep as
 * the schema goes; a union lists each shape it allows.
 */
export function schemaView(schema: JsonSchema, direction: Direction): SafeHtml {
  const shown = merged(schema);
  return html`<div class="schema">${valueLine(shown, undefined)} ${contents(shown, direction)}</div>`;
}
