import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Firestore } from '@google-cloud/firestore';
import { compositeQuery } from '../../services/shared/src/store/firestore';
import { COMPOSITE_INDEXES, type CompositeIndex, TTL_POLICIES } from '../../services/shared/src/store/indexes';
import { describeIf, firestoreAvailable, uniqueProjectId } from '../helpers/emulators';
import { loadTerraform, resource } from '../helpers/terraform';

const SERVICES = join(__dirname, '..', '..', 'services');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The index Firestore needs for a declared query, in Terraform's terms. */
function indexFields(q: CompositeIndex): string[][] {
  return [
    ...q.equal.map((f) => [f, 'ASCENDING']),
    ...(q.contains ? [[q.contains, 'CONTAINS']] : []),
    ...q.order.map((o) => [o.field, o.direction === 'asc' ? 'ASCENDING' : 'DESCENDING']),
  ];
}

describe('Firestore in infra/ carries what the code relies on (store/indexes.ts)', () => {
  it('is a Native-mode database', async () => {
    expect(resource(await loadTerraform(), 'google_firestore_database', 'main').type).toBe('FIRESTORE_NATIVE');
  });

  it('has a TTL policy for every TTL field the code writes, and no other', async () => {
    const tf = await loadTerraform();
    const declared = Object.values(TTL_POLICIES)
      .map((p) => [p.collection, p.field])
      .sort();
    expect(Object.entries(tf.locals.ttl_fields).sort()).toEqual(declared);
    const field = resource(tf, 'google_firestore_field', 'ttl');
    expect(field.for_each).toBe('${local.ttl_fields}');
    expect(field.ttl_config).toEqual([{}]);
  });

  it('has a composite index for every composite query the code runs, and no other', async () => {
    const tf = await loadTerraform();
    const declared = Object.fromEntries(
      Object.entries(COMPOSITE_INDEXES as Record<string, CompositeIndex>).map(([name, q]) => [name, { collection: q.collection, fields: indexFields(q) }]),
    );
    expect(tf.locals.composite_indexes).toEqual(declared);
    const index = resource(tf, 'google_firestore_index', 'composite');
    expect(index.for_each).toBe('${local.composite_indexes}');
    expect(index.dynamic.fields[0].for_each).toBe('${each.value.fields}');
  });

  it('builds queries only in compositeQuery(), so every query the code runs is a declared one', () => {
    const builders = /\.(where|orderBy|findNearest|collectionGroup)\(/g;
    const found: string[] = [];
    for (const file of sources(SERVICES)) {
      let text = readFileSync(file, 'utf8');
      if (file.endsWith(join('store', 'firestore.ts'))) text = text.replace(/export function compositeQuery[\s\S]*?\n\}\n/, '');
      for (const m of text.matchAll(builders)) found.push(`${file.slice(SERVICES.length + 1)}: .${m[1]}(`);
    }
    expect(found).toEqual([]);
  });
});

describeIf(firestoreAvailable())('compositeQuery on the Firestore emulator', () => {
  const db = new Firestore({ projectId: uniqueProjectId('composite-query') });
  afterAll(() => db.terminate());

  it('filters on the equality fields and orders as declared', async () => {
    const col = db.collection('budgets_test');
    await Promise.all(
      [
        ['a', 'web', 1],
        ['b', 'web', 3],
        ['c', 'api', 2],
        ['d', 'web', 2],
      ].map(([id, team, at]) => col.doc(id as string).set({ team, at })),
    );
    const q = { collection: 'workspaces', equal: ['team'], order: [{ field: 'at', direction: 'desc' }] } as const;
    const snap = await compositeQuery(col, q, { team: 'web' }).get();
    expect(snap.docs.map((d) => d.id)).toEqual(['b', 'd', 'a']);
  });
});
