import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BallastError } from '../../shared/errors';
import { parseDemoManifest, type DemoManifest } from '../io/demo-manifest';

/**
 * The bundled demo's manifest (resources/demo/demo.json). Apart from the demo job (demo.ts) so that `app.info`, which
 * names the demo account, does not load the job's file readers on the thread that dispatches (issue 10).
 */
export function readDemoManifest(resourcesDir: string): DemoManifest {
  const file = path.join(resourcesDir, 'demo', 'demo.json');
  try {
    return parseDemoManifest(readFileSync(file, 'utf8'), file);
  } catch (err) {
    if (err instanceof BallastError) throw err;
    throw new BallastError('INTERNAL', `The bundled demo data is missing (${file}): ${(err as Error).message}`);
  }
}
