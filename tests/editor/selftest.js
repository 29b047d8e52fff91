'use strict';
// Proves that check_grammar.js can fail: the real grammar passes, and each
// deliberately broken copy of it (or of rigc's statement table, or of the extension
// snippet in docs/editor.md) is rejected by the check named beside it.
//
// Usage: node selftest.js REPO_ROOT

const fs = require('fs');
const os = require('os');
const path = require('path');
const { check, TABLE_SOURCE, readerSources } = require('./check_grammar');

const root = path.resolve(process.argv[2] || path.join(__dirname, '..', '..'));
const grammarFile = path.join(root, 'grammar', 'rig.tmLanguage.json');
const original = JSON.parse(fs.readFileSync(grammarFile, 'utf8'));

// Deletes a repository rule and every include of it.
function removeRule(g, name) {
  if (!g.repository[name]) throw new Error(`no rule ${name}`);
  delete g.repository[name];
  const walk = (node) => {
    if (Array.isArray(node.patterns)) {
      node.patterns = node.patterns.filter((p) => p.include !== `#${name}`);
      node.patterns.forEach(walk);
    }
    for (const key of ['captures', 'beginCaptures', 'endCaptures']) {
      for (const c of Object.values(node[key] || {})) walk(c);
    }
  };
  walk(g);
  Object.values(g.repository).forEach(walk);
}

// Replaces text inside one rule's field, failing if it is not there.
function edit(g, name, field, from, to) {
  const rule = g.repository[name];
  if (!rule || typeof rule[field] !== 'string' || !rule[field].includes(from)) {
    throw new Error(`${name}.${field} does not contain ${from}`);
  }
  rule[field] = rule[field].replace(from, to);
}

