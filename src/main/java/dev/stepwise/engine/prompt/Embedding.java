package dev.stepwise.engine.prompt;

import java.nio.file.Path;

/**
 * One textual-inversion embedding (Gal et al. 2022): {@code vectors} learnt token embeddings that
 * take the place of the tokens of its name wherever the name stands in a prompt.
 *
 * @param name the file name without its extension: the word a prompt uses
 * @param vectors how many token positions it fills, at least 1
 * @param width the token embedding width D (768 for SD 1.x, 1024 for SD 2.x)
 * @param values the vectors, row-major [vectors, D]
 * @param shortHash the first 12 hex digits of the file's SHA-256, as A1111's {@code TI hashes}
 *     record it (modules/textual_inversion/textual_inversion.py {@code Embedding.set_hash})
 * @param file where it was read from
 */
public record Embedding(
    String name, int vectors, int width, float[] values, String shortHash, Path file) {

  /** Checks that the values fill [vectors, width]. */
  public Embedding {
    if (vectors < 1 || width < 1 || values.length != (long) vectors * width) {
      throw new IllegalArgumentException(
          "The embedding "
              + name
              + " holds "
              + values.length
              + " values, not "
              + vectors
              + "x"
              + width
              + ".");
    }
  }
}
