'use strict';
// Tests grammar/rig.tmLanguage.json with the engine VS Code itself uses
// (vscode-textmate on vscode-oniguruma):
//
//   keywords   every statement keyword of src/statements.cpp's table is a keyword in
//              each context where the table allows it and is not one anywhere else;
//   options    every argument keyword rigc reads (`extends`, `as`, `into`, the
//              health check options, the restart policies, ...) has a sample line
//              here and gets its scope there;
//   corpus     every spec in examples/, packs/, tests/golden/ and tests/errors/,
//              checked against a small reference reading of grammar/rig.peg:
//              comments, strings (escapes, '#' inside), statement heads in their
//              block's context, braces;
//   snapshots  hand-written lines with the exact scopes they must get;
//   pcre       every regex also compiles in PCRE2, which GitHub's highlighter uses;
//   docs       docs/editor.md's VS Code extension snippet names this grammar.
//
// Usage: node check_grammar.js REPO_ROOT [--grammar FILE]
// Exits 1 when any check fails. selftest.js proves that each check can fail.

const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const CONTEXTS = ['top', 'defaults', 'image', 'runner', 'target', 'pack'];
const CONTEXT_BITS = {
  kTop: ['top'],
  kDefaults: ['defaults'],
  kImage: ['image'],
  kRunner: ['runner'],
  kTarget: ['target'],
  kPack: ['pack'],
  kAll: ['defaults', 'image', 'runner'],
};
const WORD = /[^\s{}"#]/; // rig.peg: word_char
const NAME = /^[a-z][a-z0-9-]*$/; // rig: a name

// ---------------------------------------------------------------------------
// What rigc knows, read from its source.

// The statement table, and the sources of elaboration that read statements'
// arguments: the walker (src/elaborate.cpp) and its readers (src/elaborate_*.cpp).
const TABLE_SOURCE = path.join('src', 'statements.cpp');
function readerSources(root) {
  return fs.readdirSync(path.join(root, 'src'))
    .filter((f) => /^elaborate(_\w+)?\.cpp$/.test(f))
    .sort()
    .map((f) => path.join('src', f));
}

// The statement table: keyword -> {contexts: Set, declaration: bool}. A
// declaration is a statement whose usage line opens a block (`image NAME … {`).
function readStatementTable(root) {
  const file = path.join(root, TABLE_SOURCE);
  const source = fs.readFileSync(file, 'utf8');
  const start = source.indexOf('const std::vector<Statement>& statement_table()');
  const end = source.indexOf('return statements;', start);
  if (start < 0 || end < 0) throw new Error(`${file}: the statement table was not found`);
  const body = source.slice(start, end);
  const entry = /\{\s*"([^"]+)",\s*([^,]+),\s*(true|false),\s*"((?:[^"\\]|\\.)*)"/g;
  const table = new Map();
  let matched = 0;
  let m;
  while ((m = entry.exec(body)) !== null) {
    matched++;
    const [, keyword, contextExpr, , usage] = m;
    const contexts = new Set();
    for (const token of contextExpr.split('|').map((t) => t.trim())) {
      if (!CONTEXT_BITS[token]) throw new Error(`${file}: unknown context '${token}' for '${keyword}'`);
      CONTEXT_BITS[token].forEach((c) => contexts.add(c));
    }
    const known = table.get(keyword) || { contexts: new Set(), declaration: false };
    contexts.forEach((c) => known.contexts.add(c));
    known.declaration = known.declaration || usage.trimEnd().endsWith('{');
    table.set(keyword, known);
  }
  // Every line that starts an entry must have been read in full.
  const entries = (body.match(/\{\s*"[^"]+",\s*k/g) || []).length;
  if (matched !== entries || table.size < 30 || !table.has('image') || !table.has('verify')) {
    throw new Error(`${file}: read ${matched} of ${entries} table entries (${table.size} keywords); ` +
      'the table format changed, update readStatementTable');
  }
  return table;
}

// The words rigc accepts inside a statement's arguments: `a.keyword("as")`,
// `expect_keyword`, the option and policy lists, and did_you_mean's literal lists.
function readArgumentWords(root) {
  const files = readerSources(root);
  const source = files.map((f) => fs.readFileSync(path.join(root, f), 'utf8')).join('\n');
  const words = new Set();
  for (const m of source.matchAll(/\b(?:keyword|expect_keyword)\("([^"]+)"\)/g)) words.add(m[1]);
  const lists = [
    /std::vector<std::string>\s+(?:options|policies)\s*=\s*\{([^}]*)\}/g,
    /did_you_mean\([^,()]+,\s*\{([^}]*)\}\)/g,
  ];
  for (const re of lists) {
    for (const m of source.matchAll(re)) {
      for (const q of m[1].matchAll(/"([^"]+)"/g)) words.add(q[1]);
    }
  }
  if (!words.has('extends') || !words.has('interval')) {
    throw new Error(`${files.join(', ')}: argument keywords not found; update readArgumentWords`);
  }
  return words;
}

// ---------------------------------------------------------------------------
// The engine.

let wasmLoaded = null;
async function loadGrammar(grammarFile) {
  if (!wasmLoaded) {
    const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
    wasmLoaded = oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  }
  await wasmLoaded;
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (sources) => new oniguruma.OnigScanner(sources),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName) => {
      if (scopeName !== 'source.rig') return null;
      return vsctm.parseRawGrammar(fs.readFileSync(grammarFile, 'utf8'), grammarFile);
    },
  });
  const grammar = await registry.loadGrammar('source.rig');
  if (!grammar) throw new Error(`${grammarFile}: no grammar with scopeName source.rig`);
  return grammar;
}

// Tokenizes a document; returns per line the scopes of every character.
function tokenize(grammar, text) {
  let state = vsctm.INITIAL;
  const lines = text.split('\n');
  return lines.map((line) => {
    const result = grammar.tokenizeLine(line, state);
    if (result.stoppedEarly) throw new Error(`tokenizing stopped early on: ${line}`);
    state = result.ruleStack;
    const chars = new Array(line.length);
    for (const t of result.tokens) {
      for (let i = t.startIndex; i < Math.min(t.endIndex, line.length); i++) chars[i] = t.scopes;
    }
    return { line, chars, tokens: result.tokens };
  });
}

const has = (scopes, prefix) => (scopes || []).some((s) => s === prefix || s.startsWith(prefix + '.'));

// ---------------------------------------------------------------------------
// A reference reading of one line, after grammar/rig.peg.

// Comments and strings by position: '#' outside a string starts a comment; a
// string runs to its closing quote or, unterminated, to the end of the line; a
// backslash takes the next character (valid: \" \\ \n \t).
function scanLine(line) {
  const comments = [];
  const strings = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === '#') {
      comments.push({ start: i, end: line.length });
      break;
    }
    if (c === '"') {
      const s = { start: i, end: line.length, closed: false, escapes: [] };
      let j = i + 1;
      while (j < line.length) {
        if (line[j] === '\\') {
          const next = line[j + 1];
          s.escapes.push({ at: j, valid: next !== undefined && '"\\nt'.includes(next) });
          j += 2;
          continue;
        }
        if (line[j] === '"') {
          s.closed = true;
          s.end = j + 1;
          break;
        }
        j++;
      }
      s.end = Math.min(s.end, line.length);
      strings.push(s);
      i = s.end;
      continue;
    }
    i++;
  }
  return { comments, strings };
}

