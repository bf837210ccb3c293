// Where the kvlint binary is: the `kvlint.path` setting, then the workspace's npm package
// (`node_modules/.bin/kvlint`), then `PATH`. Pure: the file system is asked through `exists`.
import * as path from "path";

export interface LookupInput {
  /** The `kvlint.path` setting, when set. */
  setting: string | null | undefined;
  /** The workspace folders' paths, in order. */
  folders: readonly string[];
  /** The `PATH` variable. */
  pathEnv: string | undefined;
  platform: NodeJS.Platform;
  /** Whether a file exists (and, where it matters, can be run). */
  exists: (file: string) => boolean;
}

export type Lookup =
  | { found: true; path: string; source: "setting" | "workspace" | "PATH" }
  | { found: false; message: string };

/** The command that installs kvlint in an npm project. */
export const INSTALL = "npm i -D kvlint";

export function findBinary(input: LookupInput): Lookup {
  const win = input.platform === "win32";
  const join = win ? path.win32.join : path.posix.join;
  if (input.setting) {
    if (input.exists(input.setting)) {
      return { found: true, path: input.setting, source: "setting" };
    }
    return {
      found: false,
      message: `kvlint: the binary set in kvlint.path does not exist: ${input.setting}. Fix the setting, or clear it to use the workspace's or PATH's kvlint.`,
    };
  }
  const names = win ? ["kvlint.cmd", "kvlint.exe", "kvlint"] : ["kvlint"];
  for (const folder of input.folders) {
    for (const name of names) {
      const candidate = join(folder, "node_modules", ".bin", name);
      if (input.exists(candidate)) {
        return { found: true, path: candidate, source: "workspace" };
      }
    }
  }
  const separator = win ? ";" : ":";
  for (const dir of (input.pathEnv ?? "").split(separator).filter(Boolean)) {
    for (const name of win ? ["kvlint.exe", "kvlint.cmd"] : ["kvlint"]) {
      const candidate = join(dir, name);
      if (input.exists(candidate)) {
        return { found: true, path: candidate, source: "PATH" };
      }
    }
  }
  return {
    found: false,
    message: `kvlint: no kvlint binary found (kvlint.path is not set, the workspace has no node_modules/.bin/kvlint, and PATH has none). Install it with \`${INSTALL}\`, or set kvlint.path.`,
  };
}
