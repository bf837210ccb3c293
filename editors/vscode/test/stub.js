// A stand-in for the `vscode` module and for `vscode-languageclient/node`, recording what the
// extension asks of them. `require("./stub.js")` before the extension installs it.
"use strict";
const Module = require("node:module");

const state = {
  config: {},
  folders: [],
  warnings: [],
  output: [],
  commands: {},
  executed: [],
  clients: [],
};

const vscode = {
  window: {
    createOutputChannel: (name) => ({
      name,
      appendLine: (line) => state.output.push(line),
      dispose() {},
    }),
    showWarningMessage: (message) => {
      state.warnings.push(message);
      return Promise.resolve(undefined);
    },
  },
  workspace: {
    getConfiguration: (section) => ({
      get: (key, fallback) => {
        const full = `${section}.${key}`;
        return full in state.config ? state.config[full] : fallback;
      },
    }),
    get workspaceFolders() {
      return state.folders.map((fsPath) => ({ uri: { fsPath } }));
    },
  },
  commands: {
    registerCommand: (id, fn) => {
      state.commands[id] = fn;
      return { dispose() {} };
    },
    executeCommand: (...args) => {
      state.executed.push(args);
      return Promise.resolve();
    },
  },
};

class LanguageClient {
  constructor(id, name, server, options) {
    Object.assign(this, { id, name, server, options, started: false, stopped: false });
    state.clients.push(this);
  }
  start() {
    this.started = true;
    return Promise.resolve();
  }
  stop() {
    this.stopped = true;
    return Promise.resolve();
  }
}

const stubs = { vscode, "vscode-languageclient/node": { LanguageClient } };
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request in stubs) return request;
  return resolve.call(this, request, ...rest);
};
for (const [name, exports] of Object.entries(stubs)) {
  const m = new Module(name);
  m.exports = exports;
  m.loaded = true;
  require.cache[name] = m;
}

// A fresh extension context and state for each test.
function reset() {
  Object.assign(state, { config: {}, folders: [], warnings: [], output: [], commands: {}, executed: [], clients: [] });
  const store = new Map();
  return {
    subscriptions: [],
    globalState: {
      get: (k) => store.get(k),
      update: (k, v) => {
        store.set(k, v);
        return Promise.resolve();
      },
    },
  };
}

module.exports = { state, reset };
