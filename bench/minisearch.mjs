// MiniSearch with the options its README starts from (prefix search, fuzzy 0.2), over the same articles:
// reads {documents: [{id, title, text}], queries: [string]} on stdin and writes, for each query, the ids of
// its first ten results as a JSON array, then the index's JSON size, which is what a browser downloads.
import MiniSearch from "minisearch";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const { documents, queries } = JSON.parse(input);
const search = new MiniSearch({ fields: ["title", "text"], storeFields: ["title"] });
search.addAll(documents);
const results = queries.map((query) => {
  const started = process.hrtime.bigint();
  const ids = search.search(query, { prefix: true, fuzzy: 0.2 }).slice(0, 10).map((hit) => hit.id);
  return { ids, ms: Number(process.hrtime.bigint() - started) / 1e6 };
});
process.stdout.write(JSON.stringify({ results, index_bytes: JSON.stringify(search).length }));
