// The kvlint extension: starts the `kvlint lsp` language server for TypeScript, JavaScript
// and Astro files of a Workers project, and contributes "kvlint: Fix all".
import * as fs from "fs";
import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions } from "vscode-languageclient/node";
import { documentSelector } from "./activation";
import { findBinary } from "./lookup";

/** The code action kind of the server's fix-all (its safe fixes). */
export const FIX_ALL = "source.fixAll.kvlint";

let client: LanguageClient | undefined;

function executable(file: string): boolean {
  try {
    fs.accessSync(file, process.platform === "win32" ? fs.constants.F_OK : fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel("kvlint");
  context.subscriptions.push(output);
  context.subscriptions.push(
    vscode.commands.registerCommand("kvlint.fixAll", async () => {
      await vscode.commands.executeCommand("editor.action.codeAction", { kind: FIX_ALL, apply: "first" });
    }),
  );
  const config = vscode.workspace.getConfiguration("kvlint");
  if (config.get<boolean>("enable", true) === false) {
    output.appendLine("kvlint is disabled (kvlint.enable is false).");
    return;
  }
  const lookup = findBinary({
    setting: config.get<string | null>("path", null),
    folders: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
    pathEnv: process.env.PATH,
    platform: process.platform,
    exists: executable,
  });
  if (!lookup.found) {
    output.appendLine(lookup.message);
    // Said once, not on every start.
    if (!context.globalState.get<boolean>("kvlint.missingSaid")) {
      await context.globalState.update("kvlint.missingSaid", true);
      void vscode.window.showWarningMessage(lookup.message);
    }
    return;
  }
  await context.globalState.update("kvlint.missingSaid", false);
  output.appendLine(`kvlint: ${lookup.path} (from ${lookup.source})`);
  const server: ServerOptions = { command: lookup.path, args: ["lsp"] };
  const options: LanguageClientOptions = {
    documentSelector: documentSelector(),
    outputChannel: output,
  };
  client = new LanguageClient("kvlint", "kvlint", server, options);
  context.subscriptions.push({ dispose: () => void client?.stop() });
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