// The statement structure: head (word or quoted), the words after it, whether
// the line opens a block (ends with '{') or closes one (starts with '}').
function readStatement(line, strings, comments) {
  const codeEnd = comments.length ? comments[0].start : line.length;
  const code = line.slice(0, codeEnd);
  const first = code.search(/\S/);
  if (first < 0) return null;
  if (code[first] === '}') return { close: true, at: first };
  const inString = (i) => strings.some((s) => i >= s.start && i < s.end);
  const trimmed = code.trimEnd();
  const opens = trimmed.endsWith('{') && !inString(trimmed.length - 1);
  let head;
  if (code[first] === '"') {
    const s = strings.find((x) => x.start === first);
    head = { kind: 'quoted', start: first, end: s.end, text: line.slice(first, s.end) };
  } else {
    let e = first;
    while (e < code.length && WORD.test(code[e])) e++;
    if (e === first) return { other: true };
    head = { kind: 'word', start: first, end: e, text: line.slice(first, e) };
  }
  const rest = code.slice(head.end, opens ? trimmed.length - 1 : code.length);
  const args = rest.trim() === '' ? [] : rest.trim().split(/\s+/);
  return { head, args, opens, openAt: opens ? trimmed.length - 1 : -1 };
}

// The context of the block a statement opens, as rigc's elaborator reads it.
function blockContext(context, st, table) {
  if (st.head.kind !== 'word' || st.args.some((a) => !/^[^"]+$/.test(a))) return 'unknown';
  const k = st.head.text;
  const a = st.args;
  const decl = table.get(k);
  if (!decl || !decl.declaration || !decl.contexts.has(context)) return 'unknown';
  if (k === 'defaults' || k === 'ignore') return a.length === 0 ? k : 'unknown';
  if (k === 'pack' || k === 'target') return a.length === 1 && NAME.test(a[0]) ? k : 'unknown';
  if (k === 'image' || k === 'runner') {
    const plain = a.length === 1 && NAME.test(a[0]);
    const extended = a.length === 3 && NAME.test(a[0]) && a[1] === 'extends' && NAME.test(a[2]);
    return plain || extended ? k : 'unknown';
  }
  return 'unknown';
}

// ---------------------------------------------------------------------------
// The checks. Each returns failure messages prefixed with its name.

// Checks one document against the reference reading; `where` names it. In a
// spec that rigc compiles (`valid`), nothing may be scoped invalid.illegal.
function checkDocument(grammar, table, text, where, valid) {
  const failures = [];
  const fail = (n, col, msg) => failures.push(`corpus: ${where}:${n + 1}:${col + 1}: ${msg}`);
  const lines = tokenize(grammar, text);
  const stack = ['top'];
  lines.forEach(({ line, chars }, n) => {
    const { comments, strings } = scanLine(line);
    const illegal = valid ? chars.findIndex((c) => has(c, 'invalid.illegal')) : -1;
    if (illegal >= 0) fail(n, illegal, `'${line.slice(illegal)}' in a valid spec is scoped ${chars[illegal].join(' ')}`);
    const inComment = (i) => comments.some((c) => i >= c.start && i < c.end);
    const inString = (i) => strings.some((s) => i >= s.start && i < s.end);
    for (let i = 0; i < line.length; i++) {
      if (inComment(i) !== has(chars[i], 'comment.line.number-sign.rig')) {
        fail(n, i, inComment(i) ? `comment text '${line.slice(i)}' is not comment.line.number-sign`
          : `'${line.slice(i)}' is not a comment but is scoped ${chars[i].join(' ')}`);
        break;
      }
      if (inString(i) !== has(chars[i], 'string.quoted.double.rig')) {
        fail(n, i, inString(i) ? `string text '${line.slice(i)}' is not string.quoted.double`
          : `'${line.slice(i)}' is not in a string but is scoped ${chars[i].join(' ')}`);
        break;
      }
    }
    for (const c of comments) {
      if (!has(chars[c.start], 'punctuation.definition.comment.rig')) fail(n, c.start, "'#' is not punctuation.definition.comment");
    }
    for (const s of strings) {
      if (!has(chars[s.start], 'punctuation.definition.string.begin.rig')) fail(n, s.start, 'opening quote not marked');
      if (s.closed && !has(chars[s.end - 1], 'punctuation.definition.string.end.rig')) fail(n, s.end - 1, 'closing quote not marked');
      // An unterminated string is marked on its last character, unless that is
      // the opening quote or part of an escape.
      const last = line.length - 1;
      const lastIsMarkup = last === s.start || s.escapes.some((e) => last === e.at || last === e.at + 1);
      if (!s.closed && !lastIsMarkup && !has(chars[last], 'invalid.illegal')) fail(n, last, 'unterminated string not marked invalid');
      for (const e of s.escapes) {
        const want = e.valid ? 'constant.character.escape.rig' : 'invalid.illegal.escape.rig';
        if (!has(chars[e.at], want)) fail(n, e.at, `escape '${line.slice(e.at, e.at + 2)}' is not ${want}`);
      }
    }
    const st = readStatement(line, strings, comments);
    if (!st || st.other) return;
    const context = stack[stack.length - 1];
    if (st.close) {
      if (stack.length > 1) {
        stack.pop();
        if (!has(chars[st.at], 'punctuation.section.block.end.rig')) fail(n, st.at, "'}' does not close a block");
      } else if (!has(chars[st.at], 'invalid.illegal')) {
        fail(n, st.at, "a '}' without a block is not invalid.illegal");
      }
      return;
    }
    const head = st.head;
    const headScopes = chars[head.start] || [];
    const shown = headScopes.join(' ');
    if (context === 'ignore') {
      const negated = head.kind === 'word' && head.text.startsWith('!') && head.text.length > 1;
      const p = negated ? head.start + 1 : head.start;
      if (!has(chars[p], 'string')) fail(n, p, `ignore pattern '${head.text}' is not a string`);
      if (negated && !has(headScopes, 'keyword.operator.negation.rig')) fail(n, head.start, "'!' is not keyword.operator.negation");
    } else if (head.kind === 'word') {
      const k = table.get(head.text);
      const allowed = context !== 'unknown' && k && k.contexts.has(context);
      if (allowed && k.declaration && !has(headScopes, 'storage.type.declaration')) {
        fail(n, head.start, `declaration '${head.text}' in ${context} is not storage.type.declaration (${shown})`);
      } else if (allowed && !k.declaration && !has(headScopes, 'keyword.other.statement.rig')) {
        fail(n, head.start, `statement '${head.text}' in ${context} is not keyword.other.statement (${shown})`);
      } else if (!allowed && (has(headScopes, 'keyword') || has(headScopes, 'storage'))) {
        fail(n, head.start, `'${head.text}' is not a statement of ${context} but is scoped ${shown}`);
      }
    }
    if (st.opens) {
      if (!has(chars[st.openAt], 'punctuation.section.block.begin.rig')) fail(n, st.openAt, "'{' does not open a block");
      stack.push(context === 'unknown' ? 'unknown' : blockContext(context, st, table));
    }
  });
  return failures;
}

const CORPUS = ['examples', 'packs', path.join('tests', 'golden'), path.join('tests', 'errors')];

// Edge cases of comments and strings, read by the same reference as the corpus.
const EDGE_DOCS = [
  ['image a {',
    '  env A="x\\t', // unterminated after an escape
    '  env B="', // unterminated and empty
    '  env C="abc\\', // a backslash at the end of the line
    '  run "ok" # "quoted" in a comment',
    '  run "a # b \\\\" # \\ after an escaped backslash',
    '  label k=v#comment right after a word',
    '  cmd ["sh", "-c", "echo \\"#\\""] # a list',
    '}',
    '# a comment with { and }',
    'runner r extends a { # a comment after the brace',
    '}  # and after the closing one',
  ].join('\n'),
];

function corpusFiles(root) {
  const files = [];
  const add = (dir, test) => {
    const full = path.join(root, dir);
    if (!fs.existsSync(full)) return;
    for (const name of fs.readdirSync(full).sort()) {
      const p = path.join(full, name);
      if (fs.statSync(p).isDirectory()) {
        for (const inner of fs.readdirSync(p).sort()) if (test(inner)) files.push(path.join(p, inner));
      } else if (test(name)) {
        files.push(p);
      }
    }
  };
  const spec = (name) => name === 'Rigfile' || name.endsWith('.rig');
  const missing = [];
  for (const dir of CORPUS) {
    const before = files.length;
    add(dir, spec);
    if (files.length === before) missing.push(dir);
  }
  return { files, missing };
}

// Wraps lines in a block of the given context.
function inContext(context, lines) {
  const indent = (ls, by) => ls.map((l) => ' '.repeat(by) + l);
  switch (context) {
    case 'top': return { doc: lines, offset: 0 };
    case 'target': return { doc: ['image i {', '  target t {', ...indent(lines, 4), '  }', '}'], offset: 2 };
    case 'defaults': return { doc: ['defaults {', ...indent(lines, 2), '}'], offset: 1 };
    default: return { doc: [`${context} ${context[0]} {`, ...indent(lines, 2), '}'], offset: 1 };
  }
}

// Every keyword of the table, tried in every context: a keyword where the table
// allows it, not a keyword where it does not. A declaration is tried with its
// block; a line after the test shows the braces stayed balanced.
function checkKeywords(grammar, table) {
  const failures = [];
  const keywords = [...table.keys(), 'pakcs', 'imagee'];
  for (const context of CONTEXTS) {
    for (const k of keywords) {
      const entry = table.get(k);
      const lines = entry && entry.declaration
        ? [k === 'defaults' || k === 'ignore' ? `${k} {` : `${k} x {`, '}']
        : [`${k} x`];
      const { doc, offset } = inContext(context, lines);
      doc.push('image after {');
      const t = tokenize(grammar, doc.join('\n'));
      const { line, chars } = t[offset];
      const scopes = chars[line.search(/\S/)] || [];
      const allowed = entry && entry.contexts.has(context);
      const where = `keywords: '${k}' in ${context}`;
      if (allowed && entry.declaration && !scopes.includes(`storage.type.declaration.${k}.rig`)) {
        failures.push(`${where} is not storage.type.declaration.${k}.rig (${scopes.join(' ')})`);
      } else if (allowed && !entry.declaration && !scopes.includes('keyword.other.statement.rig')) {
        failures.push(`${where} is not keyword.other.statement.rig (${scopes.join(' ')})`);
      } else if (!allowed && (has(scopes, 'keyword') || has(scopes, 'storage'))) {
        failures.push(`${where} is not a statement there but is scoped ${scopes.join(' ')}`);
      }
      const last = t[t.length - 1];
      if (!has(last.chars[0], 'storage.type.declaration.image.rig')) {
        failures.push(`${where}: the braces are unbalanced after it (a following declaration is ${(last.chars[0] || []).join(' ')})`);
      }
    }
  }
  return failures;
}

// An argument keyword or constant, in a sample statement, and the scope it gets.
const ARGUMENT_SAMPLES = {
  extends: ['top', 'runner r extends base {', 'storage.modifier.extends.rig'],
  as: ['image', 'run "make" as root', 'keyword.other.option.rig'],
  env: ['image', 'secret token env TOKEN', 'keyword.other.option.rig'],
  target: ['image', 'secret npmrc target /home/runner/.npmrc', 'keyword.other.option.rig'],
  into: ['pack', 'deps go.mod go.sum "go mod download" into /go', 'keyword.other.option.rig'],
  requires: ['pack', 'system 18 nodejs requires npm', 'keyword.other.option.rig'],
  strip: ['pack', 'extract /usr/local/go strip 1', 'keyword.other.option.rig'],
  owned: ['pack', 'extract /opt/tool owned', 'keyword.other.option.rig'],
  writable: ['image', 'copy data /srv/data writable', 'keyword.other.option.rig'],
  only: ['pack', 'extract /usr/local/lib/docker strip 1 only docker/docker', 'keyword.other.option.rig'],
  file: ['pack', 'extract /usr/local/lib/docker/cli-plugins file docker-buildx', 'keyword.other.option.rig'],
  for: ['pack', 'fetch @mirror@/x-@version@.tgz for 1.2', 'keyword.other.option.rig'],
  line: ['pack', 'releases @mirror@/index.json "v@version@" line 2', 'keyword.other.option.rig'],
  sha256: ['defaults', 'pin node 26.12.1 sha256 amd64 ' + 'a'.repeat(64), 'keyword.other.option.rig'],
  interval: ['image', 'healthcheck "true" interval 30s', 'keyword.other.option.rig'],
  timeout: ['target', 'healthcheck "true" timeout 3s', 'keyword.other.option.rig'],
  retries: ['image', 'healthcheck "true" retries 3', 'keyword.other.option.rig'],
  start: ['image', 'healthcheck "true" interval 5s start 5s', 'keyword.other.option.rig'],
  cpus: ['runner', 'limits cpus 2 memory 4G', 'keyword.other.option.rig'],
  memory: ['defaults', 'reserve cpus 1 memory 1G', 'keyword.other.option.rig'],
  class: ['runner', 'work-volume 10G class fast-ssd', 'keyword.other.option.rig'],
  no: ['image', 'restart no', 'constant.language.restart-policy.rig'],
  always: ['runner', 'restart always', 'constant.language.restart-policy.rig'],
  'on-failure': ['image', 'restart on-failure', 'constant.language.restart-policy.rig'],
  'unless-stopped': ['defaults', 'restart unless-stopped', 'constant.language.restart-policy.rig'],
};

function checkArgumentWords(grammar, words) {
  const failures = [];
  for (const w of [...words].sort()) {
    const sample = ARGUMENT_SAMPLES[w];
    if (!sample) {
      failures.push(`options: rigc reads the argument word '${w}' (src/elaborate*.cpp); add it to the grammar and a sample to ARGUMENT_SAMPLES`);
      continue;
    }
    const [context, text, scope] = sample;
    const { doc, offset } = inContext(context, [text, ...(text.endsWith('{') ? ['}'] : [])]);
    const { line, chars } = tokenize(grammar, doc.join('\n'))[offset];
    const at = line.search(new RegExp(`(?<=\\s)${w.replace(/[-]/g, '\\-')}(?=\\s|$)`));
    if (at < 0 || !(chars[at] || []).includes(scope)) {
      failures.push(`options: '${w}' in '${text.trim()}' (${context}) is not ${scope} (${at < 0 ? 'not found' : (chars[at] || []).join(' ')})`);
    }
  }
  return failures;
}

// Hand-written: the tokens of one line (trimmed, adjacent tokens with the same
// scopes merged, whitespace between them dropped) and their scopes, without
// source.rig and meta.*.
const SNAPSHOTS = [
  {
    doc: ['runner web extends base {', '}'], line: 0,
    tokens: [['runner', 'storage.type.declaration.runner.rig'], ['web', 'entity.name.type.runner.rig'],
      ['extends', 'storage.modifier.extends.rig'], ['base', 'entity.other.inherited-class.rig'],
      ['{', 'punctuation.section.block.begin.rig']],
  },
  {
    doc: ['runner web {', '  packs node@20 go # two packs', '}'], line: 1,
    tokens: [['packs', 'keyword.other.statement.rig'], ['node', 'entity.name.type.pack.rig'],
      ['@', 'punctuation.separator.version.rig'], ['20', 'constant.other.version.rig'],
      ['go', 'entity.name.type.pack.rig'],
      ['#', 'comment.line.number-sign.rig punctuation.definition.comment.rig'],
      ['two packs', 'comment.line.number-sign.rig']],
  },
  {
    doc: ['runner base {', '  limits cpus 0.5 memory 1.5G', '}'], line: 1,
    tokens: [['limits', 'keyword.other.statement.rig'], ['cpus', 'keyword.other.option.rig'],
      ['0.5', 'constant.numeric.rig'], ['memory', 'keyword.other.option.rig'],
      ['1.5G', 'constant.numeric.size.rig']],
  },
  {
    doc: ['image api {', '  env MSG="a \\"quoted # not a comment\\" word" B=~/x # a comment', '}'], line: 1,
    tokens: [['env', 'keyword.other.statement.rig'], ['MSG', 'variable.other.key.rig'],
      ['=', 'keyword.operator.assignment.rig'],
      ['"', 'string.quoted.double.rig punctuation.definition.string.begin.rig'],
      ['a', 'string.quoted.double.rig'], ['\\"', 'string.quoted.double.rig constant.character.escape.rig'],
      ['quoted # not a comment', 'string.quoted.double.rig'],
      ['\\"', 'string.quoted.double.rig constant.character.escape.rig'],
      ['word', 'string.quoted.double.rig'],
      ['"', 'string.quoted.double.rig punctuation.definition.string.end.rig'],
      ['B', 'variable.other.key.rig'], ['=', 'keyword.operator.assignment.rig'],
      ['~', 'string.unquoted.value.rig variable.language.home.rig'], ['/x', 'string.unquoted.value.rig'],
      ['#', 'comment.line.number-sign.rig punctuation.definition.comment.rig'],
      ['a comment', 'comment.line.number-sign.rig']],
  },
  {
    doc: ['image api {', '  healthcheck "curl -f http://localhost/#top" interval 1m30s retries 3', '}'], line: 1,
    tokens: [['healthcheck', 'keyword.other.statement.rig'],
      ['"', 'string.quoted.double.rig punctuation.definition.string.begin.rig'],
      ['curl -f http://localhost/#top', 'string.quoted.double.rig'],
      ['"', 'string.quoted.double.rig punctuation.definition.string.end.rig'],
      ['interval', 'keyword.other.option.rig'], ['1m30s', 'constant.numeric.duration.rig'],
      ['retries', 'keyword.other.option.rig'], ['3', 'constant.numeric.rig']],
  },
  {
    doc: ['image api {', '  cmd ["python", "-u", "app.py"]', '}'], line: 1,
    tokens: [['cmd', 'keyword.other.statement.rig'], ['[', 'punctuation.definition.list.begin.rig'],
      ['"', 'string.quoted.double.rig punctuation.definition.string.begin.rig'],
      ['python', 'string.quoted.double.rig'],
      ['"', 'string.quoted.double.rig punctuation.definition.string.end.rig'],
      [',', 'punctuation.separator.list.rig'],
      ['"', 'string.quoted.double.rig punctuation.definition.string.begin.rig'],
      ['-u', 'string.quoted.double.rig'],
      ['"', 'string.quoted.double.rig punctuation.definition.string.end.rig'],
      [',', 'punctuation.separator.list.rig'],
      ['"', 'string.quoted.double.rig punctuation.definition.string.begin.rig'],
      ['app.py', 'string.quoted.double.rig'],
      ['"', 'string.quoted.double.rig punctuation.definition.string.end.rig'],
      [']', 'punctuation.definition.list.end.rig']],
  },
  {
    doc: ['image api {', '  cmd [python]', '}'], line: 1,
    tokens: [['cmd', 'keyword.other.statement.rig'], ['[', 'punctuation.definition.list.begin.rig'],
      ['python', 'invalid.illegal.list-item.rig'], [']', 'punctuation.definition.list.end.rig']],
  },
  {
    doc: ['image api {', '  env GREETING="hello\\qworld"', '}'], line: 1,
    tokens: [['env', 'keyword.other.statement.rig'], ['GREETING', 'variable.other.key.rig'],
      ['=', 'keyword.operator.assignment.rig'],
      ['"', 'string.quoted.double.rig punctuation.definition.string.begin.rig'],
      ['hello', 'string.quoted.double.rig'], ['\\q', 'string.quoted.double.rig invalid.illegal.escape.rig'],
      ['world', 'string.quoted.double.rig'],
      ['"', 'string.quoted.double.rig punctuation.definition.string.end.rig']],
  },
  {
    doc: ['pack go {', '  fetch @mirror@/go@version@.linux-@arch@.tar.gz', '}'], line: 1,
    tokens: [['fetch', 'keyword.other.statement.rig'], ['@mirror@', 'variable.other.placeholder.rig'],
      ['/go', ''], ['@version@', 'variable.other.placeholder.rig'], ['.linux-', ''],
      ['@arch@', 'variable.other.placeholder.rig'], ['.tar.gz', '']],
  },
  {
    doc: ['image tools {', '  run "apt-get --version" as root', '  expose 8000/tcp', '}'], line: 1,
    tokens: [['run', 'keyword.other.statement.rig'],
      ['"', 'string.quoted.double.rig punctuation.definition.string.begin.rig'],
      ['apt-get --version', 'string.quoted.double.rig'],
      ['"', 'string.quoted.double.rig punctuation.definition.string.end.rig'],
      ['as', 'keyword.other.option.rig'], ['root', 'constant.language.user.rig']],
  },
  {
    doc: ['image tools {', '  run "apt-get --version" as root', '  expose 8000/tcp', '}'], line: 2,
    tokens: [['expose', 'keyword.other.statement.rig'], ['8000', 'constant.numeric.port.rig'],
      ['/', 'punctuation.separator.protocol.rig'], ['tcp', 'constant.language.protocol.rig']],
  },
  {
    doc: ['ignore {', '  "!my file.txt"', '}'], line: 1,
    tokens: [['"', 'string.quoted.double.rig punctuation.definition.string.begin.rig'],
      ['!', 'string.quoted.double.rig keyword.operator.negation.rig'],
      ['my file.txt', 'string.quoted.double.rig'],
      ['"', 'string.quoted.double.rig punctuation.definition.string.end.rig']],
  },
  {
    doc: ['ignore {', '  !app/', '}'], line: 1,
    tokens: [['!', 'keyword.operator.negation.rig'], ['app/', 'string.unquoted.pattern.rig']],
  },
  {
    doc: ['image api {', '  healthcheck "curl -f http://localhost/ interval 30s', '}'], line: 1,
    tokens: [['healthcheck', 'keyword.other.statement.rig'],
      ['"', 'string.quoted.double.rig punctuation.definition.string.begin.rig'],
      ['curl -f http://localhost/ interval 30', 'string.quoted.double.rig'],
      ['s', 'string.quoted.double.rig invalid.illegal.unclosed-string.rig']],
  },
  {
    doc: ['image api {', '  labels gpu', '}'], line: 1,
    tokens: [['labels gpu', '']],
  },
];

function checkSnapshots(grammar) {
  const failures = [];
  for (const snap of SNAPSHOTS) {
    const { line, tokens } = tokenize(grammar, snap.doc.join('\n'))[snap.line];
    const actual = [];
    for (const t of tokens) {
      const text = line.slice(t.startIndex, t.endIndex);
      const scopes = t.scopes.filter((s) => s !== 'source.rig' && !s.startsWith('meta.')).join(' ');
      const prev = actual[actual.length - 1];
      if (prev && prev.scopes === scopes) prev.text += text;
      else actual.push({ text, scopes });
    }
    const got = actual.map((a) => [a.text.trim(), a.scopes]).filter(([text, scopes]) => text !== '' || scopes !== '');
    const want = snap.tokens;
    const show = (ts) => ts.map(([text, scopes]) => `${JSON.stringify(text)} ${scopes || '(none)'}`).join('\n      ');
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      failures.push(`snapshots: ${JSON.stringify(line)}\n    want:\n      ${show(want)}\n    got:\n      ${show(got)}`);
    }
  }
  return failures;
}

function checkMetadata(grammarFile) {
  const failures = [];
  const g = JSON.parse(fs.readFileSync(grammarFile, 'utf8'));
  if (g.scopeName !== 'source.rig') failures.push(`metadata: scopeName is ${g.scopeName}, not source.rig`);
  if (!Array.isArray(g.fileTypes) || !g.fileTypes.includes('rig') || !g.fileTypes.includes('Rigfile')) {
    failures.push('metadata: fileTypes must list "rig" and "Rigfile"');
  }
  return failures;
}

// The VS Code extension snippet of docs/editor.md must name this grammar and Rig's files.
const EDITOR_DOC = path.join('docs', 'editor.md');
function checkEditorDoc(root, grammarFile) {
  const file = path.join(root, EDITOR_DOC);
  const doc = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const blocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]);
  const parse = (text) => { try { return JSON.parse(text); } catch (e) { return { error: e.message }; } };
  const manifest = parse(blocks.find((b) => b.includes('"contributes"')) || '{}');
  const config = parse(blocks.find((b) => b.includes('"lineComment"')) || '{}');
  const g = JSON.parse(fs.readFileSync(grammarFile, 'utf8'));
  const language = ((manifest.contributes || {}).languages || [])[0] || {};
  const grammar = ((manifest.contributes || {}).grammars || [])[0] || {};
  const failures = [];
  const expect = (ok, what) => { if (!ok) failures.push(`docs: ${EDITOR_DOC}'s ${what}`); };
  expect(!manifest.error && !config.error, `JSON does not parse (${manifest.error || config.error})`);
  expect(grammar.scopeName === g.scopeName, `package.json names scope ${grammar.scopeName}, not ${g.scopeName}`);
  expect(path.basename(grammar.path || '') === path.basename(grammarFile), `package.json grammar path is ${grammar.path}`);
  expect(grammar.language === language.id && language.id, 'package.json grammar is not tied to its language');
  expect((language.extensions || []).includes('.rig') && (language.filenames || []).includes('Rigfile'),
    'package.json does not associate .rig and Rigfile');
  expect((config.comments || {}).lineComment === '#', 'language configuration does not make # the line comment');
  return failures;
}

