// Usage: node scripts/drop-exports.mjs <module.wasm> <graph.json> <pattern>
// Writes the graph binaryen's wasm-metadce reads: every export of the module is a root except those whose
// name matches <pattern>, so that wasm-metadce removes them and the code only they reach.
import fs from "node:fs";

const [wasmPath, graphPath, pattern] = process.argv.slice(2);
const exports = WebAssembly.Module.exports(new WebAssembly.Module(fs.readFileSync(wasmPath)));
const dropped = new RegExp(pattern);
const kept = exports.filter((entry) => !dropped.test(entry.name));
if (kept.length === exports.length) {
  // Nothing matched: the crate changed its names, and this step would silently stop cutting.
  console.error(`drop-exports: no export of ${wasmPath} matches ${pattern}`);
  process.exit(1);
}
const graph = [{ name: "root", root: true, reaches: kept.map((entry) => `export:${entry.name}`) }];
for (const entry of exports) graph.push({ name: `export:${entry.name}`, export: entry.name });
fs.writeFileSync(graphPath, JSON.stringify(graph));
