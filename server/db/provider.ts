export type Provider = "sqlite" | "postgresql";

export function providerOf(databaseUrl: string): Provider {
  if (databaseUrl.startsWith("file:")) return "sqlite";
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return "postgresql";
  throw new Error("DATABASE_URL must start with file: (SQLite) or postgresql:// (PostgreSQL)");
}

/** Path of the SQLite file a file: URL names (query string ignored). */
export function sqlitePath(databaseUrl: string): string {
  return databaseUrl.slice("file:".length).split("?")[0];
}
