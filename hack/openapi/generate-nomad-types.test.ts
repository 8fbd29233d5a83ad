import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const generator = path.join(__dirname, 'generate-nomad-types.cjs');
const committed = path.join(__dirname, '..', '..', 'controllers', 'backends', 'nomad', 'generated', 'nomad-api.d.ts');

describe('generated Nomad API types', () => {
  it('match what hack/openapi/nomad.yaml generates today (run `npm run gen:nomad-types` when this fails)', async () => {
    // The generator runs in a child Node process: openapi-typescript's dependencies are ES modules, which Node's
    // require() loads but Jest's module registry does not. It renders in memory and prints; nothing is written.
    const { stdout } = await run(process.execPath, [generator, '--stdout'], { maxBuffer: 16 * 1024 * 1024 });
    const onDisk = await readFile(committed, 'utf8');
    expect(stdout.length).toBeGreaterThan(1000);
    expect(onDisk).toBe(stdout);
  });
});
