import { readFileSync } from 'node:fs';

/**
 * A validator over OCSF's own source files (test/fixtures/ocsf, vendored from the 1.8.0 release):
 * resolves a class or object through `extends` and `$include`d profiles, takes types and enums from
 * the dictionary, and checks required attributes, unknown attributes, types, enum values, enum
 * captions of siblings (severity ↔ severity_id) and `at_least_one` constraints.
 */

interface SourceFile {
  extends?: string;
  name?: string;
  constraints?: { at_least_one?: string[] };
  attributes?: Record<string, unknown>;
}

interface Attr {
  requirement?: string;
  type?: string;
  isArray: boolean;
  enum?: Record<string, { caption?: string }>;
  sibling?: string;
  /** Set for attributes that a profile brings: required only when the event applies the profile. */
  profile?: string;
}

interface Resolved {
  attrs: Map<string, Attr>;
  atLeastOne: string[][];
}

const root = new URL('../fixtures/ocsf/', import.meta.url);
const load = (rel: string): SourceFile => JSON.parse(readFileSync(new URL(rel, root), 'utf8')) as SourceFile;
const dictionary = load('dictionary.json') as { attributes: Record<string, Record<string, unknown>>; types: { attributes: Record<string, { type?: string; regex?: string }> } };

function merge(into: Resolved, file: SourceFile, profile?: string): void {
  const attributes = file.attributes ?? {};
  for (const inc of [attributes['$include'] ?? []].flat() as string[]) merge(into, load(inc), load(inc).name);
  for (const [name, raw] of Object.entries(attributes)) {
    if (name === '$include') continue;
    const spec = { ...(raw as object) } as { requirement?: string; enum?: Attr['enum']; profile?: string | null; type?: string };
    const dict = dictionary.attributes[name] ?? {};
    const prev = into.attrs.get(name);
    // The class's own uid and category replace base_event's placeholder enums; checked below instead.
    if (name === 'class_uid' || name === 'category_uid') delete spec.enum;
    const fromProfile = spec.profile === null ? undefined : (spec.profile ?? profile ?? prev?.profile);
    const requirement = spec.requirement ?? prev?.requirement;
    const type = spec.type ?? prev?.type ?? (dict['type'] as string | undefined);
    const dictEnum = dict['enum'] as Attr['enum'];
    const sibling = dict['sibling'] as string | undefined;
    into.attrs.set(name, {
      isArray: dict['is_array'] === true,
      ...(requirement ? { requirement } : {}),
      ...(type ? { type } : {}),
      ...(spec.enum || prev?.enum || dictEnum ? { enum: { ...dictEnum, ...prev?.enum, ...spec.enum } } : {}),
      ...(sibling ? { sibling } : {}),
      ...(fromProfile ? { profile: fromProfile } : {}),
    });
  }
  if (file.constraints?.at_least_one) into.atLeastOne.push(file.constraints.at_least_one);
}

const cache = new Map<string, Resolved>();
function resolve(rel: string): Resolved {
  const hit = cache.get(rel);
  if (hit) return hit;
  const file = load(rel);
  const parentRel = !file.extends || file.extends === 'object' ? undefined : rel.startsWith('objects/') ? `objects/${file.extends}.json` : file.extends === 'base_event' ? 'events/base_event.json' : `events/findings/${file.extends}.json`;
  const parent = parentRel ? resolve(parentRel) : undefined;
  const out: Resolved = { attrs: new Map(parent?.attrs), atLeastOne: [...(parent?.atLeastOne ?? [])] };
  merge(out, file);
  cache.set(rel, out);
  return out;
}

