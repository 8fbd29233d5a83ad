/**
 * Checks the double's own answers against hack/openapi/nomad.yaml (used in tests): JSON bodies against the declared
 * response schema of their operation and status, event-stream frames against `EventFrame`, exec frames against
 * `ExecStreamingOutput`. Violations are collected, not thrown, so a test can assert that there were none.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import { parse } from 'yaml';

/** Location of the OpenAPI document. */
export const OPENAPI_PATH = path.join(__dirname, '..', 'openapi', 'nomad.yaml');

type Document = {
  paths: Record<string, Record<string, { operationId?: string; responses?: Record<string, unknown> }>>;
};

/** A validator over the document. */
export class OpenApiValidator {
  readonly violations: string[] = [];
  private readonly ajv: Ajv2020;
  private readonly operations = new Map<string, { pointer: string; statuses: Set<string> }>();
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(file = OPENAPI_PATH) {
    const document = parse(readFileSync(file, 'utf8')) as Document;
    this.ajv = new Ajv2020({ strict: false, allErrors: true, allowUnionTypes: true, validateSchema: false });
    this.ajv.addSchema(document as object, 'nomad');
    for (const [route, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        if (!operation?.operationId) continue;
        const pointer = `#/paths/${escape(route)}/${method}/responses`;
        this.operations.set(operation.operationId, {
          pointer,
          statuses: new Set(Object.keys(operation.responses ?? {})),
        });
      }
    }
  }

  /** Validates one answer of `operation`. `body` undefined = a non-JSON body. */
  response(operation: string, status: number, body: unknown, json: boolean): void {
    const known = this.operations.get(operation);
    if (!known) return void this.violations.push(`${operation}: not in the OpenAPI document`);
    if (!known.statuses.has(String(status)))
      return void this.violations.push(`${operation}: status ${status} is not declared`);
    if (!json) return;
    const validate = this.schema(`${known.pointer}/${status}/content/application~1json/schema`);
    if (validate && !validate(body)) this.record(`${operation} ${status}`, validate);
  }

  /** Validates a frame against a component schema (`EventFrame`, `ExecStreamingOutput`). */
  component(name: string, value: unknown): void {
    const validate = this.schema(`#/components/schemas/${name}`);
    if (validate && !validate(value)) this.record(name, validate);
  }

  private schema(pointer: string): ValidateFunction | undefined {
    let validate = this.compiled.get(pointer);
    if (!validate) {
      try {
        validate = this.ajv.compile({ $ref: `nomad${pointer}` });
      } catch (error) {
        this.violations.push(`no schema at ${pointer}: ${(error as Error).message}`);
        return undefined;
      }
      this.compiled.set(pointer, validate);
    }
    return validate;
  }

  private record(where: string, validate: ValidateFunction): void {
    const errors = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).slice(0, 5);
    this.violations.push(`${where}: ${errors.join('; ')}`);
  }
}

function escape(route: string): string {
  return route.replace(/~/g, '~0').replace(/\//g, '~1').replace(/\{/g, '%7B').replace(/\}/g, '%7D');
}
