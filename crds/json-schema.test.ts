import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { EXECUTION_ENVIRONMENT_SCHEMA_PATH, executionEnvironmentJsonSchema } from './json-schema';

describe('executionEnvironmentJsonSchema', () => {
  const schema = executionEnvironmentJsonSchema() as {
    $schema: string;
    title: string;
    required: string[];
    properties: Record<string, { description?: string; required?: string[]; properties?: object }>;
  };

  it('is a self-describing draft-07 schema whose defaulted spec fields are optional', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.title).toBe('ExecutionEnvironment');
    expect(schema.required).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    expect(schema.properties.spec?.required).toEqual(['id', 'image']);
    for (const property of Object.values(schema.properties)) expect(property.description).toEqual(expect.any(String));
  });

  it('matches the checked-in file (run `npm run gen:schemas` when this fails)', () => {
    const path = join(__dirname, '..', EXECUTION_ENVIRONMENT_SCHEMA_PATH);
    let checkedIn: unknown;
    try {
      checkedIn = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new Error(
        `${EXECUTION_ENVIRONMENT_SCHEMA_PATH} cannot be read (${String(error)}): run npm run gen:schemas`,
      );
    }
    if (!isDeepStrictEqual(checkedIn, schema)) {
      throw new Error(`${EXECUTION_ENVIRONMENT_SCHEMA_PATH} is stale: run npm run gen:schemas`);
    }
  });
});
