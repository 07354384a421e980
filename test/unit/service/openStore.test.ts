import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../../../service/store/openStore.js";
import { SqliteStore } from "../../../service/store/sqlite.js";

describe("choosing the store", () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "openbatch-openstore-"));
  const never = () => {
    throw new Error("not fatal");
  };

  it("opens SQLite in the data directory by default and for 'sqlite'", async () => {
    for (const choice of [undefined, "sqlite"]) {
      const store = await openStore(choice, dataDir, never);
      expect(store).toBeInstanceOf(SqliteStore);
      store.close();
    }
    expect(fs.existsSync(path.join(dataDir, "account.db"))).toBe(true);
  });

  it("refuses anything else with what it takes", async () => {
    await expect(openStore("mysql://db/x", dataDir, never)).rejects.toThrow(
      /'mysql:\/\/db\/x' is neither 'sqlite' nor a PostgreSQL URL: use sqlite .* or postgres:\/\//,
    );
  });
});
