/**
 * JSON Schemas of the resource kinds for editors (YAML language servers, IDEs): the TypeBox schema, which already is
 * JSON Schema, made self-describing (`$schema`, `title`, descriptions) and shaped for what people write: fields with a
 * default are not required, because loading fills them in.
 */
import type { TSchema } from '@sinclair/typebox';
import { ExecutionEnvironmentSchema } from './execution-environment';
import { API_GROUP_VERSION } from './meta';

/** A JSON Schema document (plain JSON). */
export type JsonSchemaDocument = Record<string, unknown>;

/** The dialect the generated schemas declare (the one YAML language servers support best). */
export const JSON_SCHEMA_DIALECT = 'http://json-schema.org/draft-07/schema#';

/** Path of the generated ExecutionEnvironment schema, relative to the repository root. */
export const EXECUTION_ENVIRONMENT_SCHEMA_PATH = 'manifests/schemas/execution-environment.schema.json';

const TOP_LEVEL_DESCRIPTIONS: Readonly<Record<string, string>> = {
  apiVersion: `API group and version of the resource; always "${API_GROUP_VERSION}".`,
  kind: 'Kind of the resource.',
  metadata:
    'Name, labels and annotations; generation, resourceVersion, creationTimestamp and uid are set by the store.',
  spec: 'The desired state of the environment.',
  status: 'Observed state, written by the controller; ignored when applied.',
};

/** The editor schema of ExecutionEnvironment manifests. */
export function executionEnvironmentJsonSchema(): JsonSchemaDocument {
  const plain = toPlainJson(ExecutionEnvironmentSchema);
  delete plain.$id;
  describeProperties(plain, TOP_LEVEL_DESCRIPTIONS);
  return {
    $schema: JSON_SCHEMA_DIALECT,
    title: 'ExecutionEnvironment',
    description:
      `A Poseidon execution environment (${API_GROUP_VERSION}): the image, limits, network access and prewarmed ` +
      'pool size of the runners that execute one exercise language.',
    ...withoutRequiredDefaults(plain),
  };
}

/** A deep JSON copy of a TypeBox schema (drops its symbol-keyed bookkeeping). */
function toPlainJson(schema: TSchema): JsonSchemaDocument {
  return JSON.parse(JSON.stringify(schema)) as JsonSchemaDocument;
}

function describeProperties(schema: JsonSchemaDocument, descriptions: Readonly<Record<string, string>>): void {
  const properties = schema.properties as Record<string, JsonSchemaDocument> | undefined;
  for (const [name, description] of Object.entries(descriptions)) {
    const property = properties?.[name];
    if (property && property.description === undefined) property.description = description;
  }
}

/** Removes fields that have a default from every `required` list, recursively. */
function withoutRequiredDefaults(schema: JsonSchemaDocument): JsonSchemaDocument {
  const copy: JsonSchemaDocument = {};
  for (const [key, value] of Object.entries(schema)) {
    if (Array.isArray(value)) copy[key] = value.map((item) => (isObject(item) ? withoutRequiredDefaults(item) : item));
    else copy[key] = isObject(value) ? withoutRequiredDefaults(value) : value;
  }
  const properties = copy.properties;
  if (Array.isArray(copy.required) && isObject(properties)) {
    copy.required = copy.required.filter((name) => {
      const property = properties[String(name)];
      return !(isObject(property) && 'default' in property);
    });
  }
  return copy;
}

function isObject(value: unknown): value is JsonSchemaDocument {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
