import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Block } from './terraform';

/**
 * The Google provider's argument schema, read offline from @cdktf/provider-google: its generated
 * bindings map every argument to Terraform in a `…ToTerraform` function per block (and
 * `synthesizeAttributes()` for the top level). A nested block's value names its own function.
 * A schema maps each argument to the schema of its block, or null for a plain attribute.
 */
export type Schema = Map<string, Schema | null>;

export const PROVIDER_PACKAGE_DIR = dirname(require.resolve('@cdktf/provider-google/package.json'));

/** The hashicorp/google version the bindings were generated from. */
export function bindingsProviderVersion(): string {
  return JSON.parse(readFileSync(join(PROVIDER_PACKAGE_DIR, 'package.json'), 'utf8')).cdktf.provider.version;
}

/** `resource` google_cloud_run_v2_service → lib/cloud-run-v2-service; `data` google_project → lib/data-google-project; `provider` google → lib/provider. */
export function blockSchema(kind: 'resource' | 'data' | 'provider', type: string): Schema | undefined {
  const dir = kind === 'provider' ? 'provider' : (kind === 'data' ? type.replace(/^google_/, 'data-google-') : type.replace(/^google_/, '')).replace(/_/g, '-');
  const file = join(PROVIDER_PACKAGE_DIR, 'lib', dir, 'index.js');
  if (!existsSync(file)) return undefined;
  const src = readFileSync(file, 'utf8');
  if (!src.includes(`.tfResourceType = "${type}";`)) return undefined;
  const bodies = new Map<string, string>();
  for (const m of src.matchAll(/^function (\w+)ToTerraform\(struct\) \{\n([\s\S]*?)\n\}$/gm)) bodies.set(m[1], m[2]);
  const top = /synthesizeAttributes\(\) \{\n\s*return \{\n([\s\S]*?)\n\s*\};/.exec(src);
  if (!top) throw new Error(`${file}: no synthesizeAttributes()`);
  const memo = new Map<string, Schema>();
  const build = (body: string): Schema => {
    const schema: Schema = new Map();
    for (const [, arg, expr] of body.matchAll(/^\s+(\w+): (.*),$/gm)) {
      const nested = /(?:^|[^.\w])([a-z]\w*)ToTerraform\b/.exec(expr)?.[1];
      schema.set(arg, nested && bodies.has(nested) ? of(nested) : null);
    }
    return schema;
  };
  const of = (fn: string): Schema => {
    let s = memo.get(fn);
    if (!s) {
      s = new Map();
      memo.set(fn, s);
      for (const [k, v] of build(/return \{\n([\s\S]*?)\n\s*\};/.exec(bodies.get(fn)!)?.[1] ?? '')) s.set(k, v);
    }
    return s;
  };
  return build(top[1]);
}

/** Terraform's own arguments, valid on every resource and data block. */
const META_ARGUMENTS = new Set(['count', 'for_each', 'depends_on', 'provider', 'lifecycle', 'provisioner', 'connection']);

/** Paths (`a.b.c`) of the arguments in `block` that `schema` does not have; `dynamic` blocks are checked through their content. */
export function unknownArguments(block: Block, schema: Schema, path: string): string[] {
  const out: string[] = [];
  const visit = (name: string, value: unknown) => {
    if (!schema.has(name)) {
      out.push(`${path}.${name}`);
      return;
    }
    const nested = schema.get(name);
    if (nested && Array.isArray(value)) {
      for (const item of value) if (item && typeof item === 'object') out.push(...unknownArguments(item as Block, nested, `${path}.${name}`));
    }
  };
  for (const [name, value] of Object.entries(block)) {
    if (META_ARGUMENTS.has(name)) continue;
    if (name === 'dynamic') {
      for (const [blockName, dyns] of Object.entries<Block[]>(value)) for (const d of dyns) visit(blockName, d.content);
      continue;
    }
    visit(name, value);
  }
  return out;
}
