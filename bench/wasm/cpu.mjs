// The worker's CPU per search in wasm under V8, the engine workerd embeds: `node cpu.mjs <glue.js> <dir>`,
// where <glue.js> is wasm-bindgen's Node.js output for bench/wasm, and <dir> holds a locale's index.bin,
// vectors.bin and texts/<n>.bin as `edgedesk build` writes them, and queries.json: [{"text", "answer"}],
// `answer` being the embeddings provider's JSON for the query.
// Prints {"articles", "sections", "words": [p50, p99], "meaning": [p50, p99]} in milliseconds.
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";

const ROUNDS = 5;
const [gluePath, dir] = process.argv.slice(2);
const wasm = createRequire(import.meta.url)(gluePath);

function load(exported, path) {
  const answer = exported(readFileSync(path));
  if (answer === 0) throw new Error(`${exported.name} refused ${path}`);
  return answer;
}

const articles = load(wasm.load_index, `${dir}/index.bin`);
const shards = readdirSync(`${dir}/texts`).map((name) => parseInt(name, 10)).sort((a, b) => a - b);
for (const number of shards) load(wasm.load_shard, `${dir}/texts/${number}.bin`);
const sections = load(wasm.load_vectors, `${dir}/vectors.bin`);
const queries = JSON.parse(readFileSync(`${dir}/queries.json`, "utf8"));

/** Milliseconds one search takes, passing its strings into the wasm included. */
function timed(query, byMeaning) {
  const answer = byMeaning ? query.answer : "";
  const started = process.hrtime.bigint();
  const hits = wasm.search(query.text, answer);
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (hits === 0xffffffff) throw new Error(`the search for ${JSON.stringify(query.text)} was refused`);
  return elapsed;
}

function percentiles(byMeaning) {
  for (const query of queries) timed(query, byMeaning); // warm, as an isolate is after its first query
  const samples = [];
  for (let round = 0; round < ROUNDS; round++) for (const query of queries) samples.push(timed(query, byMeaning));
  samples.sort((a, b) => a - b);
  const at = (share) => samples[Math.min(samples.length - 1, Math.round((samples.length - 1) * share))];
  return [at(0.5), at(0.99)];
}

console.log(JSON.stringify({ articles, sections, words: percentiles(false), meaning: percentiles(true) }));