// GitHub's highlighter compiles grammars with PCRE, not Oniguruma: every regex
// must also compile in PCRE2 (pcre2test, from Debian's pcre2-utils).
function checkPcre(grammarFile) {
  const regexes = [];
  const walk = (node) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    for (const key of ['match', 'begin', 'end', 'while', 'firstLineMatch']) {
      if (typeof node[key] === 'string') regexes.push(node[key]);
    }
    Object.values(node).forEach(walk);
  };
  walk(JSON.parse(fs.readFileSync(grammarFile, 'utf8')));
  const input = regexes.map((re) => {
    const delimiter = [...'%&\',;=`!'].find((d) => !re.includes(d));
    return `${delimiter}${re}${delimiter}\n`;
  }).join('\n');
  const run = spawnSync('pcre2test', ['-q'], { input, encoding: 'utf8' });
  if (run.error) {
    return { failures: [`pcre: cannot run pcre2test (${run.error.code}); apt-get install pcre2-utils`], regexes: regexes.length };
  }
  const failures = [];
  const lines = run.stdout.split('\n');
  lines.forEach((line, i) => {
    if (line.startsWith('Failed:')) failures.push(`pcre: ${lines[i - 1]} ${line}`);
  });
  if (run.status !== 0 && failures.length === 0) failures.push(`pcre: pcre2test exited ${run.status}: ${run.stderr}`);
  return { failures, regexes: regexes.length };
}