function checkScalar(value: unknown, type: string, path: string, errors: string[]): void {
  const def = dictionary.types.attributes[type];
  const base = def?.type ?? type;
  const ok =
    base === 'string_t' ? typeof value === 'string' && (!def?.regex || new RegExp(def.regex).test(value))
    : base === 'integer_t' || base === 'long_t' ? Number.isInteger(value)
    : base === 'float_t' ? typeof value === 'number'
    : base === 'boolean_t' ? typeof value === 'boolean'
    : base === 'json_t' ? value !== undefined
    : false;
  if (!ok) errors.push(`${path}: expected ${type}, got ${JSON.stringify(value)}`);
}

function checkObject(value: unknown, resolved: Resolved, path: string, profiles: readonly string[], errors: string[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    errors.push(`${path}: expected an object`);
    return;
  }
  const obj = value as Record<string, unknown>;
  for (const [name, attr] of resolved.attrs) {
    if (attr.requirement === 'required' && (!attr.profile || profiles.includes(attr.profile)) && obj[name] === undefined) errors.push(`${path}.${name}: required`);
  }
  for (const group of resolved.atLeastOne) if (!group.some((n) => obj[n] !== undefined)) errors.push(`${path}: needs at least one of ${group.join(', ')}`);
  for (const [name, v] of Object.entries(obj)) {
    const attr = resolved.attrs.get(name);
    const at = `${path}.${name}`;
    const type = attr?.type;
    if (!attr || !type) {
      errors.push(`${at}: not an attribute of this class/object`);
      continue;
    }
    const items = attr.isArray ? (Array.isArray(v) ? v : (errors.push(`${at}: expected an array`), [])) : [v];
    items.forEach((item, i) => {
      const p = attr.isArray ? `${at}[${i}]` : at;
      if (type === 'object') {
        if (typeof item !== 'object' || item === null) errors.push(`${p}: expected an object`);
      } else if (dictionary.types.attributes[type] || type.endsWith('_t')) checkScalar(item, type, p, errors);
      else checkObject(item, resolve(`objects/${type}.json`), p, profiles, errors);
      if (attr.enum && !Object.hasOwn(attr.enum, String(item))) errors.push(`${p}: ${JSON.stringify(item)} is not one of ${Object.keys(attr.enum).join(', ')}`);
    });
    const caption = attr.enum?.[String(v)]?.caption;
    if (attr.sibling && caption && v !== 99 && obj[attr.sibling] !== undefined && obj[attr.sibling] !== caption) errors.push(`${path}.${attr.sibling}: "${String(obj[attr.sibling])}" does not match ${name} ${String(v)} (${caption})`);
  }
}

/** Problems of one event against a class (e.g. `events/findings/detection_finding.json`); empty when valid. */
export function validateOcsfEvent(event: Record<string, unknown>, classFile: string): string[] {
  const errors: string[] = [];
  const profiles = ((event['metadata'] as { profiles?: string[] } | undefined)?.profiles ?? []).map(String);
  checkObject(event, resolve(classFile), '$', profiles, errors);
  // class_uid = category uid × 1000 + class uid; type_uid = class_uid × 100 + activity_id.
  const chain: SourceFile[] = [];
  for (let rel: string | undefined = classFile; rel; ) {
    const f = load(rel) as SourceFile & { uid?: number; category?: string };
    chain.push(f);
    rel = f.extends && f.extends !== 'base_event' ? `events/findings/${f.extends}.json` : undefined;
  }
  const uid = (chain[0] as { uid?: number }).uid ?? 0;
  const category = chain.map((f) => (f as { category?: string }).category).find(Boolean) ?? '';
  const categoryUid = (load('categories.json').attributes?.[category] as { uid?: number } | undefined)?.uid ?? -1;
  if (event['category_uid'] !== categoryUid) errors.push(`$.category_uid: expected ${categoryUid} (${category})`);
  if (event['class_uid'] !== categoryUid * 1000 + uid) errors.push(`$.class_uid: expected ${categoryUid * 1000 + uid}`);
  if (event['type_uid'] !== Number(event['class_uid']) * 100 + Number(event['activity_id'])) errors.push('$.type_uid: expected class_uid × 100 + activity_id');
  return errors;
}
