#!/usr/bin/env node
// Judges each generated <image>.Dockerfile.dockerignore with @balena/dockerignore
// (Docker's own matcher, ported): for a context holding every file the Dockerfile
// copies plus the usual junk, the copied files must be sent, the junk must not,
// and of rigc's output directory only what the image needs may be sent.
// Usage: check_dockerignore.js OUTPUT_DIR...   (each OUTPUT_DIR holds what rigc
// generated into a spec's docker/ directory, the default output directory)
'use strict';
const fs = require('fs');
const path = require('path');
const ignore = require('@balena/dockerignore');
const { DockerfileParser } = require('dockerfile-ast');

const JUNK = ['.git/config', '.git/objects/ab/cdef', 'node_modules/left-pad/index.js', 'web/node_modules/x/y.js',
  '.env', '.env.local', 'debug.log', 'src/__pycache__/m.cpython-311.pyc', '.venv/bin/python', '.DS_Store',
  '.cache/thing', '.idea/workspace.xml'];

function checkImage(outputDir, dockerfile) {
  const findings = [];
  const relOut = 'docker';  // the output directory, relative to the context
  const text = fs.readFileSync(path.join(outputDir, dockerfile), 'utf8');
  const ignoreText = fs.readFileSync(path.join(outputDir, dockerfile + '.dockerignore'), 'utf8');
  const matcher = ignore({ ignorecase: false }).add(ignoreText.split('\n'));
  const df = DockerfileParser.parse(text);
  const wanted = [];
  for (const instruction of df.getInstructions()) {
    if (instruction.getKeyword() !== 'COPY') continue;
    if (instruction.getFlags().some((f) => f.getName() === 'from')) continue;
    const args = instruction.getArguments().map((a) => a.getValue());
    for (const source of args.slice(0, -1)) {
      // `.` is whatever the context holds; a directory stands for a file inside it.
      if (source === '.' || source === './') continue;
      wanted.push(source.endsWith('/') ? source + 'file' : source);
    }
  }
  for (const file of wanted) {
    if (matcher.ignores(file)) findings.push(`'${file}' is copied by ${dockerfile} but left out of the context`);
  }
  for (const file of JUNK) {
    if (!matcher.ignores(file)) findings.push(`'${file}' would be sent to the builder`);
  }
  for (const generated of fs.readdirSync(outputDir)) {
    const rel = `${relOut}/${generated}`;
    const needed = wanted.includes(rel);
    if (!needed && !matcher.ignores(rel)) findings.push(`generated '${rel}' would be sent although ${dockerfile} does not use it`);
  }
  return findings;
}

if (require.main === module) {
  let passed = 0;
  let failed = 0;
  for (const dir of process.argv.slice(2)) {
    for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.Dockerfile')).sort()) {
      const findings = checkImage(dir, name);
      for (const f of findings) console.log(`${path.join(dir, name)}.dockerignore: ${f}`);
      if (findings.length > 0) failed += 1; else passed += 1;
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 || passed === 0 ? 1 : 0);
}

module.exports = { checkImage };