// Runs every check; returns {failures, counts}.
async function check(root, grammarFile) {
  const table = readStatementTable(root);
  const words = readArgumentWords(root);
  const grammar = await loadGrammar(grammarFile);
  const pcre = checkPcre(grammarFile);
  const failures = [...checkMetadata(grammarFile), ...checkEditorDoc(root, grammarFile), ...pcre.failures];
  const { files, missing } = corpusFiles(root);
  for (const dir of missing) failures.push(`corpus: no specs found under ${dir}/`);
  let lines = 0;
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    lines += text.split('\n').length;
    const rel = path.relative(root, f);
    failures.push(...checkDocument(grammar, table, text, rel, !rel.startsWith(path.join('tests', 'errors'))));
  }
  EDGE_DOCS.forEach((doc, i) => failures.push(...checkDocument(grammar, table, doc, `edge case ${i + 1}`, false)));
  failures.push(...checkKeywords(grammar, table));
  failures.push(...checkArgumentWords(grammar, words));
  failures.push(...checkSnapshots(grammar));
  return {
    failures,
    counts: { regexes: pcre.regexes, keywords: table.size, words: words.size, files: files.length, lines, snapshots: SNAPSHOTS.length },
  };
}

module.exports = { check, TABLE_SOURCE, readerSources };

if (require.main === module) {
  const args = process.argv.slice(2);
  const g = args.indexOf('--grammar');
  const root = path.resolve(args.find((a, i) => !a.startsWith('--') && i !== g + 1) || path.join(__dirname, '..', '..'));
  const grammarFile = g >= 0 ? path.resolve(args[g + 1]) : path.join(root, 'grammar', 'rig.tmLanguage.json');
  check(root, grammarFile).then(({ failures, counts }) => {
    for (const f of failures) console.log(`FAIL ${f}`);
    console.log(`rig.tmLanguage.json: ${counts.regexes} regexes compile in PCRE2; ${counts.keywords} statement keywords in ${CONTEXTS.length} contexts, ` +
      `${counts.words} argument words, ${counts.files} specs (${counts.lines} lines), ${counts.snapshots} snapshot lines: ` +
      `${failures.length} failures`);
    process.exit(failures.length === 0 ? 0 : 1);
  }).catch((e) => {
    console.error(e.stack || String(e));
    process.exit(2);
  });
}
