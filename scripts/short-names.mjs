// Usage: node scripts/short-names.mjs <module.wasm> <glue.js> <chunks-loader.js>
// wasm-bindgen names every function the glue gives the wasm after the function and a 16-digit hash
// (`__wbg_setAttribute_2c1d8a5f3e0b9c47`), under the module "./<name>_bg.js", and exports closure adapters
// under their whole Rust paths. Each name is written in the wasm and again in the glue, and the hashes do
// not compress. This gives the module, each import and each export the glue calls a name of one or two
// letters, in both files. The exports the lazy chunks' loader (`__wasm_split.js`) reads keep their names.
// (binaryen's --minify-imports-and-exports renames only the "env" imports Emscripten writes.) Anything it
// cannot match exactly stops the build: a glue and a wasm that disagree would fail on every page.
import fs from "node:fs";

const [wasmPath, gluePath, chunksLoaderPath] = process.argv.slice(2);
const bytes = fs.readFileSync(wasmPath);
let glue = fs.readFileSync(gluePath, "utf8");
const chunksLoader = fs.readFileSync(chunksLoaderPath, "utf8");
// The minified glue keeps the wasm's exports in one variable: `c=r.exports`, then `c.mount(…)`.
const exportsVariable = glue.match(/([\w$]+)=[\w$]+\.exports,/)?.[1];

function fail(message) {
  console.error(`short-names: ${message}`);
  process.exit(1);
}

let at = 8;
function leb() {
  let result = 0;
  let shift = 0;
  let byte;
  do {
    byte = bytes[at++];
    result += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return result;
}
function name() {
  const length = leb();
  const text = bytes.subarray(at, at + length).toString("utf8");
  at += length;
  return text;
}
function encodeLeb(value) {
  const out = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return Buffer.from(out);
}
function encodeName(text) {
  const utf8 = Buffer.from(text, "utf8");
  return Buffer.concat([encodeLeb(utf8.length), utf8]);
}
// a … z, A … Z, then two letters: valid keys in JavaScript, never `__proto__`.
const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
function shortName(index) {
  return index < letters.length
    ? letters[index]
    : letters[Math.floor(index / letters.length) - 1] + letters[index % letters.length];
}

const parts = [bytes.subarray(0, 8)];
let bindgenModule = null;
let renamed = 0;
let renamedExports = 0;
while (at < bytes.length) {
  const sectionStart = at;
  const id = bytes[at++];
  const size = leb();
  const contentStart = at;
  if (id === 7) {
    parts.push(shortExports(contentStart, size));
    continue;
  }
  if (id !== 2) {
    at = contentStart + size;
    parts.push(bytes.subarray(sectionStart, at));
    continue;
  }
  const count = leb();
  const entries = [encodeLeb(count)];
  for (let index = 0; index < count; index++) {
    const module = name();
    const field = name();
    const descriptorStart = at;
    const kind = bytes[at++];
    if (kind === 0) leb(); // a function: its type
    else if (kind === 1 || kind === 2) {
      if (kind === 1) at++; // a table: its element type
      const flags = leb();
      leb();
      if (flags & 1) leb();
    } else if (kind === 3) at += 2; // a global: its type and mutability
    else fail(`import ${module}.${field} is of a kind (${kind}) this script does not know`);
    const descriptor = bytes.subarray(descriptorStart, at);
    if (module.endsWith("_bg.js")) {
      if (bindgenModule !== null && bindgenModule !== module) fail(`two glue modules: ${bindgenModule}, ${module}`);
      bindgenModule = module;
      const short = shortName(renamed++);
      // The glue's object keys are unquoted identifiers: exactly one `<field>:` each.
      const key = new RegExp(`(?<![\\w$])${field.replace(/\$/g, "\\$")}(?=:)`, "g");
      const found = glue.match(key)?.length ?? 0;
      if (found !== 1) fail(`${field} is a key of the glue's import object ${found} times, not once`);
      glue = glue.replace(key, short);
      entries.push(encodeName("a"), encodeName(short), descriptor);
    } else {
      entries.push(encodeName(module), encodeName(field), descriptor);
    }
  }
  if (at !== contentStart + size) fail("the import section did not parse to its end");
  const content = Buffer.concat(entries);
  parts.push(Buffer.from([2]), encodeLeb(content.length), content);
}
/** The export section from `start`, with the exports only the glue calls renamed there and in the glue. */
function shortExports(start, size) {
  if (!exportsVariable) fail("the glue's variable for the wasm's exports was not found");
  const count = leb();
  const entries = [encodeLeb(count)];
  for (let index = 0; index < count; index++) {
    const field = name();
    const descriptorStart = at;
    at++; // the kind
    leb(); // its index
    const descriptor = bytes.subarray(descriptorStart, at);
    if (new RegExp(`(?<![\\w$])${field}(?![\\w$])`).test(chunksLoader)) {
      entries.push(encodeName(field), descriptor);
      continue;
    }
    const short = shortName(renamedExports++);
    const use = new RegExp(`(?<![\\w$.])${exportsVariable}\\.${field.replace(/\$/g, "\\$")}(?![\\w$])`, "g");
    glue = glue.replace(use, `${exportsVariable}.${short}`);
    entries.push(encodeName(short), descriptor);
  }
  if (at !== start + size) fail("the export section did not parse to its end");
  const content = Buffer.concat(entries);
  return Buffer.concat([Buffer.from([7]), encodeLeb(content.length), content]);
}

if (bindgenModule === null) fail(`${wasmPath} imports nothing from wasm-bindgen's glue`);
const moduleKey = JSON.stringify(bindgenModule) + ":";
const moduleKeys = glue.split(moduleKey).length - 1;
if (moduleKeys !== 1) fail(`${moduleKey} is in the glue ${moduleKeys} times, not once`);
glue = glue.replace(moduleKey, "a:");

const shortened = Buffer.concat(parts);
// Still a module the browser compiles, importing only what the glue now provides.
const imports = WebAssembly.Module.imports(new WebAssembly.Module(shortened));
for (const entry of imports.filter((entry) => entry.module === "a")) {
  if (!new RegExp(`[{,]${entry.name}:`).test(glue)) fail(`the glue lost ${entry.name}`);
}
// Every export the glue still calls by name must be one the wasm has. (The glue also keeps calls to
// exports wasm-metadce dropped before, from classes nothing uses: those were missing already.)
const exportsOf = (module) => new Set(WebAssembly.Module.exports(new WebAssembly.Module(module)).map((entry) => entry.name));
const [before, after] = [exportsOf(bytes), exportsOf(shortened)];
for (const [, used] of glue.matchAll(new RegExp(`(?<![\\w$.])${exportsVariable}\\.([\\w$]+)`, "g"))) {
  if (before.has(used) && !after.has(used)) fail(`the glue calls ${used}, which the wasm no longer exports`);
}
fs.writeFileSync(wasmPath, shortened);
fs.writeFileSync(gluePath, glue);
console.log(`short-names: ${renamed} imports and ${renamedExports} exports renamed`);
