// Lets a plain `node` process require this project's TypeScript sources: `node -r ./ts-register.cjs script.ts`.
// Each .ts file is transpiled with the project's TypeScript (no type check; the build does that), so test drivers run
// in child processes without a prior `npm run build` and without ts-node. Output is cached in the system temp folder
// by content hash, so later processes start without loading the compiler.
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const cacheDir = path.join(os.tmpdir(), 'poseidon-ts-register-cache');
let ts;

function transpile(source, filename) {
  ts ??= require('typescript');
  const compilerOptions = {
    module: ts.ModuleKind.CommonJS,
    target: ts.ScriptTarget.ES2022,
    esModuleInterop: true,
    inlineSourceMap: true,
  };
  return ts.transpileModule(source, { compilerOptions, fileName: filename }).outputText;
}

function cached(source, filename) {
  const key = crypto.createHash('sha256').update(filename).update('\0').update(source).digest('hex');
  const file = path.join(cacheDir, `${key}.js`);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    const output = transpile(source, filename);
    fs.mkdirSync(cacheDir, { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, output);
    fs.renameSync(temporary, file);
    return output;
  }
}

require.extensions['.ts'] = (module, filename) => {
  module._compile(cached(fs.readFileSync(filename, 'utf8'), filename), filename);
};