const grammarCases = [
  ['comment rule removed', (g) => removeRule(g, 'comment'), /^corpus: .*is not comment\.line/],
  ['an escaped quote ends the string', (g) => removeRule(g, 'string-escape'),
    /^snapshots: .*MSG=[\s\S]*got:[\s\S]*"not a comment.*" comment\.line/],
  ['invalid escapes not flagged', (g) => { g.repository['string-escape'].patterns.pop(); },
    /^corpus: .*escape '\\q' is not invalid\.illegal\.escape/],
  ['a string ends at #', (g) => edit(g, 'string', 'end', '(")|', '(")|(?=#)|'), /^snapshots: .*localhost\/#top/],
  ['an unterminated string runs into the next line', (g) => { g.repository.string.end = '(")'; },
    /^corpus: tests\/errors\/syntax-unterminated-string\.rig:4/],
  ['a statement keyword dropped', (g) => edit(g, 'statement-healthcheck', 'begin', '(healthcheck)', '(healthchek)'),
    /^keywords: 'healthcheck' in image is not keyword\.other\.statement/],
  ['packs not a keyword', (g) => edit(g, 'statement-packs', 'begin', '(packs)', '(pack5)'),
    /^corpus: examples\/runners\/Rigfile:\d+:3: statement 'packs' in runner is not keyword/],
  ['a pack keyword leaks into images', (g) => edit(g, 'statement-settings', 'begin', '(base|', '(verify|base|'),
    /^keywords: 'verify' in image is not a statement there/],
  ['target declared at the top level', (g) => { g.patterns.splice(1, 0, { include: '#decl-target' }); },
    /^keywords: 'target' in top is not a statement there/],
  ['runner-only statements in images', (g) => {
    g.repository['image-body'].patterns.splice(1, 0, { include: '#runner-statements' });
  }, /^keywords: 'ephemeral' in image is not a statement there/],
  ['unknown blocks not balanced', (g) => removeRule(g, 'block-unknown'), /^corpus: tests\/errors\/target-in-target\.rig/],
  ['ignore patterns not scoped', (g) => removeRule(g, 'ignore-pattern'), /^corpus: .*ignore pattern '!app\/' is not a string/],
  ['an argument keyword dropped', (g) => edit(g, 'option-extract', 'match', 'strip|owned', 'strip'),
    /^options: 'owned' in 'extract \/opt\/tool owned'/],
  ['a scope renamed', (g) => { g.repository.size.name = 'constant.numeric.rig'; }, /^snapshots: .*1\.5G/],
  ['an Oniguruma-only regex', (g) => { g.repository['option-into'].match = '(?~x)into'; }, /^pcre: .*\(\?~x\)into/],
  ['Rigfile not associated', (g) => { g.fileTypes = ['rig']; }, /^metadata: fileTypes/],
  ['a valid spec gets invalid.illegal', (g) => { g.repository.pair.captures['1'].name = 'invalid.illegal.key.rig'; },
    /^corpus: examples\/.*in a valid spec is scoped/],
];

// rigc learns something the grammar does not know: a new statement, a new
// argument word. The check must notice from rigc's sources alone (the statement
// table, src/statements.cpp, and the readers, src/elaborate*.cpp).
const sourceCases = [
  ['a new statement in the table', TABLE_SOURCE, (src) => src.replace(
    '      {"ephemeral",', '      {"sbom", kAll | kTarget, true, "sbom true|false", assign<&S::sbom, read_sbom>, nullptr},\n      {"ephemeral",'),
  /^keywords: 'sbom' in image is not keyword\.other\.statement/],
  ['a new argument keyword', path.join('src', 'elaborate_pack.cpp'),
    (src) => src.replace('if (a.keyword("into")) {', 'if (a.keyword("into") || a.keyword("from")) {'),
    /^options: rigc reads the argument word 'from'/],
  ['a new argument keyword in a new reader file', path.join('src', 'elaborate_service.cpp'),
    () => 'void read_service(Args& a) {\n  if (a.keyword("from")) return;\n}\n',
    /^options: rigc reads the argument word 'from'/],
  ['a new context in the table', TABLE_SOURCE, (src) => src.replace('{"group", kDefaults | kRunner,', '{"group", kDefaults | kRunner | kService,'),
    /unknown context 'kService'/],
  ['a table entry in a new format', TABLE_SOURCE, (src) => src.replace('{"kind", kPack, true,', '{"kind", kPack, /*single=*/true,'),
    /read \d+ of \d+ table entries/],
];

// Copies the sources the check reads into a fake repository root, `file` changed
// by `mutate` (a file not in the repository starts empty).
function writeSources(fakeRoot, file, mutate) {
  fs.rmSync(fakeRoot, { recursive: true, force: true });
  fs.mkdirSync(path.join(fakeRoot, 'src'), { recursive: true });
  for (const f of [TABLE_SOURCE, ...readerSources(root)]) {
    fs.copyFileSync(path.join(root, f), path.join(fakeRoot, f));
  }
  if (!file) return;
  const source = fs.existsSync(path.join(root, file)) ? fs.readFileSync(path.join(root, file), 'utf8') : '';
  const changed = mutate(source);
  if (changed === source) throw new Error(`a source case did not change ${file}`);
  fs.writeFileSync(path.join(fakeRoot, file), changed);
}

// The extension snippet of docs/editor.md drifts from the grammar.
const EDITOR_DOC = path.join('docs', 'editor.md');
const docCases = [
  ['docs/editor.md names another scope', (text) => text.replace('"scopeName": "source.rig"', '"scopeName": "source.rigfile"'),
    /^docs: .*names scope source\.rigfile/],
  ['docs/editor.md forgets Rigfile', (text) => text.replace('"filenames": ["Rigfile"]', '"filenames": []'),
    /^docs: .*does not associate \.rig and Rigfile/],
  ['docs/editor.md is missing', () => null, /^docs: .*names scope undefined/],
];

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rig-tmlanguage-'));
  let failed = 0;
  const report = (ok, name, detail) => {
    if (!ok) failed++;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}`);
  };
  try {
    const base = await check(root, grammarFile);
    report(base.failures.length === 0, 'the real grammar passes', base.failures.slice(0, 3).join('\n'));

    for (const [name, mutate, expected] of grammarCases) {
      const g = JSON.parse(JSON.stringify(original));
      mutate(g);
      const file = path.join(tmp, 'rig.tmLanguage.json');
      fs.writeFileSync(file, JSON.stringify(g));
      const { failures } = await check(root, file);
      const hit = failures.find((f) => expected.test(f));
      report(Boolean(hit), `rejected: ${name}`, hit ? hit.split('\n')[0] : `expected ${expected}, got ${failures.length} other failures: ${failures.slice(0, 2).join(' | ')}`);
    }

    for (const [name, file, mutate, expected] of sourceCases) {
      const fakeRoot = path.join(tmp, 'root');
      writeSources(fakeRoot, file, mutate);
      let messages;
      try {
        messages = (await check(fakeRoot, grammarFile)).failures;
      } catch (e) {
        messages = [e.message];
      }
      const hit = messages.find((f) => expected.test(f));
      report(Boolean(hit), `rejected: ${name}`, hit ? hit.split('\n')[0] : `expected ${expected}, got: ${messages.slice(0, 2).join(' | ')}`);
    }

    const doc = fs.readFileSync(path.join(root, EDITOR_DOC), 'utf8');
    for (const [name, mutate, expected] of docCases) {
      const fakeRoot = path.join(tmp, 'root');
      writeSources(fakeRoot, null, null);
      const changed = mutate(doc);
      if (changed === doc) throw new Error(`docs case '${name}' did not change ${EDITOR_DOC}`);
      if (changed !== null) {
        fs.mkdirSync(path.join(fakeRoot, 'docs'), { recursive: true });
        fs.writeFileSync(path.join(fakeRoot, EDITOR_DOC), changed);
      }
      const { failures } = await check(fakeRoot, grammarFile);
      const hit = failures.find((f) => expected.test(f));
      report(Boolean(hit), `rejected: ${name}`, hit || `expected ${expected}, got: ${failures.slice(0, 2).join(' | ')}`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const total = 1 + grammarCases.length + sourceCases.length + docCases.length;
  console.log(`grammar self-test: ${total - failed} of ${total} cases as expected`);
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(2);
});
