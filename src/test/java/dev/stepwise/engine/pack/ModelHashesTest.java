package dev.stepwise.engine.pack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.stepwise.engine.ModelPackException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelHashesTest {
  @TempDir Path dir;

  /** The naive twin: SHA-256 of the whole file in one call, first 10 hex digits (A1111 AutoV2). */
  private static String autoV2(byte[] bytes) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(bytes))
        .substring(0, 10);
  }

  @Test
  void shortHashIsA1111sAutoV2AndIsRemembered() throws Exception {
    byte[] bytes = new byte[3 << 20]; // spans several 1 MiB hashing chunks
    new Random(1).nextBytes(bytes);
    Path model = dir.resolve("m.safetensors");
    Files.write(model, bytes);
    Path cache = dir.resolve("cache/hashes.json");
    ModelHashes hashes = new ModelHashes(cache);
    assertNull(hashes.cachedHash(model), "unknown before the first hash");
    assertEquals(autoV2(bytes), hashes.shortHash(model));
    assertEquals(autoV2(bytes), new ModelHashes(cache).cachedHash(model), "kept in the file");

    // Same size and time: the cache answers without reading (the new bytes are not seen).
    FileTime time = Files.getLastModifiedTime(model);
    byte[] other = bytes.clone();
    other[0] ^= 1;
    Files.write(model, other);
    Files.setLastModifiedTime(model, time);
    assertEquals(autoV2(bytes), new ModelHashes(cache).shortHash(model));
    // A new time: hashed again.
    Files.setLastModifiedTime(model, FileTime.fromMillis(time.toMillis() + 5000));
    assertEquals(autoV2(other), new ModelHashes(cache).shortHash(model));
    assertNotEquals(autoV2(bytes), autoV2(other));
  }

  @Test
  void aDamagedCacheIsIgnoredAndAnUnreadableFileIsOneSentence() throws Exception {
    Path model = dir.resolve("m.safetensors");
    Files.write(model, new byte[] {1, 2, 3});
    Path cache = dir.resolve("hashes.json");
    Files.writeString(cache, "{ not json");
    assertEquals(autoV2(new byte[] {1, 2, 3}), new ModelHashes(cache).shortHash(model));
    ModelPackException e =
        assertThrows(
            ModelPackException.class,
            () -> new ModelHashes(cache).shortHash(dir.resolve("gone.safetensors")));
    assertEquals('.', e.getMessage().charAt(e.getMessage().length() - 1), e.getMessage());
  }
}
