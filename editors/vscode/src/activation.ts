// When kvlint runs: in a workspace with a wrangler config or a kvlint.toml, on TypeScript,
// JavaScript and Astro files.

/** The files that make a workspace one kvlint runs in (as `package.json`'s activation events
 * name them). */
export const CONFIG_FILES = ["wrangler.toml", "wrangler.json", "wrangler.jsonc", "kvlint.toml"];

/** The languages kvlint checks. */
export const LANGUAGES = ["typescript", "typescriptreact", "javascript", "javascriptreact", "astro"];

/** The language client's document selector: those languages, in files on disk. */
export function documentSelector(): { scheme: string; language: string }[] {
  return LANGUAGES.map((language) => ({ scheme: "file", language }));
}

/** Whether kvlint runs in a workspace whose files are given (paths relative to a folder,
 * `/`-separated). */
export function isKvlintWorkspace(files: readonly string[]): boolean {
  return files.some((f) => {
    const name = f.split("/").pop() ?? "";
    return CONFIG_FILES.includes(name) && !f.split("/").includes("node_modules");
  });
}

/** Whether a document is one kvlint checks. */
export function checks(languageId: string): boolean {
  return LANGUAGES.includes(languageId);
}
