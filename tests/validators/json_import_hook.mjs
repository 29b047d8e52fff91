// Node 20 loader hook: lets ESM packages that `import x from "./y.json"` without
// an import attribute (as @actions/workflow-parser 0.3.61 does) load, by adding
// `with { type: "json" }` to every JSON import. Registered with module.register().
export async function load(url, context, nextLoad) {
  if (new URL(url).pathname.endsWith('.json')) {
    return nextLoad(url, { ...context, importAttributes: { ...context.importAttributes, type: 'json' } });
  }
  return nextLoad(url, context);
}
