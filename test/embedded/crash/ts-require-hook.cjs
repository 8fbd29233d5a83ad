// Lets a plain `node` child process load the project's TypeScript sources (for tests that must kill a real service
// process): every required .ts file is transpiled to CommonJS on the fly with the project's own compiler, types
// unchecked (tsc checks them in `npm run build`).
'use strict';

const fs = require('node:fs');
const ts = require('typescript');

require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const output = ts.transpileModule(source, {
    fileName: filename,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      sourceMap: false,
    },
  });
  module._compile(output.outputText, filename);
};
