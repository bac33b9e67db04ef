import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '@cdktf/hcl2json';

/** A block as @cdktf/hcl2json gives it: nested blocks are arrays, expressions stay strings (`"${var.x}"`). */
export type Block = Record<string, any>;

export interface Terraform {
  /** type → name → block */
  resource: Record<string, Record<string, Block>>;
  data: Record<string, Record<string, Block>>;
  provider: Record<string, Block>;
  locals: Record<string, any>;
  variable: Record<string, Block>;
  output: Record<string, Block>;
  terraform: Block[];
  files: string[];
}

export const INFRA_DIR = join(__dirname, '..', '..', 'infra');

let loaded: Promise<Terraform> | undefined;

/** Every `.tf` file in infra/, parsed and merged (once per test file). */
export function loadTerraform(): Promise<Terraform> {
  return (loaded ??= load());
}

async function load(): Promise<Terraform> {
  const tf: Terraform = { resource: {}, data: {}, provider: {}, locals: {}, variable: {}, output: {}, terraform: [], files: [] };
  for (const file of readdirSync(INFRA_DIR)
    .filter((f) => f.endsWith('.tf'))
    .sort()) {
    const json = (await parse(file, readFileSync(join(INFRA_DIR, file), 'utf8'))) as Record<string, any>;
    tf.files.push(file);
    for (const kind of ['resource', 'data'] as const) {
      for (const [type, byName] of Object.entries<Record<string, Block[]>>(json[kind] ?? {})) {
        for (const [name, blocks] of Object.entries(byName)) (tf[kind][type] ??= {})[name] = blocks[0];
      }
    }
    for (const [name, blocks] of Object.entries<Block[]>(json.provider ?? {})) tf.provider[name] = blocks[0];
    for (const l of json.locals ?? []) Object.assign(tf.locals, l);
    for (const [name, blocks] of Object.entries<Block[]>(json.variable ?? {})) tf.variable[name] = blocks[0];
    for (const [name, blocks] of Object.entries<Block[]>(json.output ?? {})) tf.output[name] = blocks[0];
    tf.terraform.push(...(json.terraform ?? []));
  }
  return tf;
}

/** The one block of `type.name`; fails the test when it is missing. */
export function resource(tf: Terraform, type: string, name: string): Block {
  const block = tf.resource[type]?.[name];
  if (!block) throw new Error(`infra/ declares no ${type}.${name}`);
  return block;
}

/** Every resource of every type as [`type.name`, block]. */
export function allResources(tf: Terraform): Array<[string, Block]> {
  return Object.entries(tf.resource).flatMap(([type, byName]) => Object.entries(byName).map(([name, b]): [string, Block] => [`${type}.${name}`, b]));
}

/** A Cloud Run v2 service's container env as name → value expression; `dynamic "env"` entries are `optional`. */
export function containerEnv(service: Block): { fixed: Record<string, string>; optional: string[] } {
  const container = service.template[0].containers[0];
  const fixed: Record<string, string> = {};
  for (const e of container.env ?? []) fixed[e.name] = e.value ?? '(from a secret)';
  const optional = (container.dynamic?.env ?? []).flatMap((d: Block) => d.content.map((c: Block) => c.name as string));
  return { fixed, optional };
}

/** `"${google_x.y.id}"` → `google_x.y.id`; other strings unchanged. */
export function ref(expr: string): string {
  const m = /^\$\{([^}]*)\}$/.exec(expr);
  return m ? m[1] : expr;
}
