import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type BodyStore, bodyObjectName, type CapturedBody } from './body-store';

/** Captured bodies as JSON files under a folder (local mode): `<dir>/bodies/<request id>/<part>.json`. */
export function folderBodyStore(dir: string): BodyStore {
  const path = (requestId: string, part: string) => join(dir, bodyObjectName(requestId, part as 'request'));
  return {
    async put(requestId, part, body) {
      const file = path(requestId, part);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, JSON.stringify(body));
    },
    async get(requestId, part) {
      try {
        return JSON.parse(await readFile(path(requestId, part), 'utf8')) as CapturedBody;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
  };
}
