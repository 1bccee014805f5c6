// The same recipe with sharp (libvips), the Electron app's engine, on the inputs bench/processing.py wrote:
//   .venv/bin/python bench/processing.py --save-dir /tmp/bench-in
//   npm install --prefix /tmp/sharp sharp && NODE_PATH=/tmp/sharp/node_modules node bench/processing_sharp.mjs /tmp/bench-in
// Recipe: trim (alpha threshold 50), sharpen sigma 1.0 (our slider 5), saturation 1.4, flatten on white, JPG q90.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const sharp = require('sharp');
const folder = process.argv[2];
const inputs = readdirSync(folder).filter((f) => f.endsWith('.png')).sort().map((f) => readFileSync(join(folder, f)));

async function recipe(data) {
  const trimmed = await sharp(data).trim({ threshold: 50 }).toBuffer();
  return sharp(trimmed).sharpen({ sigma: 1.0 }).modulate({ saturation: 1.4 }).flatten({ background: '#ffffff' })
    .jpeg({ quality: 90, chromaSubsampling: '4:4:4' }).toBuffer();
}

async function run(label, threads, parallel) {
  sharp.concurrency(threads);
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  if (parallel) await Promise.all(inputs.map(recipe));
  else for (const data of inputs) await recipe(data);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore); // all of the process's threads (libvips works on its own)
  const cpuMs = (cpu.user + cpu.system) / 1000 / inputs.length;
  console.log(`${label}: ${(inputs.length / seconds).toFixed(2)} images/s (${(1000 * seconds / inputs.length).toFixed(0)} ms/image, ${cpuMs.toFixed(0)} ms CPU/image)`);
}

await recipe(inputs[0]); // warm-up
await run('sharp, 1 thread, one at a time', 1, false);
await run('sharp, all threads, all at once', 0, true);
