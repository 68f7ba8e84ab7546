// The widget's unit tests run in Node on the unsplit wasm, which imports the lazy chunks' functions from
// this placeholder module (scripts/build.sh's wasm-split-cli step replaces it in real builds). The tests
// never open a lazy screen: any call here is a bug in the test.
module.exports = new Proxy({}, {
  get: (_, name) => () => {
    throw new Error(`the widget's unit tests loaded no chunks, but ${String(name)} was called`);
  },
});
