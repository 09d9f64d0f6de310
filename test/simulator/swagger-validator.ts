// A small validator for the Swagger 2.0 schemas in Woodpecker's own spec. Besides types it fails
// on every property the spec does not define, so the simulator cannot drift into fiction.
//
// Go-isms accepted on purpose: a nil slice or map marshals to `null` (pipelines-example.json has
// `"errors": null`, `"event_reason": null`), so arrays and maps may be null. Nothing else may.

export interface Schema {
  type?: string;
  $ref?: string;
  allOf?: Schema[];
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  required?: string[];
  description?: string;
}

export interface SwaggerDoc {
  definitions: Record<string, Schema>;
}

export class SwaggerValidator {
  constructor(private readonly doc: SwaggerDoc) {}

  /** Errors for `value` against `#/definitions/<name>` (or an inline schema); [] = valid. */
  validate(value: unknown, schema: Schema | string, path = "$"): string[] {
    const s = typeof schema === "string" ? this.ref(`#/definitions/${schema}`) : schema;
    const errors: string[] = [];
    this.check(value, s, path, errors);
    return errors;
  }

  private ref(ref: string): Schema {
    const m = /^#\/definitions\/(.+)$/.exec(ref);
    const def = m ? this.doc.definitions[m[1] ?? ""] : undefined;
    if (!def) throw new Error(`unresolvable $ref ${ref}`);
    return def;
  }

  /** Follow $ref and merge allOf, so property checks see the full set of allowed keys. */
  private resolve(s: Schema): Schema {
    if (s.$ref) return this.resolve(this.ref(s.$ref));
    if (!s.allOf) return s;
    const parts = s.allOf.map((p) => this.resolve(p));
    const merged: Schema = { ...s, allOf: undefined };
    for (const p of parts) {
      merged.type ??= p.type;
      if (p.properties) merged.properties = { ...merged.properties, ...p.properties };
      if (p.enum) merged.enum = p.enum;
      if (p.items) merged.items = p.items;
      if (p.additionalProperties !== undefined) merged.additionalProperties = p.additionalProperties;
      if (p.required) merged.required = [...(merged.required ?? []), ...p.required];
    }
    return merged;
  }

  private check(value: unknown, schema: Schema, path: string, errors: string[]): void {
    const s = this.resolve(schema);
    if (s.enum && !s.enum.includes(value)) {
      errors.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`);
      return;
    }
    const isMap = s.type === "object" && !s.properties && typeof s.additionalProperties === "object";
    if (value === null && (s.type === "array" || isMap)) return; // Go nil slice / nil map
    switch (s.type) {
      case undefined:
        if (s.properties) break; // object without explicit type
        return; // `{}`: any value
      case "integer":
        if (!Number.isInteger(value)) errors.push(`${path}: expected integer, got ${JSON.stringify(value)}`);
        return;
      case "number":
        if (typeof value !== "number") errors.push(`${path}: expected number, got ${JSON.stringify(value)}`);
        return;
      case "string":
        if (typeof value !== "string") errors.push(`${path}: expected string, got ${JSON.stringify(value)}`);
        return;
      case "boolean":
        if (typeof value !== "boolean") errors.push(`${path}: expected boolean, got ${JSON.stringify(value)}`);
        return;
      case "array":
        if (!Array.isArray(value)) {
          errors.push(`${path}: expected array, got ${JSON.stringify(value)}`);
          return;
        }
        if (s.items) value.forEach((v, i) => this.check(v, s.items as Schema, `${path}[${i}]`, errors));
        return;
      case "object":
        break;
      default:
        errors.push(`${path}: unsupported schema type ${s.type}`);
        return;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      errors.push(`${path}: expected object, got ${JSON.stringify(value)}`);
      return;
    }
    const obj = value as Record<string, unknown>;
    for (const key of s.required ?? []) if (!(key in obj)) errors.push(`${path}: missing required property "${key}"`);
    for (const [key, v] of Object.entries(obj)) {
      const prop = s.properties?.[key];
      if (prop) this.check(v, prop, `${path}.${key}`, errors);
      else if (typeof s.additionalProperties === "object")
        this.check(v, s.additionalProperties, `${path}.${key}`, errors);
      else if (s.additionalProperties === true || (!s.properties && s.additionalProperties === undefined)) continue;
      else errors.push(`${path}: property "${key}" is not defined by the spec`);
    }
  }
}
