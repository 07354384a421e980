import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SqliteStore } from "../../../service/store/sqlite.js";
import { describeStoreConformance } from "../../storeConformance.js";

describeStoreConformance("SQLite", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "openbatch-store-"));
  const file = path.join(dir, "account.db");
  let store = new SqliteStore(file);
  return {
    store,
    async reopen() {
      await store.flush();
      store.close();
      store = new SqliteStore(file);
      return store;
    },
    async cleanup() {
      store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});
