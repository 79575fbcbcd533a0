// Writes test/fixtures/cache/codec-v<CODEC_VERSION>.bin: a value of every built-in kind
// encoded by the current codec. Run when CODEC_VERSION is bumped; older fixtures stay, frozen.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CODEC_VERSION, encode } from "../src/cache";
import { codecFixtureValue } from "../test/fixtures/cache/value";

(async () => {
  const file = join(__dirname, "..", "test", "fixtures", "cache", `codec-v${CODEC_VERSION}.bin`);
  writeFileSync(file, await encode(await codecFixtureValue()));
  console.log(`wrote ${file}`);
})();
